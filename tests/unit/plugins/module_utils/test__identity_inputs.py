# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The mail_identity role's input checks: each problem names the variable; the secret is never shown."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.filter.identity import route_addresses
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _fcrdns
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _identity_inputs

SECRET = "YIoONmR8caG5+HBRO0JAckKbyA3On6KGNnXy+D6tbLc="


def good(**changes):
    values = dict(
        mail_identity_fqdn="mx.dept.example.org", mail_identity_mailname="dept.example.org",
        mail_identity_egress_addresses=["192.0.2.25", "2001:db8::25"], mail_identity_manage_hosts=True,
        mail_identity_fcrdns_policy="enforce", mail_identity_resolvers=[], mail_identity_dns_timeout=3,
        mail_identity_dns_retries=2, mail_identity_verify_attempts=3, mail_identity_verify_delay=5,
        mail_identity_publish=True, mail_identity_dns_server="192.0.2.53", mail_identity_dns_port=53,
        mail_identity_tsig_key_name="mx-update", mail_identity_tsig_key_secret=SECRET,
        mail_identity_tsig_key_algorithm="hmac-sha256", mail_identity_forward_zone="",
        mail_identity_reverse_zones=["2.0.192.in-addr.arpa"], mail_identity_dns_ttl=3600)
    values.update(changes)
    return values


def test_sound_inputs_have_no_problem():
    assert _identity_inputs.identity_problems(good()) == []
    assert _identity_inputs.identity_problems(good(mail_identity_publish=False, mail_identity_tsig_key_secret="")) == []


@pytest.mark.parametrize("changes, says", [
    ({"mail_identity_fqdn": "mx"}, "mail_identity_fqdn (mailsec_fqdn): 'mx' is not a fully qualified host name"),
    ({"mail_identity_fqdn": "mx.dept.example.org."}, "ends with a dot"),
    ({"mail_identity_egress_addresses": []}, "mail_identity_egress_addresses (mailsec_egress_addresses) must list"),
    ({"mail_identity_egress_addresses": ["127.0.0.1"]}, "127.0.0.1 is a loopback, link-local"),
    ({"mail_identity_egress_addresses": ["fe80::1"]}, "fe80::1 is a loopback, link-local"),
    ({"mail_identity_egress_addresses": ["192.0.2.0/24"]}, "'192.0.2.0/24' is not a bare IPv4 or IPv6 address"),
    ({"mail_identity_egress_addresses": ["192.0.2.25", "192.0.2.25"]}, "lists an address twice"),
    ({"mail_identity_fcrdns_policy": "ignore"}, "mail_identity_fcrdns_policy must be enforce"),
    ({"mail_identity_resolvers": ["dns.example.org"]}, "mail_identity_resolvers must be a list of resolver addresses"),
    ({"mail_identity_dns_timeout": 0}, "mail_identity_dns_timeout must be a number of seconds above 0"),
    ({"mail_identity_verify_attempts": 0}, "mail_identity_verify_attempts must be a whole number"),
    ({"mail_identity_publish": "yes"}, "mail_identity_publish must be true or false"),
    ({"mail_identity_dns_server": "ns bad"}, "mail_identity_dns_server must be the address or name"),
    ({"mail_identity_tsig_key_name": ""}, "mail_identity_tsig_key_name must be the TSIG key's name"),
    ({"mail_identity_tsig_key_algorithm": "md5"}, "mail_identity_tsig_key_algorithm must be one of"),
    ({"mail_identity_reverse_zones": ["bad zone"]}, "mail_identity_reverse_zones must name DNS zones"),
])
def test_each_problem_names_its_variable(changes, says):
    problems = _identity_inputs.identity_problems(good(**changes))
    assert any(says in p for p in problems), problems


@pytest.mark.parametrize("secret", ["not base64!", "c2hvcnQ=", "", None, 12345])
def test_a_bad_secret_is_refused_without_being_repeated(secret):
    problems = _identity_inputs.identity_problems(good(mail_identity_tsig_key_secret=secret))
    assert len(problems) == 1 and "mail_identity_tsig_key_secret must be the key's base64 secret" in problems[0]
    assert "it is not shown here" in problems[0]
    if secret:
        assert str(secret) not in problems[0]


def test_the_reverse_zone_is_the_longest_listed_one_that_holds_the_name():
    name = _fcrdns.reverse_name("192.0.2.25")
    assert _fcrdns.zone_for(name, ["in-addr.arpa", "2.0.192.in-addr.arpa.", "example.org"]) == "2.0.192.in-addr.arpa"
    assert _fcrdns.zone_for(name, ["example.org"]) == ""
    assert _fcrdns.zone_for(name, ["0.192.in-addr.arpa", "2.0.192.in-addr.arpa"]) == "2.0.192.in-addr.arpa"
    assert _fcrdns.zone_for("125.2.0.192.in-addr.arpa", ["25.2.0.192.in-addr.arpa"]) == ""


# --- The default egress addresses, read by the mail_identity role and by the audit alike -----------------

def test_the_default_egress_addresses_are_the_default_routes_addresses():
    facts = dict(default_ipv4=dict(address="192.0.2.25", interface="eth0"),
                 default_ipv6=dict(address="2001:db8::25", interface="eth0"),
                 all_ipv4_addresses=["192.0.2.25", "198.51.100.9"])
    assert route_addresses(facts) == ["192.0.2.25", "2001:db8::25"]
    # a host without an IPv6 default route sends from its IPv4 address only; a secondary address is not one
    assert route_addresses(dict(facts, default_ipv6={})) == ["192.0.2.25"]
