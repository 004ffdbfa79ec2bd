# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the mail_identity role: its input checks and the reverse-DNS name of an address."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _fcrdns
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _identity_inputs


def identity_input_problems(values):
    """Every problem with the mail_identity role's inputs."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("identity_input_problems: the input must be a mapping of the role's variables")
    return _identity_inputs.identity_problems(values)


def route_addresses(facts):
    """The addresses of the host's default IPv4 and IPv6 routes, from its gathered FACTS (network subset):
    the addresses it sends mail from unless mailsec_egress_addresses names them. The mail_identity role
    and the audit both read this default, so they judge the same addresses."""
    if not isinstance(facts, dict):
        raise AnsibleFilterError("route_addresses: give the host's ansible_facts")
    found = []
    for family in ("default_ipv4", "default_ipv6"):
        route = facts.get(family)
        if isinstance(route, dict) and route.get("address"):
            found.append(str(route["address"]))
    return found


def reverse_name(address):
    """The in-addr.arpa or ip6.arpa name of ADDRESS, where its PTR record lives."""
    try:
        return _fcrdns.reverse_name(address)
    except ValueError as error:
        raise AnsibleFilterError("reverse_name: %s" % error)


def reverse_zone(address, zones):
    """The longest of ZONES that holds the PTR record of ADDRESS, or "" when none does."""
    try:
        return _fcrdns.zone_for(_fcrdns.reverse_name(address), zones)
    except ValueError as error:
        raise AnsibleFilterError("reverse_zone: %s" % error)


class FilterModule:
    """Host identity filters."""

    def filters(self):
        return {"identity_input_problems": identity_input_problems, "route_addresses": route_addresses, "reverse_name": reverse_name,
                "reverse_zone": reverse_zone}
