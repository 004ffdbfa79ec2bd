# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.hardening.plugins.modules import smtp_scan
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import free_port


def run_module(capsys, **args):
    args.setdefault("timeout", 8.0)
    args.setdefault("connect_timeout", 1.0)
    args.setdefault("tls_versions", [])
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        smtp_scan.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def test_a_sweep_reports_what_a_security_team_reads_first(capsys, smtp_server):
    port = free_port()
    smtp_server("open", host="127.0.92.2", port=port)
    closed = smtp_server("closed", host="127.0.92.3", port=port)
    registry = [dict(name="mx.physics", addresses=["127.0.92.3"], ports=[port], owner="Physics"),
                dict(name="mx.down", addresses=["127.0.92.4"], ports=[port]),
                dict(name="mx.far", addresses=["127.0.93.1"])]
    rc, result = run_module(capsys, ranges=["127.0.92.0/29"], ports=[port], registry=registry)
    assert rc == 0 and result["changed"] is False
    assert result["unregistered"] == ["127.0.92.2"]
    assert result["open_relays"] == ["127.0.92.2:%d" % port]
    assert result["down"] == ["127.0.92.4 (mx.down): mx.down does not take mail on %d: connection refused" % port]
    assert result["not_swept"] == ["127.0.93.1"]
    assert len(result["banner_leaks"]) == 2  # the fake servers greet as "ESMTP Postfix"
    assert result["summary"]["addresses"] == 6 and result["summary"]["listeners"]["open_relay"] == 1
    classes = dict((x["address"], (x["class"], x["registered"])) for x in result["listeners"])
    assert classes == {"127.0.92.2": ("open_relay", None), "127.0.92.3": ("closed", "mx.physics")}
    assert set(result["by_address"]) == {"127.0.92.2", "127.0.92.3", "127.0.92.4"}
    assert result["by_address"]["127.0.92.2"]["mode"] == "unregistered"
    assert result["msg"].startswith("6 addresses, 2 listeners: 1 unregistered server(s), 1 open relay(s)")
    assert not closed.data_seen


@pytest.mark.parametrize("args, message", [
    (dict(ranges=["127.92.0.0/16"]), "ranges hold 65536 addresses, more than max_addresses (1024)"),
    (dict(ranges=["127.0.92.5/29"]), "use the network address 127.0.92.0/29"),
    # a step shorter than postscreen's greeting would class an open relay as a tarpit
    (dict(ranges=["127.0.92.0/29"], timeout=5.0), "timeout must be at least 8 seconds for a sweep"),
    (dict(ranges=["127.0.92.0/29"], registry=[dict(name="x", addresses=["127.0.92.0/29"])]),
     "registry[0].addresses: '127.0.92.0/29' is not a bare"),
    (dict(ranges=["127.0.92.0/29"], concurrency=0), "concurrency must be from 1 to 512"),
    (dict(ranges=["127.0.92.0/29"], probe_concurrency=100), "probe_concurrency must be from 1 to 64"),
    (dict(ranges=["127.0.92.0/29"], ports=[0]), "ports must be between 1 and 65535"),
    (dict(ranges=["127.0.92.0/29"], connect_timeout=0), "connect_timeout must be a number of seconds above 0"),
    (dict(ranges=["127.0.92.0/29"], probe_domain="a b"), "probe_domain contains characters not allowed"),
])
def test_bad_options_fail_before_any_connection(capsys, smtp_server, args, message):
    port = free_port()
    server = smtp_server("open", host="127.0.92.2", port=port)
    args.setdefault("ports", [port])
    rc, result = run_module(capsys, **args)
    assert rc == 1 and message in result["msg"], result["msg"]
    assert server.connections == 0
