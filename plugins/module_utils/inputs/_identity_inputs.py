# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Every input of the mail_identity role checked together, before anything changes.

One sentence per problem, naming the variable and saying what to write instead. The TSIG secret
is checked but never repeated in a message.
"""

from __future__ import annotations

import base64
import binascii
import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy

POLICIES = ("enforce", "warn")
TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5")
_KEY_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?\Z")


def _number(value, low, high):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and low < value <= high


def _address(value):
    try:
        return _inputs.address(value, "address")
    except _inputs.Refusal:
        return None


def egress_problems(addresses, variable):
    """Problems with the egress addresses: bare addresses a receiver can see a connection from."""
    if not isinstance(addresses, (list, tuple)) or not addresses:
        return ["%s must list the addresses this host sends mail from (IPv4 and IPv6), e.g. ['192.0.2.25', "
                "'2001:db8::25']; the host's facts found none, so set it, not %s" % (variable, policy.describe(addresses))]
    problems = []
    for value in addresses:
        ip = _address(value)
        if ip is None:
            problems.append("%s: %s is not a bare IPv4 or IPv6 address (no prefix length, no brackets)"
                            % (variable, policy.describe(value)))
        elif ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local:
            problems.append("%s: %s is a loopback, link-local, multicast or unspecified address; mail never "
                            "leaves from it, so no receiver checks its PTR" % (variable, value))
    if len(set(str(_address(v)) for v in addresses if _address(v))) != len([v for v in addresses if _address(v)]):
        problems.append("%s lists an address twice" % variable)
    return problems


def identity_problems(values):
    """Problems with the mail_identity role's VALUES (name to value)."""
    problems = []
    problems.extend(policy.fqdn_problems(values.get("mail_identity_fqdn"), "mail_identity_fqdn (mailsec_fqdn)"))
    problems.extend(policy.fqdn_problems(values.get("mail_identity_mailname"), "mail_identity_mailname",
                                         what="domain name"))
    problems.extend(egress_problems(values.get("mail_identity_egress_addresses"),
                                    "mail_identity_egress_addresses (mailsec_egress_addresses)"))
    if values.get("mail_identity_fcrdns_policy") not in POLICIES:
        problems.append("mail_identity_fcrdns_policy must be enforce (fail the play) or warn (report and go on), "
                        "not %s" % policy.describe(values.get("mail_identity_fcrdns_policy")))
    resolvers = values.get("mail_identity_resolvers")
    if not isinstance(resolvers, (list, tuple)) or any(_address(r) is None for r in resolvers):
        problems.append("mail_identity_resolvers must be a list of resolver addresses, or [] for the host's "
                        "/etc/resolv.conf, not %s" % policy.describe(resolvers))
    if not _number(values.get("mail_identity_dns_timeout"), 0, 60):
        problems.append("mail_identity_dns_timeout must be a number of seconds above 0 and at most 60, not %s"
                        % policy.describe(values.get("mail_identity_dns_timeout")))
    for name, low, high, what in (("mail_identity_dns_retries", 0, 10, "retries per question"),
                                  ("mail_identity_verify_attempts", 1, 60, "checks"),
                                  ("mail_identity_verify_delay", 0, 600, "seconds between checks"),
                                  ("mail_identity_dns_ttl", 60, 604800, "seconds")):
        if not policy.whole(values.get(name), low, high):
            problems.append("%s must be a whole number of %s from %d to %d, not %s"
                            % (name, what, low, high, policy.describe(values.get(name))))
    for name in ("mail_identity_publish", "mail_identity_manage_hosts"):
        if not isinstance(values.get(name), bool):
            problems.append("%s must be true or false, not %s" % (name, policy.describe(values.get(name))))
    if values.get("mail_identity_publish") is True:
        problems.extend(publish_problems(values))
    return problems


def _tsig_secret(text):
    """Whether TEXT is a base64 TSIG secret of at least 16 bytes."""
    try:
        return len(base64.b64decode(text.strip(), validate=True)) >= 16
    except (binascii.Error, ValueError):
        return False


def publish_problems(values):
    """Problems with the RFC 2136 settings; the secret is judged, never shown."""
    problems = []
    server = values.get("mail_identity_dns_server")
    if _address(server) is None and policy.fqdn_problems(server, "x"):
        problems.append("mail_identity_dns_server must be the address or name of the primary name server that "
                        "accepts the updates, not %s" % policy.describe(server))
    if not policy.whole(values.get("mail_identity_dns_port"), 1, 65535):
        problems.append("mail_identity_dns_port must be a port number, not %s"
                        % policy.describe(values.get("mail_identity_dns_port")))
    name = values.get("mail_identity_tsig_key_name")
    if not (isinstance(name, str) and _KEY_NAME.match(name)):
        problems.append("mail_identity_tsig_key_name must be the TSIG key's name as the name server knows it "
                        "(e.g. mx-update), not %s" % policy.describe(name))
    if values.get("mail_identity_tsig_key_algorithm") not in TSIG_ALGORITHMS:
        problems.append("mail_identity_tsig_key_algorithm must be one of %s, not %s"
                        % (", ".join(TSIG_ALGORITHMS), policy.describe(values.get("mail_identity_tsig_key_algorithm"))))
    problems.extend(_inputs.problems_of(lambda: _inputs.secret(
        values.get("mail_identity_tsig_key_secret"), "mail_identity_tsig_key_secret", _tsig_secret,
        "the key's base64 secret (the secret line of tsig-keygen's output, at least 16 bytes; keep it in a vault)")))
    for name in ("mail_identity_forward_zone", "mail_identity_reverse_zones"):
        value = values.get(name)
        zones = value if isinstance(value, (list, tuple)) else [value]
        if name == "mail_identity_forward_zone" and value in ("", None):
            continue
        if not isinstance(zones, (list, tuple)) or any(policy.fqdn_problems(str(z).rstrip("."), "x", "domain name")
                                                       for z in zones if z not in ("", None)):
            problems.append("%s must name DNS zones such as dept.example.org or 2.0.192.in-addr.arpa, not %s"
                            % (name, policy.describe(value)))
    return problems
