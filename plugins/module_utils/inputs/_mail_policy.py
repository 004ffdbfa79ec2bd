# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Pure checks of mail-host intent: trusted networks, host and domain names, addresses, settings.

Every function returns a list of problems, each a sentence that names the variable and says what
to do, so the same text reaches the user whether a role refuses input or an audit reports drift.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs

# Broadest single prefix accepted as "trusted": wider blocks are provider-wide, not departmental.
MIN_PREFIX = {4: 8, 6: 32}
# Most addresses trust may cover in all, whatever the acknowledgement: one /8 (IPv4), one /32 (IPv6).
HARD_CAP = {4: 2 ** (32 - 8), 6: 2 ** (128 - 32)}
# Default ceiling beyond which trust needs a written reason: one /16 (IPv4), one /48 (IPv6).
DEFAULT_CEILING = {4: 16, 6: 48}

# Restrictions that must never be switched on (sender address verification, see the
# Postfix ADDRESS_VERIFICATION_README: probes get a site denylisted and lose legitimate mail).
FORBIDDEN_RESTRICTIONS = ("reject_unverified_sender",)

# Loopback is always trusted and is not counted against the limits.
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
# IPv6 prefixes that embed IPv4 addresses: trust there is trust of IPv4 space.
_IPV4_EMBEDDING = (ipaddress.ip_network("::ffff:0:0/96"), ipaddress.ip_network("64:ff9b::/96"))

_PARAMETER_NAME = re.compile(r"^[a-z][a-z0-9_]*\Z")


# Short, single-line description of a value for messages, and the YAML-ish name of its type.
describe = _inputs.shown
type_name = _inputs.type_name


def whole(value, low, high):
    """Whether VALUE is a whole number (not a boolean) from LOW to HIGH."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _parse_network(text, variable="network"):
    """A network from the typed input layer (Postfix's bracketed IPv6 form accepted); raises _inputs.Refusal."""
    return _inputs.network(text, variable, postfix_brackets=True)


def network_problems(networks, variable):
    """Problems with a list of trusted networks given as CIDR strings.

    Refuses anything the typed input layer does not read as a network (zone IDs, netmasks, text
    around the value, IPv4 written as IPv6, host bits set), the whole address space and blocks
    broader than MIN_PREFIX.
    """
    problems = []
    if isinstance(networks, str) or not isinstance(networks, (list, tuple)):
        return ["%s must be a list of networks in CIDR notation, e.g. ['192.0.2.0/24'], not %s"
                % (variable, type_name(networks))]
    for entry in networks:
        try:
            net = _parse_network(entry, variable)
        except _inputs.Refusal as refusal:
            problems.append(str(refusal))
            continue
        if net.prefixlen == 0:
            problems.append(
                "%s: %s trusts every address on the Internet and makes an open relay; "
                "list only the networks of your own clients" % (variable, net))
        elif net.prefixlen < MIN_PREFIX[net.version]:
            problems.append(
                "%s: %s is broader than /%d and would trust a provider-wide block; "
                "list the department's own prefixes instead" % (variable, net, MIN_PREFIX[net.version]))
    return problems


def _counted_networks(net):
    """The networks NET trusts for counting: IPv4-embedding IPv6 space counts as the IPv4 it carries."""
    if net.version == 6:
        for embedding in _IPV4_EMBEDDING:
            if net.prefixlen >= embedding.prefixlen and net.subnet_of(embedding):
                ipv4 = ipaddress.ip_address(int(net.network_address) & 0xFFFFFFFF)
                return [ipaddress.ip_network("%s/%d" % (ipv4, net.prefixlen - embedding.prefixlen))]
            if net.prefixlen < embedding.prefixlen and embedding.subnet_of(net):
                return [net, ipaddress.ip_network("0.0.0.0/0")]
    return [net]


def trusted_space(networks):
    """Number of addresses the union of NETWORKS covers, per IP version ({4: n, 6: n}).

    Overlaps count once; loopback does not count; IPv6 prefixes that embed IPv4 (::ffff:0:0/96,
    64:ff9b::/96) count as IPv4. Entries that are not networks are ignored (network_problems reports them).
    """
    parsed = {4: [], 6: []}
    for entry in networks if isinstance(networks, (list, tuple)) else []:
        try:
            net = _parse_network(entry)
        except _inputs.Refusal:
            continue
        for counted in _counted_networks(net):
            if not any(counted.version == lo.version and counted.subnet_of(lo) for lo in LOOPBACK):
                parsed[counted.version].append(counted)
    return dict((version, sum(n.num_addresses for n in ipaddress.collapse_addresses(nets)))
                for version, nets in parsed.items())


def _prefix_equivalent(version, count):
    """The prefix length of one block holding COUNT addresses (rounded to the wider block)."""
    bits = 32 if version == 4 else 128
    return bits - (max(count, 1) - 1).bit_length()


def _ceiling(ceiling):
    merged = dict(DEFAULT_CEILING)
    merged.update(ceiling or {})
    return merged


def trust_excess(networks, ceiling=None):
    """How the union of NETWORKS exceeds the limits of trust: [{version, count, prefix, hard}].

    ``hard`` is true past HARD_CAP (refused whatever the reason), false past the CEILING (prefix
    length per IP version of the widest block trusted without a written reason).
    """
    ceiling = _ceiling(ceiling)
    excess = []
    for version, count in sorted(trusted_space(networks).items()):
        bits = 32 if version == 4 else 128
        if count > HARD_CAP[version] or count > 2 ** (bits - ceiling[version]):
            excess.append(dict(version=version, count=count, prefix=_prefix_equivalent(version, count),
                               hard=count > HARD_CAP[version]))
    return excess


def describe_excess(item, ceiling=None):
    """One sentence for an item of trust_excess."""
    ceiling = _ceiling(ceiling)
    span = "together trust %d IPv%d addresses, as many as a /%d" % (item["count"], item["version"], item["prefix"])
    if item["hard"]:
        return ("%s; trust may cover at most one /%d in all, whatever the reason, because wider trust turns the "
                "server into a relay for a whole provider" % (span, MIN_PREFIX[item["version"]]))
    return "%s, more than the ceiling of one /%d" % (span, ceiling[item["version"]])


def trust_problems(networks, variable, ceiling=None, reason="", reason_variable="postfix_wide_trust_reason"):
    """Problems with the union of trusted networks: the hard cap always, the ceiling unless a reason is given."""
    problems = []
    for item in trust_excess(networks, ceiling):
        if item["hard"]:
            problems.append("%s: these networks %s; list only your own clients' prefixes"
                            % (variable, describe_excess(item, ceiling)))
        elif not reason:
            problems.append("%s: these networks %s; narrow the list, or say why in %s (it is recorded in main.cf)"
                            % (variable, describe_excess(item, ceiling), reason_variable))
    return problems


def switch(value, variable):
    """VALUE as a boolean: a boolean, or one of the words Ansible reads as one (extra vars come as
    text). Anything else raises ValueError naming VARIABLE, so a mistyped "ture" never turns a
    part of the hardening off without a word."""
    return _inputs.boolean(value, variable)


def fqdn_problems(name, variable, what="host name"):
    """Problems with a fully qualified name (at least two labels, RFC 1123 syntax, no trailing dot)."""
    return _inputs.problems_of(lambda: _inputs.hostname(name, variable, what=what))


def domain_problems(domains, variable):
    """Problems with a list of mail domains."""
    if not isinstance(domains, (list, tuple)):
        return ["%s must be a list of mail domains, e.g. ['example.org'], not %s" % (variable, type_name(domains))]
    problems = []
    for domain in domains:
        problems.extend(fqdn_problems(domain, variable, what="domain name"))
    return problems


def address_problems(address, variable):
    """Problems with one mail address (local@domain) or a local user name."""
    return _inputs.problems_of(lambda: _inputs.mail_address(address, variable))


def text_problems(value, variable):
    """Problems with a single-line text value: line breaks and other control characters."""
    return _inputs.problems_of(lambda: _inputs.text(value, variable, max_length=500))


def _scalars(value):
    """Every scalar inside VALUE (lists and mappings walked, keys included)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _scalars(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _scalars(item)
    else:
        yield value


def forbidden_token(value):
    """The forbidden restriction found anywhere in VALUE (any case, any nesting), or None."""
    for scalar in _scalars(value):
        text = str(scalar).lower()
        for forbidden in FORBIDDEN_RESTRICTIONS:
            if re.search(r"(^|[^a-z0-9_])%s($|[^a-z0-9_])" % forbidden, text):
                return forbidden
    return None


def setting_shape_problems(name, value, variable):
    """Problems with one main.cf setting's name and the shape of its value.

    Accepted values: text, whole numbers, booleans, or a flat list of text and whole numbers.
    """
    where = "%s.%s" % (variable, name) if isinstance(name, str) and _PARAMETER_NAME.match(name) else variable
    if not isinstance(name, str) or not _PARAMETER_NAME.match(name):
        problem = "%s: %s is not a Postfix parameter name (lower-case letters, digits and underscores)" % (
            variable, describe(name))
        if any(isinstance(s, str) and _inputs.NOT_PRINTABLE.search(s) for s in _scalars(name)):
            problem += "; it contains a line break, which would add lines to main.cf"
        return [problem]
    problems = []
    if any(isinstance(s, str) and _inputs.NOT_PRINTABLE.search(s) for s in _scalars(value)):
        problems.append("%s contains a line break, another control character or a non-ASCII character; give one "
                        "value on one line of printable ASCII" % where)
    if value is None or isinstance(value, (dict, float)):
        problems.append("%s is %s; give text, a whole number, yes/no, or a list of text" % (where, type_name(value)))
    elif isinstance(value, (list, tuple)):
        if not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in value):
            problems.append("%s is a list with %s in it; give a flat list of text" % (
                where, ", ".join(sorted(set(type_name(i) for i in value
                                            if not isinstance(i, (str, int)) or isinstance(i, bool))))))
    forbidden = forbidden_token(value)
    if forbidden:
        problems.append(
            "%s enables %s (sender address verification); it gets the site denylisted "
            "and loses legitimate mail, so it is not supported: remove it" % (where, forbidden))
    return problems


def restriction_problems(settings, variable):
    """Problems with main.cf settings given as a mapping: names, value shapes, forbidden restrictions."""
    if not isinstance(settings, dict):
        return ["%s must be a mapping of main.cf parameter names to values, not %s" % (variable, type_name(settings))]
    problems = []
    for name, value in settings.items():
        problems.extend(setting_shape_problems(name, value, variable))
    return problems


def render_setting(value):
    """A setting's value as main.cf text: yes/no for booleans, lists joined with commas."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)
