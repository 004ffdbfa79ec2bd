# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _border

GOOD = dict(
    border_firewall_mode="enforce",
    border_firewall_campus_networks=["192.0.2.0/24", "2001:db8:5::/48"],
    border_firewall_registry=[dict(name="mx.physics", addresses=["192.0.2.25", "2001:db8:5::25"], ports=[25, 587]),
                              dict(name="hub", addresses=["192.0.2.10"], ports=[25, 2525])],
    border_firewall_ports=[25, 465, 587],
    border_firewall_log_rate="10/minute",
    border_firewall_persist=True,
    border_firewall_ruleset_path="/etc/nftables.d/mailsec-border.nft",
)


def test_good_inputs_have_no_problems():
    assert _border.border_problems(GOOD) == []
    assert _border.border_problems(dict(GOOD, border_firewall_mode="monitor", border_firewall_log_rate="")) == []


@pytest.mark.parametrize("name, value, message", [
    ("border_firewall_mode", "", "border_firewall_mode must be enforce"),
    ("border_firewall_mode", "block", "border_firewall_mode must be enforce"),
    ("border_firewall_campus_networks", [], "border_firewall_campus_networks is empty: name the campus networks (the border"),
    ("border_firewall_campus_networks", ["192.0.2.1/24"], "border_firewall_campus_networks: 192.0.2.1/24 has host bits set"),
    ("border_firewall_campus_networks", "192.0.2.0/24", "border_firewall_campus_networks must be a list"),
    ("border_firewall_campus_networks", ["0.0.0.0/0"], "0.0.0.0/0 is the whole Internet"),
    ("border_firewall_campus_networks", ["192.0.2.0/24", "::/0"], "::/0 is the whole Internet"),
    ("border_firewall_ports", [], "border_firewall_ports must list the mail ports"),
    ("border_firewall_ports", [25, 70000], "border_firewall_ports must list"),
    ("border_firewall_log_rate", "10 per minute", "border_firewall_log_rate must be"),
    ("border_firewall_persist", "yes", "border_firewall_persist must be true or false"),
    ("border_firewall_ruleset_path", "/etc/../tmp/x.nft", "border_firewall_ruleset_path must be an absolute path"),
    ("border_firewall_registry", [dict(name="x", addresses=["192.0.2.0/24"])],
     "border_firewall_registry[0].addresses: '192.0.2.0/24' is not a bare"),
    ("border_firewall_registry", [dict(name="stray", addresses=["198.51.100.7"])],
     "border_firewall_registry: stray has 198.51.100.7 outside border_firewall_campus_networks"),
])
def test_each_bad_input_is_refused_naming_the_variable(name, value, message):
    problems = _border.border_problems(dict(GOOD, **{name: value}))
    assert any(message in p for p in problems), problems


def test_the_sets_hold_every_registered_sender_and_each_approved_watched_port():
    sets = _border.border_sets(GOOD["border_firewall_registry"], [25, 465, 587])
    assert sets == dict(senders_ipv4=["192.0.2.25", "192.0.2.10"], senders_ipv6=["2001:db8:5::25"],
                        services_ipv4=["192.0.2.25 . 25", "192.0.2.25 . 587", "192.0.2.10 . 25"],
                        services_ipv6=["2001:db8:5::25 . 25", "2001:db8:5::25 . 587"])
    assert _border.border_sets([], [25]) == dict(senders_ipv4=[], senders_ipv6=[], services_ipv4=[],
                                                 services_ipv6=[])
