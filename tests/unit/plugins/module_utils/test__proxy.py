# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import socket
import time

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _proxy
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _sweep
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_proxy import FakeProxy
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import free_port

REQUEST = b"CONNECT 192.0.2.25:25 HTTP/1.1\r\nHost: 192.0.2.25:25\r\n\r\n"


class FakeSocket(object):
    """A socket whose peer sends CHUNKS (bytes; None is a timeout, an exception is raised) and records what is sent."""

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.sent = b""
        self.closed = False

    def settimeout(self, _seconds):
        pass

    def sendall(self, data):
        self.sent += data

    def recv(self, _size):
        if not self.chunks:
            return b""
        chunk = self.chunks.pop(0)
        if chunk is None:
            raise socket.timeout("timed out")
        if isinstance(chunk, Exception):
            raise chunk
        return chunk

    def close(self):
        self.closed = True


def exchange(*chunks, timeout=1.0):
    sock = FakeSocket(chunks)
    found = _proxy.exchange(sock, "192.0.2.25", timeout)
    assert sock.closed
    assert sock.sent in (REQUEST, REQUEST + b"QUIT\r\n")
    assert (sock.sent == REQUEST + b"QUIT\r\n") == (found["class"] == _proxy.OPEN)  # QUIT only through a tunnel
    return found


# --- what is sent ----------------------------------------------------------------------------------

def test_the_request_asks_for_port_25_of_the_target_with_a_host_header():
    assert _proxy.connect_request(_proxy.tunnel_end("192.0.2.25")) == REQUEST
    assert _proxy.connect_request(_proxy.tunnel_end("2001:DB8::25")) == \
        b"CONNECT [2001:db8::25]:25 HTTP/1.1\r\nHost: [2001:db8::25]:25\r\n\r\n"


@pytest.mark.parametrize("target", ["192.0.2.25\r\nX: y", "mx.example.org", "::ffff:192.0.2.25", "fe80::1%eth0"])
def test_a_target_that_is_no_bare_address_never_reaches_a_request(target):
    with pytest.raises(ValueError):
        _proxy.tunnel_end(target)


# --- the classes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("chunks, cls, detail", [
    # tinyproxy without ConnectPort lines: the greeting comes through the tunnel
    ([b"HTTP/1.1 200 Connection established\r\nProxy-agent: tinyproxy/1.11.2\r\n\r\n", b"220 mx.example.org ESMTP\r\n"],
     "open_proxy", "tunnels to 192.0.2.25:25 (HTTP/1.1 200 Connection established): 220 mx.example.org ESMTP"),
    # the greeting in the same packet as the proxy's answer, multi-line, bare LF
    ([b"HTTP/1.0 200 OK\n\n220-mx.example.org\n220 ESMTP\n"], "open_proxy", "(HTTP/1.0 200 OK): 220-mx.example.org"),
    # a mail server refusing the proxy's address is still a mail server reached on port 25
    ([b"HTTP/1.1 200 Connection established\r\n\r\n554 5.7.1 no service\r\n"], "open_proxy", "554 5.7.1 no service"),
    ([b"HTTP/1.1 403 Access violation\r\nServer: tinyproxy/1.11.2\r\n\r\n<html>"], "refused",
     "refuses a tunnel to 192.0.2.25:25: HTTP/1.1 403 Access violation"),
    ([b"HTTP/1.0 407 Proxy Authentication Required\r\n\r\n"], "refused", "407 Proxy Authentication Required"),
    ([b"HTTP/1.1 500 Unable to connect\r\n\r\n"], "inconclusive", "did not open a tunnel to 192.0.2.25:25"),
    ([b"HTTP/1.1 503 Service Unavailable\r\n\r\n"], "inconclusive", "503 Service Unavailable"),
    ([b"HTTP/1.0 501 Unsupported method ('CONNECT')\r\n\r\n"], "not_proxy", "opens no tunnel to 192.0.2.25:25"),
    ([b"HTTP/1.1 400 Bad Request\r\n\r\n"], "not_proxy", "400 Bad Request"),
    ([b"HTTP/1.1 302 Found\r\nLocation: http://portal/\r\n\r\n"], "not_proxy", "302 Found"),
    # no status line: a mail server, SSH, an HTTP/0.9 body, binary
    ([b"220 mx.example.org ESMTP Postfix\r\n"], "not_proxy", "answered '220 mx.example.org ESMTP Postfix', not an HTTP"),
    ([b"SSH-2.0-OpenSSH_9.2p1\r\n"], "not_proxy", "not an HTTP status line"),
    ([b"<html><body>It works</body></html>\n"], "not_proxy", "'<html><body>It works</body></html>'"),
    ([b"\x00\xff\x1b[31m\r\n"], "not_proxy", "'\\x00\ufffd\\x1b[31m'"),
    ([], "not_proxy", "gave no HTTP status line (the connection was closed)"),
    ([ConnectionResetError(104, "Connection reset by peer")], "not_proxy", "the connection broke: Connection reset"),
    # a line that never ends, and one without any line end at all before the peer closes
    ([b"HTTP/1.1 200 " + b"A" * 5000], "not_proxy", "a line longer than 4096 bytes"),
    ([b"HTTP/1.1 200 OK"], "not_proxy", "the connection was closed): 'HTTP/1.1 200 OK'"),
    # silence: a proxy still connecting, or a silent service
    ([None], "inconclusive", "sent no HTTP status line within 1.0s"),
    ([b"HTT", None], "inconclusive", "sent no HTTP status line"),
    ([b"xyz", None], "not_proxy", "gave no HTTP status line (no complete line within 1.0s): 'xyz'"),
    # 2xx, then no SMTP: garbage, silence, a close, a reply that is no greeting, endless headers
    ([b"HTTP/1.1 200 OK\r\n\r\n<html>welcome</html>\r\n"], "inconclusive", "'<html>welcome</html>', not an SMTP reply"),
    ([b"HTTP/1.1 200 OK\r\n\r\n", None], "inconclusive", "no SMTP greeting came through (no complete line"),
    ([b"HTTP/1.1 200 OK\r\n\r\n"], "inconclusive", "(the connection was closed)"),
    ([b"HTTP/1.1 200 OK\r\n\r\n250 ok\r\n"], "inconclusive", "then 250 ok, which is no greeting"),
    ([b"HTTP/1.1 200 OK\r\n\r\n220-a\r\n250 b\r\n"], "inconclusive", "'250 b', not an SMTP reply"),
    ([b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 150 + b"\r\n220 mx\r\n"], "inconclusive", "more than 100 header lines"),
    ([b"HTTP/1.1 200 OK\r\n\r\n" + b"220-x\r\n" * 150], "inconclusive", "a reply of more than 100 lines"),
])
def test_every_answer_gets_its_class(chunks, cls, detail):
    found = exchange(*chunks)
    assert found["class"] == cls and detail in found["detail"], found
    assert found["target"] == "192.0.2.25:25"


def test_the_evidence_of_an_open_proxy_names_the_status_and_the_greeting():
    found = exchange(b"HTTP/1.1 200 Connection established\r\n\r\n220 mx ESMTP\r\n")
    assert found["status"] == "HTTP/1.1 200 Connection established" and found["greeting"] == "220 mx ESMTP"


def test_hostile_text_is_escaped_and_clipped():
    found = exchange(b"HTTP/1.1 403 <script>\x1b[2J\x07" + b"x" * 400 + b"\r\n\r\n")
    assert "\x1b" not in found["detail"] and "\\x1b[2J\\x07" in found["detail"]
    assert len(found["status"]) <= _proxy.SHOWN_LENGTH + 3 and found["status"].endswith("...")


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(st.one_of(st.binary(max_size=600), st.none()), max_size=8))
def test_any_reply_gets_a_class_never_a_traceback(chunks):
    found = exchange(*chunks)
    assert found["class"] in _proxy.CLASSES and isinstance(found["detail"], str)
    assert all(ord(c) >= 0x20 for c in found["detail"])


@settings(max_examples=300, deadline=None)
@given(status=st.sampled_from([b"HTTP/1.1 200 Connection established", b"HTTP/1.0 200", b"HTTP/1.1 204 No Content"]),
       rest=st.lists(st.one_of(st.binary(max_size=300), st.none(),
                               st.sampled_from([b"\r\n", b"\r\n\r\n", b"220 mx\r\n", b"220-", b"554 no\r\n"])),
                     max_size=8))
def test_a_tunnel_followed_by_anything_is_an_open_proxy_only_with_a_greeting(status, rest):
    found = exchange(status + b"\r\n", *rest)
    assert found["class"] in (_proxy.OPEN, _proxy.INCONCLUSIVE)
    if found["class"] == _proxy.OPEN:
        assert int(found["greeting"][:3]) in _proxy.GREETING_CODES


@settings(max_examples=200, deadline=None)
@given(code=st.integers(100, 599), reason=st.binary(max_size=60).filter(lambda b: b"\n" not in b))
def test_every_status_code_is_classed(code, reason):
    found = exchange(b"HTTP/1.1 %d %s\r\n\r\n" % (code, reason))
    expected = {True: _proxy.INCONCLUSIVE}.get(200 <= code < 300) or _proxy.status_class(code)
    assert found["class"] == expected


# --- real sockets: a slow drip ends at the deadline ---------------------------------------------------

def test_a_slow_drip_ends_at_the_deadline():
    drip = FakeProxy("script", chunks=[b"HTTP/1.1 200 Connection established\r\n\r\n"] + [b"2"] * 40, delay=0.05).start()
    try:
        began = time.monotonic()
        found, why = _proxy.check_proxy("127.0.0.1", drip.port, "127.0.0.1", 0.5)
        assert why is None and time.monotonic() - began < 1.5
        assert found["class"] == "inconclusive" and "no SMTP greeting came through" in found["detail"]
    finally:
        drip.stop()


def test_a_port_that_stopped_listening_is_not_a_result():
    found, why = _proxy.check_proxy("127.0.0.1", free_port(), None, 1.0)
    assert found is None and why


# --- options and the target ------------------------------------------------------------------------

@pytest.mark.parametrize("ports, target, excluded, message", [
    ([0], None, [], "proxy_ports must be a whole number of a port from 1 to 65535"),
    (["x"], None, [], "proxy_ports must be a whole number"),
    ([25, 8080], None, [], "proxy_ports and ports both list 25"),
    ([8080], "[2001:db8::25]", [], "proxy_target: '[2001:db8::25]' is not a bare IPv4 or IPv6 address"),
    ([8080], "fe80::1%eth0", [], "proxy_target: 'fe80::1%eth0' has a zone ID"),
    ([8080], "192.0.2.0/24", [], "proxy_target: '192.0.2.0/24' is not a bare"),
    ([8080], "::ffff:192.0.2.25", [], "is the IPv4 address 192.0.2.25 written as IPv6"),
    ([8080], "192.0.2.25", ["192.0.2.16/28"], "proxy_target 192.0.2.25 lies in exclude"),
])
def test_bad_proxy_options_are_refused_naming_the_option(ports, target, excluded, message):
    networks, _problems = _sweep.parse_networks(excluded, "exclude")
    problems, _ports, _target = _proxy.read_options(ports, target, [25], networks)
    assert any(message in p for p in problems), problems


def test_proxy_options_are_read_into_canonical_values():
    assert _proxy.read_options([8080, 3128, 8080], "2001:DB8::25", [25]) == ([], (8080, 3128), "2001:db8::25")
    assert _proxy.read_options([], None, [25]) == ([], (), None)


def test_the_default_target_is_the_first_registered_server_on_port_25_outside_exclude():
    entries = _registry.normalize([dict(name="submission.only", addresses=["192.0.2.9"], ports=[587]),
                                   dict(name="mx", addresses=["192.0.2.25", "192.0.2.26"], ports=[25])])
    assert _proxy.default_target(entries) == "192.0.2.25"
    excluded, _problems = _sweep.parse_networks(["192.0.2.25"], "exclude")
    assert _proxy.default_target(entries, excluded) == "192.0.2.26"
    assert _proxy.default_target([]) is None


# --- MAIL-NET-010 --------------------------------------------------------------------------------------

def judged(proxies, ports=(3128, 8080, 8888)):
    evidence = dict(address="192.0.2.41", proxy_ports=list(ports), proxies=proxies)
    return _controls.evaluate(evidence, "mx", source=_controls.SCAN, only={"MAIL-NET-010"})[0]


def row(port, cls, detail):
    return {"address": "192.0.2.41", "port": port, "class": cls, "detail": detail}


def test_an_open_proxy_fails_naming_the_proxy_the_target_and_the_greeting():
    finding = judged([row(3128, "refused", "refuses a tunnel to 192.0.2.25:25: HTTP/1.1 403 Access violation"),
                      row(8080, "open_proxy", "tunnels to 192.0.2.25:25 (HTTP/1.1 200 Connection established): 220 mx")])
    assert finding["status"] == "fail" and finding["severity"] == "critical"
    assert finding["actual"] == "192.0.2.41:8080 tunnels to 192.0.2.25:25 (HTTP/1.1 200 Connection established): 220 mx"


def test_refusals_and_listeners_that_are_no_proxy_pass_with_their_answers():
    finding = judged([row(3128, "refused", "refuses a tunnel to 192.0.2.25:25: HTTP/1.1 403 Access violation"),
                      row(8080, "not_proxy", "opens no tunnel to 192.0.2.25:25: HTTP/1.0 501 Unsupported method")])
    assert finding["status"] == "pass"
    assert finding["actual"] == ("192.0.2.41:3128 refuses a tunnel to 192.0.2.25:25: HTTP/1.1 403 Access violation; "
                                 "192.0.2.41:8080 opens no tunnel to 192.0.2.25:25: HTTP/1.0 501 Unsupported method")
    assert judged([])["actual"] == "no listener on the proxy ports 3128, 8080, 8888"


def test_an_inconclusive_proxy_is_an_error_never_a_pass():
    finding = judged([row(8080, "inconclusive", "did not open a tunnel to 192.0.2.25:25: HTTP/1.1 500 Unable to connect")])
    assert finding["status"] == "error" and "check by hand" in finding["note"]
    assert judged([], ports=())["status"] == "error"


# --- the sweep: proxies beside mail servers on loopback addresses ----------------------------------------

@pytest.fixture
def proxies():
    started = []

    def _start(behaviour, **options):
        proxy = FakeProxy(behaviour, **options).start()
        started.append(proxy)
        return proxy

    yield _start
    for proxy in started:
        proxy.stop()


def test_the_sweep_finds_the_open_proxy_that_reaches_the_registered_server(smtp_server, proxies):
    smtp, proxy_port = free_port(), free_port()
    mx = smtp_server("closed", host="127.0.94.2", port=smtp)
    opened = proxies("open", host="127.0.94.3", port=proxy_port, redirect={25: smtp})
    restricted = proxies("restricted", host="127.0.94.4", port=proxy_port)
    proxies("web", host="127.0.94.5", port=proxy_port)
    outside = proxies("open", host="127.0.94.40", port=proxy_port)
    entries = _registry.normalize([dict(name="mx", addresses=["127.0.94.2"], ports=[smtp])])

    def check(address, port):
        return _proxy.check_proxy(address, port, "127.0.94.2", 2.0)

    probed, targets, _timings, rows = _sweep.sweep(
        _sweep.addresses(["127.0.94.0/27"]), [smtp], lambda a, p: _sweep.tcp_connect(a, p, 1.0),
        lambda a, p: (dict(address=a, port=p, relay=dict(verdict="closed")), None), 16, 4,
        proxy_ports=[proxy_port], check_proxy=check)
    classes = dict((r["address"], r["class"]) for r in rows if r.get("class"))
    assert classes == {"127.0.94.3": "open_proxy", "127.0.94.4": "refused", "127.0.94.5": "not_proxy"}
    assert outside.connections == 0
    assert [r for r in opened.requests if r] == [b"CONNECT 127.0.94.2:25 HTTP/1.1\r\nHost: 127.0.94.2:25\r\n\r\n"]
    # nothing but QUIT through a tunnel (the fakes record it in their own threads)
    assert eventually(lambda: opened.tunnelled == b"QUIT\r\n" and mx.commands_only == ["QUIT"]), (
        opened.tunnelled, mx.commands_only)
    assert restricted.tunnelled == b"" and len([r for r in restricted.requests if r]) == 1  # discovery sends nothing

    results = _sweep.compare(probed, targets, entries, [smtp], rows, [proxy_port])
    # the web server is no proxy and no mail server: not reported on its own
    assert list(results) == ["127.0.94.2", "127.0.94.3", "127.0.94.4"]
    opened_findings = results["127.0.94.3"]["findings"]
    assert [(f["id"], f["status"]) for f in opened_findings] == [("MAIL-NET-010", "fail")]
    assert opened_findings[0]["actual"].startswith("127.0.94.3:%d tunnels to 127.0.94.2:25 (HTTP/1.1 200 Connection "
                                                   "established): 220 " % proxy_port)
    assert results["127.0.94.3"]["mode"] == "unregistered" and results["127.0.94.3"]["registered"] is None
    assert [(f["id"], f["status"]) for f in results["127.0.94.4"]["findings"]] == [("MAIL-NET-010", "pass")]
    mx_findings = dict((f["id"], f) for f in results["127.0.94.2"]["findings"])
    assert mx_findings["MAIL-NET-010"]["status"] == "pass" and mx_findings["MAIL-REG-001"]["status"] == "pass"
    assert mx_findings["MAIL-NET-010"]["actual"] == "no listener on the proxy ports %d" % proxy_port


def test_without_proxy_ports_the_control_is_not_judged_and_nothing_is_asked():
    calls = []
    probed, targets, _timings, rows = _sweep.sweep(
        ["192.0.2.5"], [25], lambda a, p: calls.append(p) or dict(state="open", error=None),
        lambda a, p: (dict(address=a, port=p, relay=dict(verdict="closed")), None), 4, 4)
    assert calls == [25] and rows == []
    found = _sweep.compare(probed, targets, [], [25], rows, [])["192.0.2.5"]["findings"]
    assert "MAIL-NET-010" not in [f["id"] for f in found]


def test_a_proxy_check_that_breaks_is_that_ports_evidence_not_the_end_of_the_sweep():
    def check(address, port):
        raise ValueError("hostile")

    _probed, _targets, _timings, rows = _sweep.sweep(
        ["192.0.2.5"], [25], lambda a, p: dict(state="open" if p == 8080 else "closed", error=None), None, 4, 4,
        proxy_ports=[8080], check_proxy=check)
    assert rows[0]["class"] == "inconclusive" and rows[0]["detail"] == "the check failed: ValueError: hostile"


def eventually(condition, seconds=3.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
