# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""What a live nftables ruleset does to a packet, read from ``nft -j list ruleset``.

The audit asks concrete questions of the ruleset the kernel holds - would a new TCP connection
from a stranger to port 8080 get in, may an ordinary user's process open a connection to port 25
of another host - instead of trusting the file on disk. ``verdict`` walks every base chain of the
packet's hook in priority order, as the kernel does: a packet gets through only if no base chain
drops or rejects it. Expressions it cannot judge (marks, fib lookups, socket matches other than
the owner) make the answer ``uncertain`` and are named, never guessed.
"""

from __future__ import annotations

import ipaddress
import json

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls

L4 = {"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58, "icmpv6": 58}
NFPROTO = {"ip": "ipv4", "ip6": "ipv6"}
FAMILIES = {"ipv4": ("ip", "inet"), "ipv6": ("ip6", "inet")}
_PRIORITIES = {"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}
_MAX_DEPTH = 16


class Ruleset:
    """The tables, chains, rules and named sets of one ``nft -j list ruleset`` answer."""

    def __init__(self, ruleset_json):
        try:
            data = json.loads(ruleset_json or "{}") if isinstance(ruleset_json, str) else (ruleset_json or {})
        except RecursionError:
            raise ValueError("nft -j list ruleset printed JSON nested too deep to read") from None
        items = data.get("nftables", []) if isinstance(data, dict) else []
        self.tables, self.chains, self.rules, self.sets = [], {}, {}, {}
        for item in items if isinstance(items, list) else []:
            # an object of another shape, or named by anything but text, is nothing nft writes: left out
            if not isinstance(item, dict):
                continue
            if "table" in item:
                table = item["table"]
                if _names(table, "family", "name"):
                    self.tables.append((table.get("family"), table.get("name")))
            elif "chain" in item:
                chain = item["chain"]
                if _names(chain, "family", "table", "name"):
                    self.chains[(chain.get("family"), chain.get("table"), chain.get("name"))] = chain
            elif "rule" in item:
                rule = item["rule"]
                if _names(rule, "family", "table", "chain"):
                    self.rules.setdefault((rule.get("family"), rule.get("table"), rule.get("chain")), []).append(rule)
            elif "set" in item:
                named = item["set"]
                if _names(named, "family", "table", "name"):
                    self.sets[(named.get("family"), named.get("table"), named.get("name"))] = named

    def base_chains(self, hook, nfproto):
        """The filter base chains on HOOK that see packets of NFPROTO (ipv4/ipv6), lowest priority first."""
        found = []
        for key, chain in self.chains.items():
            if chain.get("hook") == hook and chain.get("type") == "filter" and key[0] in FAMILIES[nfproto]:
                found.append((_priority(chain.get("prio")), key))
        return [key for _prio, key in sorted(found, key=lambda item: (item[0], tuple(str(part) for part in item[1])))]


def _names(item, *fields):
    """Whether ITEM is an object whose FIELDS (what names it) are text or absent, as nft writes them."""
    return isinstance(item, dict) and all(isinstance(item.get(field), (str, type(None))) for field in fields)


def _priority(value):
    if isinstance(value, int):
        return value
    return _PRIORITIES.get(str(value), 0)


class _Unknown(Exception):
    """An expression the evaluator cannot judge."""


def _address(value):
    return ipaddress.ip_address(str(value))


def _element_contains(element, value, ruleset, key):
    """Whether one set element (scalar, prefix, range, or a dynamic set's {elem: {val}}) holds VALUE."""
    if isinstance(element, dict):
        if "elem" in element:
            return _element_contains(element["elem"].get("val"), value, ruleset, key)
        if "prefix" in element:
            prefix = element["prefix"]
            try:
                network = ipaddress.ip_network("%s/%s" % (prefix.get("addr"), prefix.get("len")), strict=False)
                return _address(value) in network
            except ValueError:
                return False
        if "range" in element:
            low, high = element["range"]
            try:
                if isinstance(value, int):
                    return int(low) <= value <= int(high)
                return _address(low) <= _address(value) <= _address(high)
            except (ValueError, TypeError):
                return False
        if "set" in element:
            return _contains(element, value, ruleset, key)
        raise _Unknown("set element %s" % json.dumps(element, sort_keys=True))
    return _equal(element, value)


def _equal(expected, value):
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return int(expected) == value
        except (TypeError, ValueError):
            return False
    if isinstance(value, (list, tuple)):
        return any(_equal(expected, item) for item in value)
    try:
        return _address(expected) == _address(value)
    except ValueError:
        return str(expected).lower() == str(value).lower()


def _contains(right, value, ruleset, key):
    """Whether the right-hand side of a match (value, anonymous or named set, prefix, range) holds VALUE."""
    if isinstance(right, str) and right.startswith("@"):
        named = ruleset.sets.get((key[0], key[1], right[1:]))
        if named is None:
            raise _Unknown("reference to a set %s that the ruleset does not hold" % right)
        return any(_element_contains(e, value, ruleset, key) for e in named.get("elem") or [])
    if isinstance(right, dict) and "set" in right:
        return any(_element_contains(e, value, ruleset, key) for e in right["set"] or [])
    if isinstance(right, list):
        return any(_element_contains(e, value, ruleset, key) for e in right)
    return _element_contains(right, value, ruleset, key)


def _field(left, packet):
    """The packet's value of the match's left-hand side; None when the packet cannot match it at all
    (a tcp field of a udp packet, an ip6 field of an IPv4 packet)."""
    if isinstance(left, dict) and "payload" in left:
        payload = left["payload"]
        protocol, field = payload.get("protocol"), payload.get("field")
        if protocol in NFPROTO:
            if NFPROTO[protocol] != packet["nfproto"]:
                return None
            if field in ("saddr", "daddr"):
                return packet[field]
        elif protocol in ("tcp", "udp", "th"):
            if protocol != "th" and protocol != packet["l4proto"]:
                return None
            if field in ("sport", "dport"):
                return packet[field]
        elif protocol in L4 or protocol in ("icmp", "icmpv6", "sctp", "dccp", "udplite", "esp", "ah"):
            return None if protocol != packet["l4proto"] else _raise("%s %s" % (protocol, field))
        raise _Unknown("payload %s %s" % (protocol, field))
    if isinstance(left, dict) and "meta" in left:
        meta = left["meta"].get("key")
        if meta == "l4proto":
            return L4.get(packet["l4proto"])
        if meta == "nfproto":
            return packet["nfproto"]
        if meta in ("iif", "iifname"):
            return packet.get("iif") if packet["hook"] == "input" else _raise("meta %s in output" % meta)
        if meta in ("oif", "oifname"):
            return packet.get("oif") if packet["hook"] == "output" else _raise("meta %s in input" % meta)
        if meta in ("skuid", "skgid"):
            if packet["hook"] != "output" or packet.get(meta) is None:
                raise _Unknown("meta %s" % meta)
            return packet[meta]
        raise _Unknown("meta %s" % meta)
    if isinstance(left, dict) and "ct" in left and left["ct"].get("key") == "state":
        return packet.get("ct_state", "new")
    raise _Unknown(json.dumps(left, sort_keys=True)[:80])


def _raise(what):
    raise _Unknown(what)


def _match(expr, packet, ruleset, key):
    """True or False for one match expression; raises _Unknown when it cannot be judged."""
    op, left, right = expr.get("op", "=="), expr.get("left"), expr.get("right")
    value = _field(left, packet)
    if value is None:
        return False
    if isinstance(left, dict) and left.get("meta", {}).get("key") == "l4proto" and isinstance(right, str):
        right = L4.get(right, right)
    if op in ("==", "in"):
        return _contains(right, value, ruleset, key)
    if op == "!=":
        return not _contains(right, value, ruleset, key)
    if op in ("<", ">", "<=", ">=") and isinstance(value, int):
        bound = int(right)
        return {"<": value < bound, ">": value > bound, "<=": value <= bound, ">=": value >= bound}[op]
    raise _Unknown("operator %s" % op)


def _run_chain(ruleset, key, packet, trail, depth=0):
    """The verdict of chain KEY: accept, drop, reject, or None (fell off the end / return)."""
    if depth > _MAX_DEPTH:
        raise ValueError("jumps nest deeper than %d chains" % _MAX_DEPTH)
    for rule in ruleset.rules.get(key, []):
        for expr in _list(rule.get("expr")):
            if not isinstance(expr, dict):
                continue
            if "match" in expr:
                try:
                    if not _match(expr["match"], packet, ruleset, key):
                        break
                except _Unknown as unknown:
                    trail["uncertain"].append("%s %s %s: %s" % (key[0], key[1], key[2], unknown))
                    break
                except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError):
                    # a field of a type or shape nft never writes: a match the audit cannot read, never guessed
                    trail["uncertain"].append("%s %s %s: unreadable match %s" % (key[0], key[1], key[2], _shown(expr["match"])))
                    break
            elif "limit" in expr or "set" in expr:
                # "limit rate over", alone or per source address in a dynamic set: only a flood matches
                limits = [expr["limit"]] if "limit" in expr else [
                    s.get("limit") for s in _list(expr["set"].get("stmt") if isinstance(expr["set"], dict) else None)
                    if isinstance(s, dict) and "limit" in s]
                if any(isinstance(limit, dict) and limit.get("inv") for limit in limits):
                    break
            elif any(k in expr for k in ("accept", "drop", "reject")):
                verdict = next(k for k in ("accept", "drop", "reject") if k in expr)
                trail["rule"] = "%s %s %s handle %s" % (key[0], key[1], key[2], rule.get("handle"))
                return verdict
            elif "jump" in expr or "goto" in expr:
                jump = expr.get("jump") or expr.get("goto")
                target = jump.get("target") if isinstance(jump, dict) else None
                if not isinstance(target, str):
                    trail["uncertain"].append("%s %s %s: unreadable jump %s" % (key[0], key[1], key[2], _shown(jump)))
                    break
                verdict = _run_chain(ruleset, (key[0], key[1], target), packet, trail, depth + 1)
                if verdict is not None or "goto" in expr:
                    return verdict
                break
            elif "return" in expr:
                return None
    return None


def _list(value):
    """VALUE when it is a list (as nft writes expressions and statements), else nothing."""
    return value if isinstance(value, list) else []


def _shown(value):
    """VALUE as JSON for a message, clipped."""
    try:
        return json.dumps(value, sort_keys=True)[:80]
    except (TypeError, ValueError, RecursionError):
        return type(value).__name__


def verdict(ruleset, packet):
    """What the ruleset does to PACKET: {verdict: accept|drop|reject, by: the rule or chain policy
    that decided, uncertain: [expressions that could not be judged]}.

    PACKET: hook (input/output), nfproto (ipv4/ipv6), l4proto (tcp/udp), saddr, daddr, sport, dport,
    iif or oif (interface name), ct_state (default new) and, on output, skuid (the process's uid).
    """
    if not isinstance(ruleset, Ruleset):
        ruleset = Ruleset(ruleset)
    trail = {"uncertain": []}
    for key in ruleset.base_chains(packet["hook"], packet["nfproto"]):
        trail.pop("rule", None)
        result = _run_chain(ruleset, key, packet, trail)
        if result is None:
            result = ruleset.chains[key].get("policy", "accept")
            trail["rule"] = "policy of %s %s %s" % key
        if result in ("drop", "reject"):
            return dict(verdict=result, by=trail["rule"], uncertain=trail["uncertain"])
    by = trail.get("rule", "no %s chain" % packet["hook"])
    return dict(verdict="accept", by=by, uncertain=trail["uncertain"])


def input_policy(ruleset):
    """The policy of the host firewall's input hook: drop, reject (a policy of accept whose chain ends
    in an unconditional reject or drop counts as that), accept, none (no input chain) or unreadable."""
    if not isinstance(ruleset, Ruleset):
        try:
            ruleset = Ruleset(ruleset)
        except ValueError:
            return "unreadable"
    policies = []
    for key, chain in ruleset.chains.items():
        if chain.get("hook") != "input" or chain.get("type") != "filter":
            continue
        policy = chain.get("policy", "accept")
        final = None
        for rule in ruleset.rules.get(key, []):
            exprs = [e for e in _list(rule.get("expr")) if isinstance(e, dict)]
            verdicts = [k for e in exprs for k in e if k in ("drop", "reject", "accept")]
            if verdicts and not any("match" in e for e in exprs):
                final = verdicts[-1]
        policies.append(policy if policy == "drop" else final or policy)
    if not policies:
        return "none"
    for strongest in ("drop", "reject"):
        if strongest in policies:
            return strongest
    return "accept"


# Addresses reserved for documentation (RFC 5737 TEST-NET-3, RFC 9637): a stranger no admin network
# contains (the examples of this collection use 192.0.2.0/24, 198.51.100.0/24 and 2001:db8::/32).
STRANGER = {"ipv4": "203.0.113.7", "ipv6": "3fff::7"}
LOCAL = {"ipv4": "192.0.2.25", "ipv6": "2001:db8:25::25"}


def inbound(ruleset, port, source=None, nfproto="ipv4", protocol="tcp"):
    """The verdict on a new connection from SOURCE (a stranger by default) to PORT on this host."""
    return verdict(ruleset, dict(hook="input", nfproto=nfproto, l4proto=protocol, saddr=source or STRANGER[nfproto],
                                 daddr=LOCAL[nfproto], sport=40000, dport=port, iif="eth0", ct_state="new"))


def outbound(ruleset, port, uid, nfproto="ipv4", protocol="tcp"):
    """The verdict on a new connection from this host, by a process of UID, to PORT of a stranger."""
    return verdict(ruleset, dict(hook="output", nfproto=nfproto, l4proto=protocol, saddr=LOCAL[nfproto],
                                 daddr=STRANGER[nfproto], sport=40000, dport=port, oif="eth0", ct_state="new",
                                 skuid=uid))


def first_address(network):
    """An address inside NETWORK (CIDR text) to ask the ruleset about: its first host."""
    net = ipaddress.ip_network(str(network), strict=False)
    return str(next(iter(net.hosts()), net.network_address))


def evidence(ruleset_json, ports, users, admin_networks=(), outbound_ports=_controls.MAIL_PORTS,
             ssh_port=_controls.SSH_PORT):
    """The firewall evidence the audit judges: {input_policy, tables, inbound: [{port, protocol, family, verdict, by,
    uncertain}], admin: [...], outbound: [{port, family, user, uid, verdict, by, uncertain}]}.

    PORTS: [(port, protocol)] to ask about for a stranger; USERS: [(name, uid)] whose outbound SMTP is
    judged; ADMIN_NETWORKS: networks whose first address is asked about SSH (on SSH_PORT).
    """
    ruleset = Ruleset(ruleset_json)
    found = dict(input_policy=input_policy(ruleset), tables=["%s %s" % table for table in ruleset.tables], inbound=[],
                 admin=[], outbound=[])
    for port, protocol in ports:
        for family in ("ipv4", "ipv6"):
            found["inbound"].append(dict(port=port, protocol=protocol, family=family,
                                         **inbound(ruleset, port, nfproto=family, protocol=protocol)))
    for network in admin_networks:
        family = "ipv6" if ":" in str(network) else "ipv4"
        address = first_address(network)
        found["admin"].append(dict(port=ssh_port, protocol="tcp", family=family, source=address, network=network,
                                   **inbound(ruleset, ssh_port, source=address, nfproto=family)))
    for name, uid in users:
        for port in outbound_ports:
            for family in ("ipv4", "ipv6"):
                found["outbound"].append(dict(port=port, family=family, user=name, uid=uid,
                                              **outbound(ruleset, port, uid, nfproto=family)))
    return found
