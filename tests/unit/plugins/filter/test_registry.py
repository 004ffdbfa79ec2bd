# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.filter import registry


def test_inventory_hosts_and_file_entries_make_one_registry():
    hosts = [dict(inventory_hostname="mx1", ansible_host="192.0.2.25")]
    entries = registry.registry_entries(hosts, [dict(name="hub", addresses=["192.0.2.10"])])
    assert registry.registry_problems(entries, "mailsec_registry_file") == []
    assert [e["name"] for e in registry.registry_normalize(entries)] == ["mx1", "hub"]
    problems = registry.registry_problems(entries + [dict(name="hub", addresses=["192.0.2.11"])],
                                          "mailsec_registry_file")
    # the second entry of the file, whatever the inventory adds before it
    assert problems == ["mailsec_registry_file[1].name: hub is registered twice"]


def test_a_registry_file_that_is_not_a_list_is_refused():
    with pytest.raises(AnsibleFilterError, match="the registry file must hold a list of entries"):
        registry.registry_entries([], {"name": "hub"})


def test_border_sets_refuse_an_invalid_registry():
    with pytest.raises(AnsibleFilterError, match="border_firewall_registry\\[0\\].addresses"):
        registry.border_sets([dict(name="x", addresses=["nope"])], [25])
