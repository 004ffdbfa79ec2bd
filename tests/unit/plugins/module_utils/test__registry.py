# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry

GOOD = dict(name="mx.physics.example.org", addresses=["192.0.2.25", "2001:db8:5:0::25"], ports=[25, 587],
            owner="Physics", contact="postmaster@physics.example.org")


def test_a_good_registry_has_no_problems_and_normalises():
    assert _registry.registry_problems([GOOD, dict(name="hub", addresses=["192.0.2.10"])]) == []
    first, second = _registry.normalize([GOOD, dict(name="hub", addresses=["192.0.2.10"])])
    assert first["addresses"] == ["192.0.2.25", "2001:db8:5::25"]
    assert second == dict(name="hub", addresses=["192.0.2.10"], ports=[25], owner=None, contact=None, mode="mx")


@pytest.mark.parametrize("entry, message", [
    (dict(addresses=["192.0.2.1"]), "registry[0].name must be a host name"),
    (dict(name="bad name", addresses=["192.0.2.1"]), "registry[0].name must be a host name"),
    (dict(name="mx"), "registry[0].addresses must list the server's addresses"),
    (dict(name="mx", addresses=[]), "registry[0].addresses must list"),
    (dict(name="mx", addresses="192.0.2.1"), "registry[0].addresses must list"),
    (dict(name="mx", addresses=["192.0.2.0/24"]), "'192.0.2.0/24' is not a bare IPv4 or IPv6 address"),
    (dict(name="mx", addresses=["[2001:db8::1]"]), "is not a bare IPv4 or IPv6 address"),
    (dict(name="mx", addresses=["192.0.2.1"], ports=[25, 0]), "registry[0].ports must be a list of port numbers"),
    (dict(name="mx", addresses=["192.0.2.1"], ports=[True]), "registry[0].ports must be"),
    (dict(name="mx", addresses=["192.0.2.1"], ports="25"), "registry[0].ports must be"),
    (dict(name="mx", addresses=["192.0.2.1"], mode="relay"), "registry[0].mode must be one of mx"),
    (dict(name="mx", addresses=["192.0.2.1"], owner="a\nb"), "registry[0].owner must be one line"),
    (dict(name="mx", addresses=["192.0.2.1"], contact=""), "registry[0].contact must be text"),
    (dict(name="mx", addresses=["192.0.2.1"], colour="red"), "registry[0] has unknown field(s) colour"),
])
def test_each_bad_entry_is_refused_naming_the_field(entry, message):
    problems = _registry.registry_problems([entry])
    assert any(message in p for p in problems), problems


def test_a_registry_that_is_not_a_list_or_holds_a_non_mapping_is_refused():
    assert "must be a list of entries" in _registry.registry_problems("mx", "mailsec_registry_file")[0]
    assert _registry.registry_problems(["mx"]) == ["registry[0] must be a mapping with at least name and addresses"]


def test_names_and_addresses_belong_to_one_entry():
    problems = _registry.registry_problems([dict(name="mx", addresses=["192.0.2.1"]),
                                            dict(name="MX", addresses=["192.0.2.2"]),
                                            dict(name="other", addresses=["192.0.2.1"])])
    assert "registry[1].name: MX is registered twice" in problems
    assert "registry[2].addresses: 192.0.2.1 is registered to both mx and other; an address belongs to one server" \
        in problems


def test_inventory_hosts_become_entries_and_their_problems_name_the_host_variable():
    hosts = [
        dict(inventory_hostname="mx1", ansible_host="192.0.2.25", mailsec_registry_owner="Physics"),
        dict(inventory_hostname="mx2", mailsec_registry_addresses=["192.0.2.26"], mailsec_registry_ports=[25, 465],
             mailsec_mode="relay_client"),
        dict(inventory_hostname="mx3", ansible_host="mx3.example.org"),
    ]
    entries = _registry.entries_from_hosts(hosts)
    assert _registry.normalize(entries[:2]) == [
        dict(name="mx1", addresses=["192.0.2.25"], ports=[25], owner="Physics", contact=None, mode="mx"),
        dict(name="mx2", addresses=["192.0.2.26"], ports=[25, 465], owner=None, contact=None, mode="relay_client")]
    problems = _registry.registry_problems(entries)
    assert problems == ["host mx3: mailsec_registry_addresses must list the server's addresses (bare IPv4 or "
                        "IPv6, no prefix), got []"]


def test_in_ranges_keeps_the_families_apart():
    import ipaddress
    nets = [ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("2001:db8::/64")]
    assert _registry.in_ranges("192.0.2.9", nets) and _registry.in_ranges("2001:db8::9", nets)
    assert not _registry.in_ranges("198.51.100.1", nets) and not _registry.in_ranges("::ffff:192.0.2.9", nets)


def test_a_file_entry_is_named_by_its_place_in_the_file_after_the_inventory_hosts():
    """The inventory's hosts come first in the combined list: a fault in the registry file's first
    entry must be named mailsec_registry_file[0], not by its place behind the hosts."""
    hosts = _registry.entries_from_hosts([dict(inventory_hostname="mx1", ansible_host="192.0.2.1"),
                                          dict(inventory_hostname="mx2", ansible_host="192.0.2.2")])
    problems = _registry.registry_problems(hosts + [dict(name="hub", addresses=["192.0.2.300"]), "hub2"],
                                           "mailsec_registry_file")
    assert any(p.startswith("mailsec_registry_file[0].addresses") for p in problems), problems
    assert "mailsec_registry_file[1] must be a mapping with at least name and addresses" in problems
    assert not any("[2]" in p or "[3]" in p for p in problems), problems
    odd = _registry.entries_from_hosts([dict(inventory_hostname="mx1", ansible_host="192.0.2.1")])
    odd[0]["colour"] = "blue"
    assert _registry.registry_problems(odd, "mailsec_registry_file")[0].startswith("host mx1 has unknown field(s) colour")
