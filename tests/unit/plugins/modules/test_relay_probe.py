# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import socket

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.hardening.plugins.modules import relay_probe
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import free_port

CONTROL_CHARS = [chr(c) for c in range(0x20)] + ["\x7f"]


def run_module(capsys, **args):
    """Run relay_probe.main() with args; return (exit code, parsed JSON result)."""
    args.setdefault("timeout", 2.0)
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        relay_probe.main()
    out = capsys.readouterr().out
    return exc.value.code, json.loads(out)


def test_closed_server(capsys, smtp_server):
    server = smtp_server("closed")
    rc, result = run_module(capsys, host=server.host, port=server.port, local_domain="example.org")
    assert rc == 0
    assert result["changed"] is False
    assert result["verdict"] == "closed"
    assert result["accepted"] == []
    assert result["target_ip"] == "127.0.0.1"
    assert result["banner"] == "220 mx.example.org ESMTP Postfix"
    relay = [t for t in result["tests"] if t["kind"] == "relay"]
    assert len(relay) == 16 + 6 + 3
    assert set((t["status"], t["code"]) for t in relay) == set([("refused", 554)])
    n4 = next(t for t in result["tests"] if t["id"] == "N4")
    assert n4["mail_from"] == "antispam@[127.0.0.1]"
    assert n4["dialogue"][-1] == dict(command="RCPT TO:<relaytest@relay-probe.example.net>", code=554,
                                      reply="5.7.1 <relaytest@relay-probe.example.net>: Relay access denied")
    assert result["vrfy"] == 502 and result["expn"] == 500
    assert result["xclient_advertised"] is False
    assert result["proxy_protocol"] == dict(required=False, header=None)
    assert result["starttls_offered"] is False and result["tls"] is None
    assert result["summary"]["relay"]["refused"] == 25 and result["summary"]["relay"]["total"] == 25
    assert result["summary"]["recipient_check"]["refused"] == 1
    assert result["msg"] == ("127.0.0.1:%d verdict closed: 25 of 25 relay tests refused "
                             "(0 inconclusive, 0 skipped, 0 errors); recipient check X12 refused" % server.port)
    assert "SIZE 10240000" in result["ehlo_extensions"]
    assert result["ehlo_extensions_before_tls"] is None
    assert result["auth_offered_before_tls"] is None
    assert result["auth_mechanisms"] == []


def test_open_server_and_check_mode(capsys, smtp_server):
    server = smtp_server("open")
    rc, result = run_module(capsys, host=server.host, port=server.port, _ansible_check_mode=True)
    assert rc == 0
    assert result["changed"] is False
    assert result["verdict"] == "open"
    assert "N1" in result["accepted"] and "N16" in result["accepted"]
    assert "open relay" in result["msg"]


def test_fail_on_open(capsys, smtp_server):
    server = smtp_server("percent_hack_only")
    rc, result = run_module(capsys, host=server.host, port=server.port, fail_on_open=True)
    assert rc == 1
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["accepted"] == ["N5", "N6", "N8"]
    assert "is an open relay: accepted by N5, N6, N8" in result["msg"]


def test_auth_required(capsys, smtp_server):
    server = smtp_server("auth_required")
    rc, result = run_module(capsys, host=server.host, port=server.port)
    assert rc == 0
    assert result["verdict"] == "auth_required"


def test_tarpit(capsys, smtp_server):
    server = smtp_server("tarpit", tarpit_delay=5.0)
    rc, result = run_module(capsys, host=server.host, port=server.port, max_errors_per_session=6)
    assert rc == 0
    assert result["verdict"] == "closed"
    assert result["sessions"] >= 6
    assert server.max_errors < 6


def test_connection_refused(capsys):
    port = free_port()
    rc, result = run_module(capsys, host="127.0.0.1", port=port)
    assert rc == 1
    assert result["msg"].startswith("could not connect to 127.0.0.1:%d: " % port)
    assert result["msg"].endswith("check the address and that this vantage point can reach the port")
    assert "Traceback" not in json.dumps(result)


def test_name_resolution_failure(capsys, monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    rc, result = run_module(capsys, host="mx.example.invalid")
    assert rc == 1
    assert result["msg"] == ("could not connect to mx.example.invalid:25: name resolution failed: "
                             "[Errno -2] Name or service not known; "
                             "check the address and that this vantage point can reach the port")


@pytest.mark.parametrize("behaviour, message", [
    ("garbage", "garbage reply"),
    ("early_disconnect", "connection closed by the server"),
    ("endless_line", "reply line too long"),
    ("endless_lines", "too many lines"),
])
def test_hostile_greeting_fails_cleanly(capsys, smtp_server, behaviour, message):
    server = smtp_server(behaviour, after=0)
    rc, result = run_module(capsys, host=server.host, port=server.port, timeout=1.0)
    assert rc == 1
    assert result["msg"].startswith("SMTP session with 127.0.0.1:%d failed before any relay test" % server.port)
    assert message in result["msg"]
    assert "exception" not in result


def test_garbage_mid_battery_is_inconclusive(capsys, smtp_server):
    server = smtp_server("garbage", after=2)
    rc, result = run_module(capsys, host=server.host, port=server.port, timeout=1.0)
    assert rc == 0
    assert result["verdict"] == "inconclusive"
    assert result["summary"]["relay"]["error"] == result["summary"]["relay"]["total"]


def test_banner_injection_is_sanitised(capsys, smtp_server):
    server = smtp_server("banner_injection")
    rc, result = run_module(capsys, host=server.host, port=server.port)
    assert rc == 0
    banner = result["banner"]
    assert not any(c in banner for c in CONTROL_CHARS)
    assert "<script>alert('relay')</script>" in banner  # markup kept, as plain text
    assert "\\x1b[31m" in banner and "\\r" in banner
    assert result["server_name"] == "mx.evil.example"
    assert result["verdict"] == "closed"


def test_starttls(capsys, smtp_server, tls_files):
    server = smtp_server("closed", tls_files=tls_files)
    rc, result = run_module(capsys, host=server.host, port=server.port, starttls=True)
    assert rc == 0
    assert result["verdict"] == "closed"
    assert result["starttls_offered"] is True
    assert result["tls"]["version"].startswith("TLS")
    assert result["tls"]["cipher"]


def test_starttls_not_offered(capsys, smtp_server):
    server = smtp_server("closed")
    rc, result = run_module(capsys, host=server.host, port=server.port, starttls=True)
    assert rc == 1
    assert "does not offer STARTTLS" in result["msg"]


@pytest.mark.parametrize("args, fragment", [
    (dict(port=0), "port must be between 1 and 65535"),
    (dict(port=70000), "port must be between 1 and 65535"),
    (dict(sender="a b"), "sender contains characters"),
    (dict(recipient="x>\r\nRCPT TO:<y"), "recipient contains characters"),
    (dict(probe_domain="evil.example>"), "probe_domain contains characters"),
    (dict(local_domain="a@b"), "local_domain contains characters"),
    (dict(helo=""), "helo must not be empty"),
    (dict(target_ip="[127.0.0.1]"), "target_ip must be a bare IPv4 or IPv6 address"),
    (dict(max_errors_per_session=2), "max_errors_per_session must be at least 4"),
    (dict(timeout=0), "timeout must be a number of seconds above 0 and at most 300"),
    (dict(timeout=float("inf")), "timeout must be a number of seconds above 0 and at most 300, got inf"),
    (dict(timeout=float("nan")), "timeout must be a number of seconds above 0 and at most 300, got nan"),
    (dict(timeout=301), "timeout must be a number of seconds above 0 and at most 300"),
])
def test_input_validation(capsys, smtp_server, args, fragment):
    server = smtp_server("closed")
    args.setdefault("port", server.port)
    rc, result = run_module(capsys, host=server.host, **args)
    assert rc == 1
    assert fragment in result["msg"]
    assert server.connections == 0  # validated before any traffic


def test_target_ip_override(capsys, smtp_server):
    server = smtp_server("closed")
    rc, result = run_module(capsys, host=server.host, port=server.port, target_ip="192.0.2.10", helo="probe.example.net")
    assert rc == 0
    n4 = next(t for t in result["tests"] if t["id"] == "N4")
    assert n4["mail_from"] == "antispam@[192.0.2.10]"
    assert n4["helo"] == "probe.example.net"
    assert server.commands_only[0] == "EHLO probe.example.net"


def test_xclient_relay_makes_the_task_fail_on_open(capsys, smtp_server):
    server = smtp_server("xclient")
    rc, result = run_module(capsys, host=server.host, port=server.port, fail_on_open=True)
    assert rc == 1
    assert result["verdict"] == "open"
    assert result["msg"] == ("127.0.0.1:%d is an open relay: accepted by XC1, XC2; "
                             "offered to this client: XCLIENT" % server.port)


def test_silent_server_fails_without_an_exception_preamble(capsys):
    """A listener that never greets: one plain try, one with a PROXY header, then a plain message."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        rc, result = run_module(capsys, host="127.0.0.1", port=port, timeout=0.3)
    assert rc == 1
    assert result["msg"] == (
        "SMTP session with 127.0.0.1:%d failed before any relay test: timed out after 0.3s waiting for the "
        "server's reply (and no usable session after a PROXY protocol header either: timed out after 0.3s "
        "waiting for the server's reply)" % port)
    assert "exception" not in result


def test_ipv6_target_is_written_in_brackets(capsys):
    port = free_port()
    rc, result = run_module(capsys, host="::1", port=port)
    assert rc == 1
    assert result["msg"].startswith("could not connect to [::1]:%d: " % port)


def test_implicit_tls(capsys, smtp_server, tls_files):
    server = smtp_server("closed", tls_files=tls_files, implicit_tls=True)
    rc, result = run_module(capsys, host=server.host, port=server.port, implicit_tls=True)
    assert rc == 0
    assert result["verdict"] == "closed"
    assert result["tls"]["version"].startswith("TLS")
    assert result["tls"]["cipher"]
    assert result["summary"]["relay"]["refused"] == 19
    assert server.tls_handshakes == result["sessions"]
    assert result["msg"] == ("127.0.0.1:%d verdict closed: 19 of 19 relay tests refused "
                             "(0 inconclusive, 0 skipped, 0 errors)" % server.port)


def test_implicit_tls_against_a_plain_server(capsys, smtp_server):
    server = smtp_server("closed")
    rc, result = run_module(capsys, host=server.host, port=server.port, implicit_tls=True)
    assert rc == 1
    assert result["msg"].startswith("SMTP session with 127.0.0.1:%d failed before any relay test: "
                                    "TLS handshake failed: " % server.port)
    assert result["msg"].endswith(
        "; the server did not complete a TLS handshake on port %d; set implicit_tls=false if this port "
        "speaks plain SMTP (with starttls=true to encrypt it)" % server.port)
    assert "exception" not in result
    assert "Traceback" not in json.dumps(result)


def test_starttls_and_implicit_tls_cannot_both_be_true(capsys, smtp_server):
    server = smtp_server("closed")
    rc, result = run_module(capsys, host=server.host, port=server.port, starttls=True, implicit_tls=True)
    assert rc == 1
    assert "cannot both be true" in result["msg"]
    assert server.connections == 0


def test_implicit_tls_with_starttls_false_is_accepted(capsys, smtp_server, tls_files):
    server = smtp_server("closed", tls_files=tls_files, implicit_tls=True)
    rc, result = run_module(capsys, host=server.host, port=server.port, starttls=False, implicit_tls=True)
    assert rc == 0, result
    assert result["tls"]["version"]


def test_tls_required_is_inconclusive_and_says_what_to_do(capsys, smtp_server):
    server = smtp_server("tls_required")
    rc, result = run_module(capsys, host=server.host, port=server.port)
    assert rc == 0
    assert result["verdict"] == "inconclusive"
    assert result["auth_required_seen"] is False
    assert set(t["reason"] for t in result["tests"]) == set(["tls_required"])
    assert result["msg"] == (
        "127.0.0.1:%d verdict inconclusive: 0 of 19 relay tests refused (0 inconclusive, 19 skipped, 0 errors); "
        "the server requires STARTTLS before MAIL FROM: probe again with starttls=true "
        "(or implicit_tls=true on a port like 465)" % server.port)


def test_tls_required_probed_with_starttls(capsys, smtp_server, tls_files):
    server = smtp_server("tls_required", tls_files=tls_files)
    rc, result = run_module(capsys, host=server.host, port=server.port, starttls=True)
    assert rc == 0
    assert result["verdict"] == "closed"
    assert "STARTTLS" not in result["msg"]


def test_auth_offered_before_starttls(capsys, smtp_server, tls_files):
    server = smtp_server("closed", tls_files=tls_files, auth=("PLAIN", "LOGIN"))
    rc, result = run_module(capsys, host=server.host, port=server.port, starttls=True)
    assert rc == 0
    assert result["auth_offered_before_tls"] is True
    assert "AUTH PLAIN LOGIN" in result["ehlo_extensions_before_tls"]
    assert result["auth_mechanisms"] == ["PLAIN", "LOGIN"]
    assert result["msg"].endswith("; AUTH offered before STARTTLS")


def test_auth_only_after_starttls(capsys, smtp_server, tls_files):
    server = smtp_server("closed", tls_files=tls_files, auth=("PLAIN", "LOGIN"), auth_before_tls=False)
    rc, result = run_module(capsys, host=server.host, port=server.port, starttls=True)
    assert rc == 0
    assert result["auth_offered_before_tls"] is False
    assert "STARTTLS" in result["ehlo_extensions_before_tls"]
    assert result["auth_mechanisms"] == ["PLAIN", "LOGIN"]
    assert "AUTH" not in result["msg"]
