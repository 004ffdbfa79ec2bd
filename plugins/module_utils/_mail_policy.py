# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Pure checks of mail-host intent: trusted networks, host and domain names, restriction lists.

Every function returns a list of problems, each a sentence that names the variable and says what
to do, so the same text reaches the user whether a role refuses input or an audit reports drift.
"""

from __future__ import annotations

import ipaddress
import re

# Broadest prefixes accepted as "trusted": wider blocks are provider-wide, not departmental.
MIN_PREFIX = {4: 8, 6: 32}

# Restrictions that must never be switched on (sender address verification, see the
# Postfix ADDRESS_VERIFICATION_README: probes get a site denylisted and lose legitimate mail).
FORBIDDEN_RESTRICTIONS = ("reject_unverified_sender",)

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _parse_network(text, strict=True):
    """Parse a CIDR string, accepting Postfix's bracketed IPv6 form ([2001:db8::]/32)."""
    return ipaddress.ip_network(str(text).strip().replace("[", "").replace("]", ""), strict=strict)


def network_problems(networks, variable):
    """Problems with a list of trusted networks given as CIDR strings.

    Refuses anything that is not a network in CIDR notation, host bits set after the prefix,
    the whole address space and blocks broader than MIN_PREFIX.
    """
    problems = []
    if not isinstance(networks, (list, tuple)):
        return ["%s must be a list of networks in CIDR notation, e.g. ['192.0.2.0/24']" % variable]
    for entry in networks:
        text = str(entry).strip()
        if not isinstance(entry, str) or "/" not in text:
            problems.append(
                "%s: %r is not a network in CIDR notation; write it as address/prefix, e.g. 192.0.2.0/24"
                % (variable, entry))
            continue
        try:
            net = _parse_network(text)
        except ValueError as exc:
            if "host bits set" in str(exc):
                problems.append(
                    "%s: %s has host bits set after the prefix; use the network address %s"
                    % (variable, text, _parse_network(text, strict=False)))
            else:
                problems.append("%s: %r is not a valid network (%s)" % (variable, text, exc))
            continue
        if net.prefixlen == 0:
            problems.append(
                "%s: %s trusts every address on the Internet and makes an open relay; "
                "list only the networks of your own clients" % (variable, text))
        elif net.prefixlen < MIN_PREFIX[net.version]:
            problems.append(
                "%s: %s is broader than /%d and would trust a provider-wide block; "
                "list the department's own prefixes instead" % (variable, text, MIN_PREFIX[net.version]))
    return problems


def postfix_networks(networks):
    """Render CIDR strings the way Postfix's mynetworks wants them (IPv6 in brackets)."""
    rendered = []
    for entry in networks:
        net = _parse_network(entry, strict=False)
        if net.version == 6:
            rendered.append("[%s]/%d" % (net.network_address, net.prefixlen))
        else:
            rendered.append(str(net))
    return rendered


def fqdn_problems(name, variable):
    """Problems with a fully qualified host name (at least two labels, RFC 1123 syntax)."""
    if not isinstance(name, str) or not name:
        return ["%s must be a fully qualified host name such as mail.example.org" % variable]
    labels = name.rstrip(".").split(".")
    if len(labels) < 2 or len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        return ["%s: %r is not a fully qualified host name; use a name such as mail.example.org "
                "whose labels are letters, digits and inner hyphens" % (variable, name)]
    if labels[-1].isdigit():
        return ["%s: %r looks like an address, not a host name" % (variable, name)]
    return []


def domain_problems(domains, variable):
    """Problems with a list of mail domains."""
    if not isinstance(domains, (list, tuple)):
        return ["%s must be a list of mail domains, e.g. ['example.org']" % variable]
    problems = []
    for domain in domains:
        for problem in fqdn_problems(domain, variable):
            problems.append(problem.replace("host name", "domain name"))
    return problems


def restriction_problems(settings, variable):
    """Problems with main.cf settings given as a mapping: forbidden restrictions, unsafe text."""
    problems = []
    if not isinstance(settings, dict):
        return ["%s must be a mapping of main.cf parameter names to values" % variable]
    for name, value in settings.items():
        text = " ".join(str(v) for v in _as_list(value))
        if not re.match(r"^[a-z0-9_]+$", str(name)):
            problems.append("%s: %r is not a Postfix parameter name" % (variable, name))
        if "\n" in text or "\r" in text:
            problems.append("%s.%s contains a line break; give one value on one line" % (variable, name))
        for forbidden in FORBIDDEN_RESTRICTIONS:
            if re.search(r"(^|[\s,])%s($|[\s,])" % forbidden, text):
                problems.append(
                    "%s.%s enables %s (sender address verification); it gets the site denylisted "
                    "and loses legitimate mail, so it is not supported: remove it" % (variable, name, forbidden))
    return problems
