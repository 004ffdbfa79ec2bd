# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall role's input checks and the refusal of rules that would cut the run's SSH connection."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _firewall_inputs as inputs


def good(**changes):
    values = dict(firewall_mode="mx", firewall_submission_enabled=False, firewall_mta_sts_enabled=False, firewall_admin_networks=["192.0.2.0/24"],
                  firewall_ssh_port=22, firewall_smtp_sources=["0.0.0.0/0", "::/0"],
                  firewall_submission_sources=["0.0.0.0/0", "::/0"], firewall_smtp_rate_limit="",
                  firewall_outbound_smtp_users=["postfix"], firewall_outbound_smtp_ports=[25, 465, 587],
                  firewall_allow=[], firewall_extra_input_rules=[], firewall_log_refused=True, firewall_persist=True,
                  firewall_ruleset_path="/etc/nftables.d/mailsec.nft")
    values.update(changes)
    return values


def test_the_defaults_with_admin_networks_are_accepted():
    assert inputs.firewall_problems(good()) == []


@pytest.mark.parametrize("changes, named", [
    (dict(firewall_admin_networks=[]), "firewall_admin_networks (mailsec_admin_networks) is empty"),
    (dict(firewall_admin_networks=["0.0.0.0/0"]), "opens SSH to every address"),
    (dict(firewall_admin_networks=["::/0"]), "opens SSH to every address"),
    (dict(firewall_admin_networks=["0.0.0.0/1", "128.0.0.0/1"]), "is broader than /8"),
    (dict(firewall_admin_networks=["2000::/3"]), "is broader than /32"),
    (dict(firewall_admin_networks=["192.0.2.0/24."]), "firewall_admin_networks (mailsec_admin_networks): '192.0.2.0/24.' needs a prefix length"),
    (dict(firewall_admin_networks=[True]), "firewall_admin_networks (mailsec_admin_networks): True is not a network"),
    (dict(firewall_admin_networks=["192.0.2.1/24"]),
     "firewall_admin_networks (mailsec_admin_networks): 192.0.2.1/24 has host bits set after the prefix; use the network address 192.0.2.0/24"),
    (dict(firewall_admin_networks=["2001:db8::%eth0 accept/64"]),
     "firewall_admin_networks (mailsec_admin_networks): '2001:db8::%eth0 accept/64' has a zone ID"),
    (dict(firewall_admin_networks="192.0.2.0/24"), "must be a list"),
    (dict(firewall_mode="relay"), "firewall_mode (mailsec_mode): 'relay' is not one of"),
    (dict(firewall_smtp_sources=[]), "no mail could reach this mx"),
    (dict(firewall_submission_enabled="yes"), "firewall_submission_enabled must be true or false"),
    (dict(firewall_mode="relay_client", firewall_submission_enabled=True), "needs firewall_mode mx"),
    (dict(firewall_ssh_port=0), "firewall_ssh_port"),
    (dict(firewall_smtp_rate_limit="30"), "firewall_smtp_rate_limit"),
    (dict(firewall_outbound_smtp_users=[]), "firewall_outbound_smtp_users"),
    (dict(firewall_outbound_smtp_users=["post fix"]), "firewall_outbound_smtp_users"),
    (dict(firewall_outbound_smtp_ports=[25, 70000]), "firewall_outbound_smtp_ports"),
    (dict(firewall_allow=[dict(name="nrpe", port=5666)]), "firewall_allow (nrpe) sources"),
    (dict(firewall_allow=[dict(name="Bad Name", port=1, sources=[])]), "name 'Bad Name'"),
    (dict(firewall_allow=[dict(name="x", port=1, sources=[], proto="tcp")]), "unknown keys proto"),
    (dict(firewall_allow=[dict(name="x", port=1, sources=[]), dict(name="x", port=2, sources=[])]), "twice"),
    (dict(firewall_extra_input_rules=["tcp dport 1 accept; flush ruleset"]), "one rule on one line"),
    (dict(firewall_extra_input_rules=["tcp dport 1 accept\n}\ntable ip x {"]), "one rule on one line"),
    (dict(firewall_extra_input_rules=["} flush ruleset {"]), "one rule on one line"),
    (dict(firewall_extra_input_rules=["tcp dport { 1 } } table ip x {"]), "one rule on one line"),
    (dict(firewall_extra_input_rules=["accept # hidden"]), "one rule on one line"),
    (dict(firewall_ruleset_path="/etc/../tmp/x.nft"), "firewall_ruleset_path"),
])
def test_unsafe_or_malformed_inputs_are_refused_naming_the_variable(changes, named):
    problems = inputs.firewall_problems(good(**changes))
    assert any(named in p for p in problems), problems


def test_a_set_in_an_extra_rule_is_allowed():
    assert inputs.firewall_problems(good(firewall_extra_input_rules=[
        "tcp dport 8443 ip saddr { 192.0.2.0/24, 198.51.100.0/24 } accept"])) == []


@pytest.mark.parametrize("connection", ["", None, "garbage", "127.0.0.1 50000 127.0.0.1 22",
                                        "192.0.2.9 50000 192.0.2.25 22", "::ffff:192.0.2.9 50000 ::ffff:192.0.2.25 22"])
def test_connections_the_rules_keep(connection):
    assert inputs.connection_problem(good(), connection) == ""


def test_a_connection_from_outside_the_admin_networks_is_refused_before_any_change():
    problem = inputs.connection_problem(good(), "203.0.113.5 50000 192.0.2.25 22")
    assert "would cut this run's SSH connection from 203.0.113.5" in problem
    assert "firewall_admin_networks" in problem and "nothing was changed" in problem


def test_a_connection_on_another_port_needs_that_port_or_an_allow_entry():
    assert "set firewall_ssh_port to 2222" in inputs.connection_problem(good(), "192.0.2.9 50000 192.0.2.25 2222")
    allowed = good(firewall_allow=[dict(name="ssh-alt", port=2222, sources=["192.0.2.0/24"])])
    assert inputs.connection_problem(allowed, "192.0.2.9 50000 192.0.2.25 2222") == ""
    assert inputs.connection_problem(good(firewall_ssh_port=2222), "192.0.2.9 50000 192.0.2.25 2222") == ""


def test_ipv6_admin_networks_keep_an_ipv6_connection():
    values = good(firewall_admin_networks=["192.0.2.0/24", "2001:db8:10::/48"])
    assert inputs.connection_problem(values, "2001:db8:10::5 50000 2001:db8::25 22") == ""
    assert inputs.connection_problem(values, "2001:db8:11::5 50000 2001:db8::25 22") != ""


def test_family_networks_merge_overlaps_for_an_interval_set():
    networks = ["192.0.2.0/25", "192.0.2.128/25", "10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32"]
    assert inputs.family_networks(networks, "ipv4") == ["10.0.0.0/8", "192.0.2.0/24"]
    assert inputs.family_networks(networks, "ipv6") == ["2001:db8::/32"]


def test_an_ssh_port_given_as_text_is_compared_as_the_number_it_is():
    """-e firewall_ssh_port=2222 arrives as text: the checks compare the layer's number, so an allow
    entry opening that port to everyone is still refused and an admin's connection is still kept."""
    opened = good(firewall_ssh_port="2222", firewall_allow=[dict(name="ssh-alt", port=2222, sources=["0.0.0.0/0"])])
    assert any("ssh-alt" in problem for problem in inputs.firewall_problems(opened)), inputs.firewall_problems(opened)
    assert inputs.connection_problem(good(firewall_ssh_port="22"), "192.0.2.9 50000 192.0.2.25 22") == ""
    assert inputs.connection_problem(good(firewall_ssh_port="2222"), "192.0.2.9 50000 192.0.2.25 2222") == ""
    assert "set firewall_ssh_port to 22;" in inputs.connection_problem(good(firewall_ssh_port="2222"),
                                                                       "192.0.2.9 50000 192.0.2.25 22")
