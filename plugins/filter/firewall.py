# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the firewall role: its input checks, the check that the new rules keep the run's own
SSH connection, and the networks of one address family for an nft set."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _firewall_inputs


def firewall_input_problems(values):
    """Every problem with the firewall role's inputs."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("firewall_input_problems: the input must be a mapping of the role's variables")
    return _firewall_inputs.firewall_problems(values)


def firewall_connection_problem(values, ssh_connection):
    """Why the new rules would cut the SSH connection SSH_CONNECTION, or "" when they keep it."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("firewall_connection_problem: the input must be a mapping of the role's variables")
    return _firewall_inputs.connection_problem(values, ssh_connection)


def nft_networks(networks, family):
    """NETWORKS of FAMILY (ipv4 or ipv6), overlaps merged."""
    if family not in ("ipv4", "ipv6"):
        raise AnsibleFilterError("nft_networks: the family must be ipv4 or ipv6, not %r" % (family,))
    try:
        return _firewall_inputs.family_networks(networks, family)
    except ValueError as error:
        raise AnsibleFilterError("nft_networks: %s" % error)


def firewall_allow_rules(entries, ssh_port):
    """The firewall_allow ENTRIES as the ruleset writes them (name, port, protocol, ipv4, ipv6)."""
    try:
        return _firewall_inputs.allow_rules(entries, ssh_port)
    except ValueError as error:
        raise AnsibleFilterError("firewall_allow_rules: %s" % error)


def firewall_extra_rules(rules, ssh_port):
    """The firewall_extra_input_rules RULES as the ruleset writes them, each checked again."""
    try:
        return _firewall_inputs.extra_rules(rules, ssh_port)
    except ValueError as error:
        raise AnsibleFilterError("firewall_extra_rules: %s" % error)


class FilterModule:
    """Firewall filters."""

    def filters(self):
        return {"firewall_input_problems": firewall_input_problems,
                "firewall_connection_problem": firewall_connection_problem, "nft_networks": nft_networks,
                "firewall_allow_rules": firewall_allow_rules, "firewall_extra_rules": firewall_extra_rules}
