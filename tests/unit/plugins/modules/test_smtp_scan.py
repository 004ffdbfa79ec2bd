# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import time

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.hardening.plugins.modules import smtp_scan
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_proxy import FakeProxy
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import free_port


def run_module(capsys, **args):
    args.setdefault("timeout", 8.0)
    args.setdefault("connect_timeout", 1.0)
    args.setdefault("tls_versions", [])
    # a port nothing listens on: the default proxy ports (3128, 8080, 8888) may be in use on the test machine
    args.setdefault("proxy_ports", [free_port()])
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
    assert result["msg"].startswith("6 addresses, 2 listeners: 1 unregistered server(s), 1 open relay(s), "
                                    "0 open proxy(ies) to port 25")
    assert result["proxies"] == [] and result["open_proxies"] == []
    assert result["summary"]["connections"] == 12  # 6 addresses on the mail port and the proxy port
    assert not closed.data_seen


def test_the_open_proxy_beside_a_mail_server_is_a_finding_its_address_reported_alone(capsys, smtp_server):
    port, proxy_port = free_port(), free_port()
    mx = smtp_server("closed", host="127.0.92.3", port=port)
    # the fake tunnels CONNECT ...:25 to the test's SMTP port (port 25 needs root)
    opened = FakeProxy("open", host="127.0.92.5", port=proxy_port, redirect={25: port}).start()
    restricted = FakeProxy("restricted", host="127.0.92.6", port=proxy_port).start()
    try:
        registry = [dict(name="mx.physics", addresses=["127.0.92.3"], ports=[port])]
        rc, result = run_module(capsys, ranges=["127.0.92.0/29"], ports=[port], registry=registry,
                                proxy_ports=[proxy_port], proxy_target="127.0.92.3")
    finally:
        opened.stop()
        restricted.stop()
    assert rc == 0, result
    rows = dict((r["address"], r) for r in result["proxies"])
    assert set(rows) == {"127.0.92.5", "127.0.92.6"}
    assert rows["127.0.92.6"]["class"] == "refused" and rows["127.0.92.6"]["status"] == "HTTP/1.1 403 Access violation"
    assert rows["127.0.92.6"]["target"] == "127.0.92.3:25"
    assert rows["127.0.92.5"]["class"] == "open_proxy" and rows["127.0.92.5"]["greeting"].startswith("220 ")
    assert result["open_proxies"] == ["127.0.92.5:%d" % proxy_port]
    assert result["unregistered"] == []  # a proxy is no unregistered mail server
    assert result["summary"]["proxies"] == {"open_proxy": 1, "refused": 1, "inconclusive": 0, "not_proxy": 0}
    assert result["summary"]["connections"] == 12
    opened_findings = result["by_address"]["127.0.92.5"]["findings"]
    assert [(f["id"], f["status"]) for f in opened_findings] == [("MAIL-NET-010", "fail")]
    assert opened_findings[0]["actual"].startswith(
        "127.0.92.5:%d tunnels to 127.0.92.3:25 (HTTP/1.1 200 Connection established): 220 " % proxy_port)
    assert "1 open proxy(ies) to port 25" in result["msg"]
    findings = dict((f["id"], f) for f in result["by_address"]["127.0.92.6"]["findings"])
    assert list(findings) == ["MAIL-NET-010"] and findings["MAIL-NET-010"]["status"] == "pass"
    assert result["by_address"]["127.0.92.6"]["mode"] == "unregistered"
    found = dict((f["id"], f["status"]) for f in result["by_address"]["127.0.92.3"]["findings"])
    assert found["MAIL-NET-010"] == "pass" and found["MAIL-REG-001"] == "pass"
    deadline = time.monotonic() + 3  # the fake records what came through the tunnel in its own thread
    while opened.tunnelled != b"QUIT\r\n" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert opened.tunnelled == b"QUIT\r\n" and restricted.tunnelled == b"" and not mx.data_seen


def test_the_proxy_target_defaults_to_the_registered_server(capsys, monkeypatch):
    asked = []

    def check_proxy(address, port, target, timeout, connect=None):
        asked.append((address, port, target))
        found = smtp_scan._proxy.outcome("open_proxy", "%s:25" % target, "HTTP/1.1 200 OK", "220 mx ESMTP",
                                         "tunnels to %s:25 (HTTP/1.1 200 OK): 220 mx ESMTP" % target)
        found.update(address=address, port=port)
        return found, None

    monkeypatch.setattr(smtp_scan._proxy, "check_proxy", check_proxy)
    monkeypatch.setattr(smtp_scan._sweep, "tcp_connect", lambda address, port, timeout: dict(
        state="open" if (address, port) == ("192.0.2.41", 8080) else "closed", error=None))
    registry = [dict(name="mx", addresses=["198.51.100.25"], ports=[25])]
    rc, result = run_module(capsys, ranges=["192.0.2.40/30"], ports=[25], registry=registry, proxy_ports=[8080])
    assert rc == 0 and asked == [("192.0.2.41", 8080, "198.51.100.25")]
    assert result["open_proxies"] == ["192.0.2.41:8080"]
    finding = result["by_address"]["192.0.2.41"]["findings"][0]
    assert finding["id"] == "MAIL-NET-010" and finding["status"] == "fail"
    assert finding["actual"] == "192.0.2.41:8080 tunnels to 198.51.100.25:25 (HTTP/1.1 200 OK): 220 mx ESMTP"
    assert "1 open proxy(ies) to port 25" in result["msg"]


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
    (dict(ranges=["127.0.92.0/29"], proxy_ports=[70000]), "proxy_ports must be a whole number of a port from 1 to 65535"),
    (dict(ranges=["127.0.92.0/29"], proxy_target="[::1]"), "proxy_target: '[::1]' is not a bare IPv4 or IPv6 address"),
    (dict(ranges=["127.0.92.0/29"], exclude=["127.0.92.1"], proxy_target="127.0.92.1"),
     "proxy_target 127.0.92.1 lies in exclude"),
])
def test_bad_options_fail_before_any_connection(capsys, smtp_server, args, message):
    port = free_port()
    server = smtp_server("open", host="127.0.92.2", port=port)
    args.setdefault("ports", [port])
    rc, result = run_module(capsys, **args)
    assert rc == 1 and message in result["msg"], result["msg"]
    assert server.connections == 0


def test_a_port_swept_for_both_mail_and_proxies_is_refused(capsys, smtp_server):
    port = free_port()
    server = smtp_server("open", host="127.0.92.2", port=port)
    rc, result = run_module(capsys, ranges=["127.0.92.0/29"], ports=[port], proxy_ports=[port])
    assert rc == 1 and "proxy_ports and ports both list %d" % port in result["msg"]
    assert server.connections == 0
