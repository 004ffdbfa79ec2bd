# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parsing what a mail host shows into evidence for the control catalogue."""

from __future__ import annotations

import datetime
import json
import pathlib

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _nftables
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._postfix_settings import master_services
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._inputs import Refusal
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._service_check import socket_table
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._service_check import targets_for

FIXTURES = pathlib.Path(__file__).parent / "fixtures"

PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41235 1 0
   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41240 1 0
   2: 0B00590A:0019 0700590A:C350 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0
"""
PROC_NET_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when
   0: 00000000000000000000000000000000:024B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51234 1 0
   1: 00000000000000000000000001000000:0019 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51235 1 0
"""


def test_listening_sockets_are_read_from_proc_net():
    tcp = socket_table(PROC_NET_TCP, "tcp")
    assert [(s["address"], s["port"], s["inode"]) for s in tcp] == [("0.0.0.0", 25, 41235), ("127.0.0.1", 3306, 41240)]
    tcp6 = socket_table(PROC_NET_TCP6, "tcp")
    assert [(s["address"], s["port"]) for s in tcp6] == [("::", 587), ("::1", 25)]


def test_client_udp_sockets_on_ephemeral_ports_are_not_services():
    sockets = [dict(protocol="udp", address="0.0.0.0", port=33170, inode=1),
               dict(protocol="udp", address="0.0.0.0", port=53, inode=2),
               dict(protocol="tcp", address="0.0.0.0", port=40000, inode=3)]
    ephemeral = _mailhost.ephemeral_range("32768\t60999\n")
    assert [s["port"] for s in _mailhost.services_only(sockets, ephemeral)] == [53, 40000]
    assert _mailhost.ephemeral_range("") == (32768, 60999)


def test_garbage_in_proc_net_is_skipped():
    assert socket_table("header\n   0: zz:0019 00:0 0A a b c d e 1\nshort line\n", "tcp") == []


def test_postconf_output_with_empty_values_and_noise():
    text = "relay_domains =\nsmtpd_banner = mx.example.org ESMTP\npostconf: warning: x\n\nNotAParam = 1\n"
    assert _mailhost.parse_postconf(text) == {"relay_domains": "", "smtpd_banner": "mx.example.org ESMTP"}
    assert _mailhost.warnings("postconf: warning: /etc/postfix/main.cf: unused parameter: x=1\nother\n") == [
        "postconf: warning: /etc/postfix/main.cf: unused parameter: x=1"]


def test_master_cf_services_carry_their_port_and_overrides():
    services = master_services((FIXTURES / "master-hardened-mx-debian13.txt").read_text(),
                               (FIXTURES / "overrides-hardened-mx-debian13.txt").read_text())
    by_name = dict((s["service"], s) for s in services if s["type"] == "inet" or s["service"] == "pickup")
    assert by_name["smtp"]["port"] == 25 and by_name["smtp"]["type"] == "inet"
    assert by_name["submission"]["port"] == 587
    assert by_name["submission"]["overrides"]["smtpd_tls_security_level"] == "encrypt"
    assert by_name["submissions"]["overrides"]["smtpd_tls_wrappermode"] == "yes"
    assert by_name["pickup"]["port"] is None


def test_systemctl_show_blocks_map_to_the_units_asked():
    text = ("ActiveState=active\nUnitFileState=enabled\nLoadState=loaded\n\n"
            "ActiveState=inactive\nUnitFileState=\nLoadState=not-found\n")
    shown = _mailhost.parse_systemctl_show(text, ["postfix.service", "spamd.service"])
    assert shown["postfix.service"]["ActiveState"] == "active"
    assert shown["spamd.service"] == {"ActiveState": "inactive", "UnitFileState": "", "LoadState": "not-found"}
    assert _mailhost.parse_systemctl_show("", ["postfix.service"]) == {}


def test_aliases_with_comments_continuations_and_quotes():
    text = ('# comment\npostmaster:    root\nroot: alice,\n  "bob@example.org"\n'
            '"abuse": root\nbroken line\n')
    assert _mailhost.parse_aliases(text) == {"postmaster": ["root"], "root": ["alice", "bob@example.org"],
                                             "abuse": ["root"]}


def _ruleset(policy, rules=()):
    items = [{"metainfo": {"json_schema_version": 1}},
             {"table": {"family": "inet", "name": "filter"}},
             {"chain": {"family": "inet", "table": "filter", "name": "input", "type": "filter", "hook": "input",
                        "prio": 0, "policy": policy}}]
    for expr in rules:
        items.append({"rule": {"family": "inet", "table": "filter", "chain": "input", "expr": expr}})
    return json.dumps({"nftables": items})


def test_nft_input_policy():
    assert _nftables.input_policy(_ruleset("drop")) == "drop"
    assert _nftables.input_policy(_ruleset("accept")) == "accept"
    # An accept policy whose chain ends in an unconditional drop drops.
    rules = [[{"match": {"op": "==", "left": 1, "right": 1}}, {"accept": None}], [{"drop": None}]]
    assert _nftables.input_policy(_ruleset("accept", rules)) == "drop"
    assert _nftables.input_policy(json.dumps({"nftables": [{"metainfo": {}}]})) == "none"
    assert _nftables.input_policy("not json") == "unreadable"


def test_certificate_names_and_days_left():
    text = ("notAfter=Nov 20 12:00:00 2036 GMT\nsubject=CN = mx.dept.example.org\n"
            "X509v3 Subject Alternative Name: \n    DNS:mx.dept.example.org, DNS:smtp.dept.example.org\n")
    now = datetime.datetime(2026, 11, 23, tzinfo=datetime.timezone.utc)
    cert = _mailhost.parse_certificate(text, now)
    assert cert["names"] == ["mx.dept.example.org", "smtp.dept.example.org"]
    assert cert["days_left"] == 3650
    assert _mailhost.parse_certificate("garbage", now) == dict(names=[], not_after=None, days_left=None)


def test_apt_config_and_key_value_files():
    dump = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n'
    assert _mailhost.apt_config_value(dump, "APT::Periodic::Unattended-Upgrade") == "1"
    assert _mailhost.apt_config_value(dump, "APT::Other") is None
    conf = "# comment\nOnInfected Reject\nMilterSocket /run/clamav/clamav-milter.ctl\n"
    assert _mailhost.parse_key_values(conf) == {"oninfected": "Reject", "miltersocket": "/run/clamav/clamav-milter.ctl"}


def test_global_addresses_skip_loopback_and_link_local():
    text = json.dumps([
        {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "scope": "host"},
                                       {"family": "inet6", "local": "::1", "scope": "host"}]},
        {"ifname": "eth0", "addr_info": [{"family": "inet6", "local": "fd00::5", "scope": "global"},
                                         {"family": "inet6", "local": "fe80::1", "scope": "link"},
                                         {"family": "inet", "local": "10.89.0.5", "scope": "global"}]},
    ])
    assert _mailhost.global_addresses(text) == ["10.89.0.5", "fd00::5"]
    assert _mailhost.global_addresses("not json") == []
    assert _mailhost.global_addresses('{"odd": 1}') == []


def test_listening_sockets_are_reached_over_loopback_and_read_by_the_input_layer():
    assert targets_for([dict(address="0.0.0.0", port=25), dict(address="::", port=25),
                        dict(address="192.0.2.25", port=587)]) == [
        dict(host="127.0.0.1", port=25), dict(host="::1", port=25), dict(host="192.0.2.25", port=587)]
    with pytest.raises(Refusal):
        targets_for([dict(address="fe80::1%eth0 0.0.0.0", port=25)])
