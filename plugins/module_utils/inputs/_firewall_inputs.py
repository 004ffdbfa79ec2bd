# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Every input of the firewall role checked together before anything changes, and the check that
the new rules would not cut off the SSH connection the run itself arrives over.

One sentence per problem, naming the variable and saying what to write instead.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy

PROTOCOLS = ("tcp", "udp")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,30}\Z")
# An extra rule is one nft statement inside the input chain: no second statement, no comment that
# could hide one, no braces except a balanced anonymous set.
_RULE_FORBIDDEN = re.compile(r"[;\n\r#]")
# Words of an nft rule that match packets; a rule that accepts needs one before its verdict.
_MATCH_WORDS = frozenset(("saddr", "daddr", "dport", "sport", "iif", "iifname", "oif", "oifname", "ct", "meta",
                          "mark", "type", "l4proto", "protocol", "nexthdr", "length", "flags"))


def _port(value):
    return policy.whole(value, 1, 65535)


def _ssh_port(values):
    """firewall_ssh_port as the layer reads it (a number, also when it arrives as text from -e), or
    None when it is refused: every comparison with a rule's port uses this, never the raw value."""
    try:
        return _input_types.parse("firewall_ssh_port", values.get("firewall_ssh_port"))
    except _inputs.Refusal:
        return None


def parse_sources(value, variable="networks"):
    """VALUE as a list of networks (a bare address is its /32 or /128); raises _inputs.Refusal."""
    return list(_inputs.networks(value, variable, bare_address=True))


ADMIN_NETWORKS_ARE = "the networks this host is managed from (SSH stays open only to them)"


def source_problems(value, variable, allow_everyone=True, required=False, what=ADMIN_NETWORKS_ARE):
    """Problems with a list of source networks (CIDR or bare addresses); REQUIRED refuses an empty
    list, saying which networks WHAT to name."""
    try:
        networks = parse_sources(value, variable)
    except _inputs.Refusal as refusal:
        return ["%s; give a list of networks or addresses, e.g. ['192.0.2.0/24', '2001:db8::/48']" % refusal]
    problems = []
    if required and not networks:
        problems.append("%s is empty: name %s, e.g. ['192.0.2.0/24']" % (variable, what))
    if not allow_everyone:
        for network in networks:
            if network.prefixlen == 0:
                problems.append("%s: %s opens SSH to every address on the Internet; list the admin networks only"
                                % (variable, network))
            elif network.prefixlen < policy.MIN_PREFIX[network.version]:
                problems.append("%s: %s is broader than /%d and opens SSH to a provider-wide block; list the "
                                "admin networks only" % (variable, network, policy.MIN_PREFIX[network.version]))
    return problems


def _braces_nest(rule):
    """Whether every brace in RULE closes one opened before it, and all are closed."""
    depth = 0
    for char in rule:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _ports_of(words, index):
    """The port numbers and names written after the 'dport' at INDEX of WORDS (one, or an anonymous set)."""
    if index + 1 >= len(words):
        return []
    if words[index + 1] != "{":
        return [words[index + 1]]
    found = []
    for word in words[index + 2:]:
        if word == "}":
            break
        found.append(word)
    return found


def _escape_problem(rule, ssh_port, variable):
    """Why RULE would open more than the role promises, or None: an accept with nothing to match, or an
    accept of the SSH port (SSH is for the admin networks alone)."""
    words = re.sub(r"([{},])", r" \1 ", rule).replace(",", " ").split()
    if "accept" not in words:
        return None
    before = words[:words.index("accept")]
    if not _MATCH_WORDS.intersection(before):
        return ("%s: %s accepts every packet that reaches it; name what it matches (e.g. 'tcp dport 8080 ip saddr "
                "192.0.2.0/24 accept')" % (variable, policy.describe(rule)))
    for index, word in enumerate(before):
        if word == "dport" and ({str(ssh_port), "ssh"} & set(_ports_of(before, index))):
            return ("%s: %s accepts the SSH port %s, which the role keeps for the admin networks; add the network "
                    "to mailsec_admin_networks instead" % (variable, policy.describe(rule), ssh_port))
    return None


def _rule_problems(rules, variable, ssh_port=22):
    if not isinstance(rules, (list, tuple)):
        return ["%s must be a list of nft rules (one statement each), not %s" % (variable, policy.describe(rules))]
    problems = []
    for rule in rules:
        if not isinstance(rule, str) or not rule.strip():
            problems.append("%s: %s is not an nft rule" % (variable, policy.describe(rule)))
        elif _RULE_FORBIDDEN.search(rule) or _inputs.NOT_PRINTABLE.search(rule) or not _braces_nest(rule):
            problems.append("%s: %s must be one rule on one line of printable ASCII, without ';', '#' or unbalanced "
                            "braces (it goes into the input chain as it is)" % (variable, policy.describe(rule)))
        elif _escape_problem(rule, ssh_port, variable):
            problems.append(_escape_problem(rule, ssh_port, variable))
    return problems


def allow_rules(entries, ssh_port, variable="firewall_allow"):
    """The FIREWALL_ALLOW entries as the ruleset writes them: name, port as a number, protocol, and the
    sources of each family as nft elements. ValueError with the check's problems when it refuses them."""
    problems = _allow_problems(entries, variable, ssh_port)
    if problems:
        raise ValueError("; ".join(problems))
    return [dict(name=entry["name"], port=_inputs.port(entry["port"], variable),
                 protocol=entry.get("protocol", "tcp"),
                 ipv4=family_networks(entry["sources"], "ipv4"), ipv6=family_networks(entry["sources"], "ipv6"))
            for entry in entries]


def extra_rules(rules, ssh_port, variable="firewall_extra_input_rules"):
    """The extra input rules as the ruleset writes them, one statement per line, white space trimmed.
    ValueError with the check's problems when it refuses them."""
    problems = _rule_problems(rules, variable, ssh_port)
    if problems:
        raise ValueError("; ".join(problems))
    return [rule.strip() for rule in rules]


def _allow_problems(entries, variable, ssh_port=22):
    if not isinstance(entries, (list, tuple)):
        return ["%s must be a list of {name, port, protocol, sources}, not %s" % (variable, policy.describe(entries))]
    problems = []
    names = []
    for entry in entries:
        if not isinstance(entry, dict):
            problems.append("%s: %s is not a mapping with name, port, protocol and sources" % (
                variable, policy.describe(entry)))
            continue
        unknown = sorted(set(entry) - {"name", "port", "protocol", "sources"})
        if unknown:
            problems.append("%s: %s has unknown keys %s (name, port, protocol, sources)" % (
                variable, policy.describe(entry.get("name")), ", ".join(unknown)))
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append("%s: name %s must be lower-case letters, digits, '-' or '_' (it names the rule)" % (
                variable, policy.describe(name)))
        names.append(name)
        if not _port(entry.get("port")):
            problems.append("%s: %s needs a port from 1 to 65535, not %s" % (
                variable, policy.describe(name), policy.describe(entry.get("port"))))
        if entry.get("protocol", "tcp") not in PROTOCOLS:
            problems.append("%s: %s protocol must be tcp or udp, not %s" % (
                variable, policy.describe(name), policy.describe(entry.get("protocol"))))
        sources_variable = "%s (%s) sources" % (variable, name)
        found = source_problems(entry.get("sources"), sources_variable)
        problems.extend(found)
        if not found and entry.get("port") == ssh_port and entry.get("protocol", "tcp") == "tcp":
            problems.extend(source_problems(entry.get("sources"), sources_variable, allow_everyone=False))
    if len(set(n for n in names if isinstance(n, str))) != len([n for n in names if isinstance(n, str)]):
        problems.append("%s names a rule twice" % variable)
    return problems


def firewall_problems(values):
    """Problems with the firewall role's VALUES (name to value)."""
    problems = []
    mode = values.get("firewall_mode")
    problems.extend(_input_types.problems("firewall_mode", mode, "firewall_mode (mailsec_mode)"))
    for name in ("firewall_submission_enabled", "firewall_mta_sts_enabled", "firewall_log_refused", "firewall_persist"):
        if not isinstance(values.get(name), bool):
            problems.append("%s must be true or false, not %s" % (name, policy.describe(values.get(name))))
    problems.extend(source_problems(values.get("firewall_admin_networks"), "firewall_admin_networks "
                                    "(mailsec_admin_networks)", allow_everyone=False, required=True))
    problems.extend(source_problems(values.get("firewall_smtp_sources"), "firewall_smtp_sources"))
    problems.extend(source_problems(values.get("firewall_submission_sources"), "firewall_submission_sources"))
    if mode == "mx" and values.get("firewall_smtp_sources") in ([], ()):
        problems.append("firewall_smtp_sources is empty, so no mail could reach this mx; list who may connect "
                        "to port 25 (['0.0.0.0/0', '::/0'] for the whole Internet)")
    if values.get("firewall_submission_enabled") is True and mode != "mx":
        problems.append("firewall_submission_enabled needs firewall_mode mx (submission runs only there)")
    for name in ("firewall_ssh_port", "firewall_smtp_rate_limit", "firewall_outbound_smtp_users"):
        problems.extend(_input_types.problems(name, values.get(name)))
    problems.extend(_input_types.problems("firewall_outbound_smtp_ports", values.get("firewall_outbound_smtp_ports")))
    ssh_port = _ssh_port(values)
    problems.extend(_allow_problems(values.get("firewall_allow"), "firewall_allow", ssh_port))
    problems.extend(_rule_problems(values.get("firewall_extra_input_rules"), "firewall_extra_input_rules", ssh_port))
    problems.extend(ruleset_path_problems(values.get("firewall_ruleset_path"), "firewall_ruleset_path"))
    return problems


def ruleset_path_problems(path, variable):
    """Problems with the path a ruleset file is written to."""
    if not isinstance(path, str) or not re.match(r"^/[A-Za-z0-9._/-]+\.nft\Z", path) or ".." in path:
        return ["%s must be an absolute path ending in .nft, not %s" % (variable, policy.describe(path))]
    return []


def _client(ssh_connection):
    """(client address, server port) from an SSH_CONNECTION value, or None when there is none."""
    fields = str(ssh_connection or "").split()
    if len(fields) != 4:
        return None
    address = _inputs.read_address(fields[0])
    if address is None or not fields[3].isdigit():
        return None
    return address, int(fields[3])


def _admitted(address, networks):
    try:
        parsed = parse_sources(networks)
    except _inputs.Refusal:
        return False
    return any(address in network for network in parsed if network.version == address.version)


def connection_problem(values, ssh_connection):
    """The sentence saying why the new rules would cut the SSH connection given by SSH_CONNECTION
    ("client port server port"), or "" when they admit it or the run does not arrive over SSH.

    The new rules admit a connection from the client to the server port when the client is on
    loopback, or the port is the SSH port and the client is in the admin networks, or a
    firewall_allow entry opens the port to the client. Extra rules come after every accept the
    role writes, so they cannot take away what these admit, and are not counted as admitting.
    """
    client = _client(ssh_connection)
    if client is None:
        return ""
    address, port = client
    if address.is_loopback:
        return ""
    ssh_port = _ssh_port(values)
    if port == ssh_port and _admitted(address, values.get("firewall_admin_networks") or []):
        return ""
    for entry in values.get("firewall_allow") or []:
        if entry.get("port") == port and entry.get("protocol", "tcp") == "tcp" and \
                _admitted(address, entry.get("sources") or []):
            return ""
    if port != ssh_port:
        return ("this run's SSH connection arrives from %s on port %d, and the new rules open SSH only on "
                "firewall_ssh_port %s: set firewall_ssh_port to %d; nothing was changed" % (
                    address, port, ssh_port, port))
    return ("the new rules would cut this run's SSH connection from %s (port %d): %s is not in "
            "firewall_admin_networks (mailsec_admin_networks) %s; add it or its network, or run from an admin "
            "network; nothing was changed" % (address, port, address, policy.describe(
                list(values.get("firewall_admin_networks") or []))))


def family_networks(networks, family):
    """The networks of one address family (ipv4 or ipv6), overlaps merged, as nft set elements."""
    version = {"ipv4": 4, "ipv6": 6}[family]
    chosen = parse_sources(networks or [], "networks")
    chosen = [n for n in chosen if n.version == version]
    return [str(n) for n in ipaddress.collapse_addresses(chosen)]
