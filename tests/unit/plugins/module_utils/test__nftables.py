# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The live-ruleset evaluator against rulesets nft itself printed (fixtures: the firewall role's
table on an mx, the same with rate limit, extra services and rules, and Debian's default table)."""

from __future__ import annotations

import json
import pathlib

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _nftables

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def ruleset(name):
    return _nftables.Ruleset((FIXTURES / name).read_text())


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
@pytest.mark.parametrize("port, expected", [(25, "accept"), (22, "drop"), (587, "drop"), (8080, "drop"),
                                            (1, "drop")])
def test_a_stranger_reaches_only_port_25_of_the_mx(family, port, expected):
    answer = _nftables.inbound(ruleset("nft_mailsec_mx.json"), port, nfproto=family)
    assert answer["verdict"] == expected, answer
    assert answer["uncertain"] == []


def test_ssh_is_open_to_the_admin_network_and_says_which_rule():
    answer = _nftables.inbound(ruleset("nft_mailsec_mx.json"), 22, source="10.88.0.1")
    assert answer["verdict"] == "accept"
    assert answer["by"].startswith("inet mailsec input handle")
    assert _nftables.inbound(ruleset("nft_mailsec_mx.json"), 22, source="10.88.0.2")["verdict"] == "drop"
    assert _nftables.inbound(ruleset("nft_mailsec_mx.json"), 22, source="fd00::5", nfproto="ipv6")["verdict"] == "accept"


def test_an_established_connection_and_loopback_pass():
    rules = ruleset("nft_mailsec_mx.json")
    packet = dict(hook="input", nfproto="ipv4", l4proto="tcp", saddr="203.0.113.9", daddr="192.0.2.25", sport=1,
                  dport=8080, iif="eth0", ct_state="established")
    assert _nftables.verdict(rules, packet)["verdict"] == "accept"
    packet.update(ct_state="new", iif="lo")
    assert _nftables.verdict(rules, packet)["verdict"] == "accept"


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
@pytest.mark.parametrize("port", [25, 465, 587])
def test_only_the_mta_user_opens_smtp_connections(family, port):
    rules = ruleset("nft_mailsec_mx.json")
    assert _nftables.outbound(rules, port, 65534, nfproto=family)["verdict"] == "reject"
    assert _nftables.outbound(rules, port, 0, nfproto=family)["verdict"] == "reject"
    assert _nftables.outbound(rules, port, 100, nfproto=family)["verdict"] == "accept"
    assert _nftables.outbound(rules, 443, 65534, nfproto=family)["verdict"] == "accept"


def test_extra_services_open_only_to_their_sources():
    rules = ruleset("nft_mailsec_extended.json")
    assert _nftables.inbound(rules, 5666, source="192.0.2.10")["verdict"] == "accept"
    assert _nftables.inbound(rules, 5666)["verdict"] == "drop"
    assert _nftables.inbound(rules, 8443, source="198.51.100.77")["verdict"] == "accept"
    assert _nftables.inbound(rules, 161, source="2001:db8::1", nfproto="ipv6", protocol="udp")["verdict"] == "accept"
    assert _nftables.inbound(rules, 161, source="2001:db8:1:2::1", nfproto="ipv6", protocol="udp")["verdict"] == "drop"
    # the rate limit drops only a flood: a single new connection to 25 gets in
    assert _nftables.inbound(rules, 25)["verdict"] == "accept"
    assert _nftables.inbound(rules, 587)["verdict"] == "drop"
    assert _nftables.inbound(rules, 587, source="192.0.2.1")["verdict"] == "accept"


def test_debian_default_table_admits_everything():
    rules = ruleset("nft_debian_default.json")
    assert _nftables.inbound(rules, 22)["verdict"] == "accept"
    assert _nftables.outbound(rules, 25, 65534)["verdict"] == "accept"


def test_no_ruleset_admits_everything_and_says_so():
    answer = _nftables.inbound(_nftables.Ruleset('{"nftables": []}'), 22)
    assert answer == dict(verdict="accept", by="no input chain", uncertain=[])


def _table(*rules, policy="accept", family="inet", table="site"):
    items = [{"table": {"family": family, "name": table}},
             {"chain": {"family": family, "table": table, "name": "input", "type": "filter", "hook": "input",
                        "prio": 0, "policy": policy}},
             {"chain": {"family": family, "table": table, "name": "ssh"}}]
    for chain, expr in rules:
        items.append({"rule": {"family": family, "table": table, "chain": chain, "handle": len(items), "expr": expr}})
    return items


def _dport(port):
    return {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": port}}


def test_a_drop_in_any_table_wins_over_an_accept_in_another():
    items = _table(("input", [_dport(22), {"accept": None}]))
    items += _table(("input", [_dport(22), {"drop": None}]), table="other")
    answer = _nftables.inbound(_nftables.Ruleset({"nftables": items}), 22)
    assert answer["verdict"] == "drop" and answer["by"].startswith("inet other input")


def test_jump_goto_and_return_are_followed():
    jump = _table(("input", [_dport(22), {"jump": {"target": "ssh"}}]), ("ssh", [{"return": None}]),
                  ("input", [_dport(22), {"drop": None}]))
    assert _nftables.inbound(_nftables.Ruleset({"nftables": jump}), 22)["verdict"] == "drop"
    goto = _table(("input", [_dport(22), {"goto": {"target": "ssh"}}]), ("ssh", [{"reject": None}]))
    assert _nftables.inbound(_nftables.Ruleset({"nftables": goto}), 22)["verdict"] == "reject"


def test_an_expression_it_cannot_judge_is_named_not_guessed():
    items = _table(("input", [{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 1}},
                              {"drop": None}]))
    answer = _nftables.inbound(_nftables.Ruleset({"nftables": items}), 22)
    assert answer["verdict"] == "accept"
    assert answer["uncertain"] == ["inet site input: meta mark"]


def test_an_ip_family_table_sees_only_its_family():
    items = _table(("input", [_dport(22), {"drop": None}]), family="ip")
    rules = _nftables.Ruleset({"nftables": items})
    assert _nftables.inbound(rules, 22)["verdict"] == "drop"
    assert _nftables.inbound(rules, 22, nfproto="ipv6")["verdict"] == "accept"


def test_a_loop_of_jumps_is_an_error_not_a_hang():
    items = _table(("input", [{"jump": {"target": "ssh"}}]), ("ssh", [{"jump": {"target": "input"}}]))
    with pytest.raises(ValueError):
        _nftables.inbound(_nftables.Ruleset({"nftables": items}), 22)


def test_evidence_asks_every_port_family_and_user():
    found = _nftables.evidence((FIXTURES / "nft_mailsec_mx.json").read_text(), [(25, "tcp")], [("nobody", 65534)],
                               ["10.88.0.1/32"])
    assert found["tables"] == ["inet mailsec"]
    assert [(a["family"], a["verdict"]) for a in found["inbound"]] == [("ipv4", "accept"), ("ipv6", "accept")]
    assert [(a["source"], a["verdict"]) for a in found["admin"]] == [("10.88.0.1", "accept")]
    assert len(found["outbound"]) == 6 and {a["verdict"] for a in found["outbound"]} == {"reject"}
    json.dumps(found)


def test_hostile_json_is_an_empty_ruleset_or_a_value_error():
    assert _nftables.Ruleset({"nftables": ["x", 3, None]}).tables == []
    with pytest.raises(ValueError):
        _nftables.Ruleset("not json")
