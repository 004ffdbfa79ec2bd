# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the registry of approved mail servers, shared by the scan playbook and the
border_firewall role: entries from inventory hosts, their problems, and the border rules' sets."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _border
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry


def registry_entries(hosts, file_entries=None):
    """Registry entries from inventory hosts' variables (``groups[G] | map('extract', hostvars)``), followed
    by FILE_ENTRIES (the registry file's list) as given."""
    if not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError("registry_entries: the input must be a list of hosts' variables")
    entries = _registry.entries_from_hosts([h if hasattr(h, "get") else {} for h in hosts])
    if file_entries is None:
        return entries
    if not isinstance(file_entries, (list, tuple)):
        raise AnsibleFilterError("registry_entries: the registry file must hold a list of entries "
                                 "({name, addresses, ports, owner, contact, mode}), not %s" % type(file_entries).__name__)
    return entries + list(file_entries)


def registry_problems(entries, variable="registry"):
    """Every problem with the registry ENTRIES, naming the entry or host variable."""
    return _registry.registry_problems(entries, variable)


def registry_normalize(entries):
    """Valid ENTRIES with their defaults filled in (the form smtp_scan and the border rules read)."""
    problems = _registry.registry_problems(entries)
    if problems:
        raise AnsibleFilterError("registry_normalize: %s" % "; ".join(problems))
    return _registry.normalize(entries)


def border_input_problems(values):
    """Every problem with the border_firewall role's inputs."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("border_input_problems: the input must be a mapping of the role's variables")
    return _border.border_problems(values)


def border_sets(registry, ports):
    """The nft set elements of the border ruleset (services_ipv4/6: 'address . port'; senders_ipv4/6)."""
    problems = _registry.registry_problems(registry, "border_firewall_registry")
    if problems:
        raise AnsibleFilterError("border_sets: %s" % "; ".join(problems))
    return _border.border_sets(registry, ports)


class FilterModule:
    """Registry filters."""

    def filters(self):
        return {"registry_entries": registry_entries, "registry_problems": registry_problems,
                "registry_normalize": registry_normalize, "border_input_problems": border_input_problems,
                "border_sets": border_sets}
