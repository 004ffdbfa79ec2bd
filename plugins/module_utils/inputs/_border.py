# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The border rules from the registry: the inputs of the border_firewall role checked before
anything changes, and the nft set elements the ruleset is rendered from (``border_sets``).

In ``enforce`` mode only registered servers exchange SMTP with the Internet: new connections to a
mail port from the campus to outside are passed only from a registered address, and from outside
into the campus only to a registered address on one of its approved ports; the others are logged
and dropped. ``monitor`` logs and counts the same connections and passes them.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _firewall_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry

MODES = ("enforce", "monitor")


def border_problems(values):
    """Problems with the border_firewall role's VALUES (name to value), each naming the variable."""
    problems = []
    mode = values.get("border_firewall_mode")
    if mode not in MODES:
        problems.append("border_firewall_mode must be enforce (only registered servers speak SMTP across the "
                        "border) or monitor (the others are logged and passed), not %s" % policy.describe(mode))
    campus = values.get("border_firewall_campus_networks")
    found = _firewall_inputs.source_problems(campus, "border_firewall_campus_networks", required=True,
                                             what="the campus networks (the border tells inside from outside by them)")
    problems.extend(found)
    networks = [] if found else _firewall_inputs.parse_sources(campus, "border_firewall_campus_networks")
    for network in networks:
        if network.prefixlen == 0:
            problems.append("border_firewall_campus_networks: %s is the whole Internet; list the campus networks "
                            "only" % network)
    ports = values.get("border_firewall_ports")
    if not isinstance(ports, (list, tuple)) or not ports or not all(policy.whole(p, 1, 65535) for p in ports):
        problems.append("border_firewall_ports must list the mail ports the border watches, e.g. [25, 465, 587], "
                        "not %s" % policy.describe(ports))
    problems.extend(_input_types.problems("border_firewall_log_rate", values.get("border_firewall_log_rate")))
    if not isinstance(values.get("border_firewall_persist"), bool):
        problems.append("border_firewall_persist must be true or false, not %s"
                        % policy.describe(values.get("border_firewall_persist")))
    problems.extend(_firewall_inputs.ruleset_path_problems(values.get("border_firewall_ruleset_path"),
                                                           "border_firewall_ruleset_path"))
    registry = values.get("border_firewall_registry")
    found = _registry.registry_problems(registry, "border_firewall_registry")
    problems.extend(found)
    if not found and mode == "enforce" and not _registry.normalize(registry):
        problems.append("border_firewall_registry is empty, so enforce would cut every campus server off from "
                        "Internet mail; register the approved servers first, or start in monitor mode")
    if not found and networks:
        for entry in _registry.normalize(registry):
            outside = [a for a in entry["addresses"] if not _registry.in_ranges(a, networks)]
            if outside:
                problems.append("border_firewall_registry: %s has %s outside border_firewall_campus_networks, so "
                                "the border would never see its mail; add the network or correct the address"
                                % (entry["name"], ", ".join(outside)))
    return problems


def border_sets(registry, ports):
    """The set elements of the border ruleset, per family: ``services_ipv4`` (``address . port`` for every
    approved port of a registered server that the border watches), ``senders_ipv4`` (every registered address),
    and the same for ipv6. REGISTRY must be valid."""
    watched = set(int(p) for p in ports)
    sets = dict(services_ipv4=[], services_ipv6=[], senders_ipv4=[], senders_ipv6=[])
    for entry in _registry.normalize(registry):
        for address in entry["addresses"]:
            family = "ipv%d" % ipaddress.ip_address(address).version
            sets["senders_" + family].append(address)
            sets["services_" + family].extend("%s . %d" % (address, port) for port in entry["ports"]
                                              if port in watched)
    return sets
