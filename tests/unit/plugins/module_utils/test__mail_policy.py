# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy


@pytest.mark.parametrize("networks", [
    [],
    ["192.0.2.0/24"],
    ["10.0.0.0/8", "2001:db8::/32", "[2001:db8:1::]/48", "198.51.100.7/32"],
])
def test_departmental_networks_are_accepted(networks):
    assert policy.network_problems(networks, "v") == []


@pytest.mark.parametrize("network, fragment", [
    ("0.0.0.0/0", "trusts every address on the Internet"),
    ("::/0", "trusts every address on the Internet"),
    ("4.0.0.0/6", "broader than /8"),
    ("2001::/16", "broader than /32"),
    ("192.0.2.1/24", "host bits set after the prefix; use the network address 192.0.2.0/24"),
    ("192.0.2.0/33", "is not a valid network"),
    ("300.1.1.0/24", "is not a valid network"),
    ("192.0.2.0", "not a network in CIDR notation"),
    ("mail.example.org", "not a network in CIDR notation"),
])
def test_unsafe_or_malformed_networks_are_refused_with_the_variable_named(network, fragment):
    problems = policy.network_problems(["192.0.2.0/24", network], "postfix_trusted_networks")
    assert len(problems) == 1
    assert problems[0].startswith("postfix_trusted_networks: ")
    assert fragment in problems[0]


def test_networks_must_be_a_list():
    assert "must be a list" in policy.network_problems("0.0.0.0/0", "v")[0]


def test_trust_limits_read_networks_through_the_input_layer():
    # a zone ID is not a network: it counts for nothing and network_problems names it
    assert policy.trusted_space(["2001:db8::%x/32"]) == {4: 0, 6: 0}
    assert "has a zone ID" in policy.network_problems(["2001:db8::%x/32"], "v")[0]


@pytest.mark.parametrize("name", ["mx.dept.example.org", "a-b.example.org", "XN--BCHER-KVA.example"])
def test_fqdns_are_accepted(name):
    assert policy.fqdn_problems(name, "postfix_hostname") == []


@pytest.mark.parametrize("name", ["localhost", "mx", "-mx.example.org", "mx_1.example.org", "", None,
                                  "192.0.2.1", "mx..example.org", "a" * 64 + ".example.org",
                                  "mail.example.org.", "."])
def test_non_fqdns_are_refused(name):
    problems = policy.fqdn_problems(name, "postfix_hostname")
    assert problems and problems[0].startswith("postfix_hostname")


def test_domains_are_checked_one_by_one():
    problems = policy.domain_problems(["example.org", "bad domain"], "postfix_domains")
    assert len(problems) == 1 and "'bad domain' is not a fully qualified domain name: it has white space" in problems[0]


@pytest.mark.parametrize("value", [
    "reject_unverified_sender",
    "permit_mynetworks, reject_unverified_sender",
    ["reject_non_fqdn_sender", "reject_unverified_sender"],
])
def test_sender_address_verification_is_refused(value):
    problems = policy.restriction_problems({"smtpd_sender_restrictions": value}, "postfix_extra_settings")
    assert len(problems) == 1
    assert "postfix_extra_settings.smtpd_sender_restrictions enables reject_unverified_sender" in problems[0]


def test_similar_names_are_not_mistaken_for_sender_verification():
    assert policy.restriction_problems({"smtpd_sender_restrictions": "reject_unverified_sender_x"}, "v") == []


def test_line_breaks_and_bad_parameter_names_are_refused():
    problems = policy.restriction_problems({"header_checks": "a\nrelayhost = evil", "Bad-Name": 1}, "v")
    assert any("contains a line break" in p for p in problems)
    assert any("'Bad-Name' is not a Postfix parameter name" in p for p in problems)
