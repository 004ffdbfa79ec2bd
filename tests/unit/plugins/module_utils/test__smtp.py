# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._smtp import (
    SMTPClient,
    SMTPCommandError,
    SMTPProtocolError,
    client_context,
    parse_ehlo_extensions,
    sanitize_text,
)
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import free_port

TIMEOUT = 2.0


def canned_client(data, **kwargs):
    """A client whose socket is one end of a socketpair pre-loaded with ``data``."""
    ours, theirs = socket.socketpair()
    theirs.sendall(data)
    theirs.shutdown(socket.SHUT_WR)
    client = SMTPClient("127.0.0.1", 0, timeout=kwargs.pop("timeout", TIMEOUT), **kwargs)
    client.sock = ours
    return client, theirs


class TestReplies:
    def test_multi_line_reply(self):
        client, peer = canned_client(b"250-mx.example.org\r\n250-SIZE 1000\r\n250 DSN\r\n")
        reply = client.read_reply()
        assert reply.code == 250
        assert reply.lines == ["mx.example.org", "SIZE 1000", "DSN"]
        assert parse_ehlo_extensions(reply) == ["SIZE 1000", "DSN"]
        assert "\n" not in reply.text
        peer.close()

    def test_bare_lf_and_code_only_line(self):
        client, peer = canned_client(b"250\n")
        reply = client.read_reply()
        assert (reply.code, reply.lines) == (250, [""])
        peer.close()

    @pytest.mark.parametrize("data", [
        b"HELLO this is not SMTP\r\n",
        b"25 short code\r\n",
        b"250-first\r\n554 second has another code\r\n",
        b"\x1b[31m220 coloured\r\n",
    ])
    def test_garbage_is_one_clean_error(self, data):
        client, peer = canned_client(data)
        with pytest.raises(SMTPProtocolError) as exc:
            client.read_reply()
        assert exc.value.kind == "garbage"
        assert "garbage reply" in str(exc.value)
        assert "\x1b" not in str(exc.value)
        assert not client.connected
        peer.close()

    def test_line_too_long(self):
        client, peer = canned_client(b"250 " + b"A" * 5000 + b"\r\n", max_line_length=4096)
        with pytest.raises(SMTPProtocolError, match="reply line too long") as exc:
            client.read_reply()
        assert exc.value.kind == "too_long"
        peer.close()

    def test_too_many_lines(self):
        client, peer = canned_client(b"250-x\r\n" * 10 + b"250 end\r\n", max_reply_lines=5)
        with pytest.raises(SMTPProtocolError, match="too many lines"):
            client.read_reply()
        peer.close()

    def test_disconnect_mid_reply(self):
        client, peer = canned_client(b"250-partial\r\n")
        with pytest.raises(SMTPProtocolError, match="connection closed") as exc:
            client.read_reply()
        assert exc.value.kind == "disconnect"
        peer.close()

    def test_control_characters_are_escaped(self):
        client, peer = canned_client(b"220 host \x1b[2J\rX\x00\x07\x7f \xff<b>\r\n")
        reply = client.read_reply()
        assert reply.text == "host \\x1b[2J\\rX\\x00\\x07\\x7f \ufffd<b>"
        peer.close()

    def test_sanitize_text(self):
        assert sanitize_text("a\r\nb\tc\x1b") == "a\\r\\nb\\tc\\x1b"
        assert sanitize_text("<script>") == "<script>"


class TestCommands:
    @pytest.mark.parametrize("command", [
        "MAIL FROM:<a@b>\r\nRCPT TO:<x@y>",
        "RCPT TO:<x@y>\n",
        "NOOP\r",
        "VRFY a\x00b",
        "",
        "EHLO h\u00e9",
    ])
    def test_unsafe_commands_are_refused(self, command):
        client, peer = canned_client(b"")
        with pytest.raises(SMTPCommandError):
            client.send_command(command)
        client.close()
        peer.settimeout(TIMEOUT)
        assert peer.recv(100) == b""  # end of stream: nothing was written
        peer.close()

    def test_commands_are_crlf_terminated(self, smtp_server):
        server = smtp_server("closed")
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        client.connect()
        assert client.command("NOOP").code == 250
        client.quit()
        assert server.commands_only == ["NOOP", "QUIT"]


class TestAgainstServers:
    def test_banner_and_ehlo(self, smtp_server):
        server = smtp_server("closed", extra_ehlo=["XCLIENT NAME ADDR"])
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        banner = client.connect()
        assert (banner.code, banner.text) == (220, "mx.example.org ESMTP Postfix")
        reply = client.ehlo("probe.example.net")
        assert reply.code == 250
        assert "SIZE 10240000" in client.extensions
        assert client.has_extension("xclient")
        assert not client.has_extension("STARTTLS")
        assert client.quit().code == 221
        assert not client.connected

    def test_connection_refused(self):
        client = SMTPClient("127.0.0.1", free_port(), timeout=TIMEOUT)
        with pytest.raises(SMTPProtocolError, match="connection failed") as exc:
            client.connect()
        assert exc.value.kind == "connect"

    def test_silent_server_times_out(self):
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)  # completes the TCP handshake but never says anything
            client = SMTPClient("127.0.0.1", listener.getsockname()[1], timeout=0.3)
            with pytest.raises(SMTPProtocolError, match="timed out") as exc:
                client.connect()
            assert exc.value.kind == "timeout"
            assert not client.connected

    def test_early_disconnect(self, smtp_server):
        server = smtp_server("early_disconnect", after=0)
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        client.connect()
        with pytest.raises(SMTPProtocolError) as exc:
            client.ehlo("probe.example.net")
        assert exc.value.kind == "disconnect"

    @pytest.mark.parametrize("behaviour, message", [
        ("endless_line", "reply line too long"),
        ("endless_lines", "too many lines"),
    ])
    def test_endless_banner_is_bounded(self, smtp_server, behaviour, message):
        server = smtp_server(behaviour, after=0)
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        with pytest.raises(SMTPProtocolError, match=message):
            client.connect()
        assert not client.connected

    def test_endless_reply_after_command(self, smtp_server):
        server = smtp_server("endless_line", after=1)
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        client.connect()
        client.ehlo("probe.example.net")
        with pytest.raises(SMTPProtocolError, match="reply line too long"):
            client.command("RSET")

    def test_slow_drip_is_bounded_by_step_timeout(self):
        """A server sending one byte at a time still cannot stretch one step beyond the timeout."""
        stop = threading.Event()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def drip():
            conn = listener.accept()[0]
            try:
                while not stop.is_set():
                    conn.sendall(b"2")
                    stop.wait(0.05)
            except OSError:
                pass
            finally:
                conn.close()

        thread = threading.Thread(target=drip, daemon=True)
        thread.start()
        try:
            client = SMTPClient("127.0.0.1", listener.getsockname()[1], timeout=0.5)
            with pytest.raises(SMTPProtocolError) as exc:
                client.connect()
            assert exc.value.kind in ("timeout", "too_long")
        finally:
            stop.set()
            thread.join(5)
            listener.close()

    def test_starttls(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files)
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        client.connect()
        client.ehlo("probe.example.net")
        assert client.has_extension("STARTTLS")
        assert client.starttls().code == 220
        assert client.tls_version.startswith("TLS")
        assert client.tls_cipher
        assert client.extensions == []  # must EHLO again
        client.ehlo("probe.example.net")
        assert not client.has_extension("STARTTLS")
        assert client.command("MAIL FROM:<a@relay-probe.example.net>").code == 250
        client.quit()

    def test_starttls_refused(self, smtp_server):
        server = smtp_server("closed")
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        client.connect()
        client.ehlo("probe.example.net")
        with pytest.raises(SMTPProtocolError, match="refused STARTTLS") as exc:
            client.starttls()
        assert exc.value.kind == "tls"
        client.close()

    def test_starttls_plaintext_injection_detected(self, smtp_server):
        server = smtp_server("starttls_injection")
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        client.connect()
        client.ehlo("probe.example.net")
        with pytest.raises(SMTPProtocolError, match="data after its STARTTLS reply"):
            client.starttls()
        assert not client.connected


class TestTLSContext:
    # Loading the system's CA certificates costs about 16 ms of CPU per context; a probe's dozens of sessions
    # that do not check the certificate share one context without them.
    def test_sessions_that_do_not_verify_share_one_context_without_ca_certificates(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files, implicit_tls=True)
        contexts = []
        for dummy in range(2):
            client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
            assert client.connect(implicit_tls=True).code == 220
            contexts.append(client.sock.context)
            client.quit()
        assert contexts[0] is contexts[1] is client_context(False)
        assert contexts[0].verify_mode == ssl.CERT_NONE and not contexts[0].check_hostname
        assert contexts[0].cert_store_stats()["x509_ca"] == 0
        assert server.tls_handshakes == 2

    def test_a_verifying_session_still_refuses_a_certificate_nobody_signed(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files, implicit_tls=True)
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        with pytest.raises(SMTPProtocolError, match="CERTIFICATE_VERIFY_FAILED") as exc:
            client.connect(implicit_tls=True, verify=True)
        assert exc.value.kind == "tls"
        verifying = client_context(True)
        assert verifying is client_context(True) and verifying is not client_context(False)
        assert verifying.verify_mode == ssl.CERT_REQUIRED and verifying.check_hostname


class TestImplicitTLS:
    def test_greeting_is_read_over_tls(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files, implicit_tls=True)
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        banner = client.connect(implicit_tls=True)
        assert (banner.code, banner.text) == (220, "mx.example.org ESMTP Postfix")
        assert client.tls_version.startswith("TLS")
        assert client.tls_cipher
        client.ehlo("probe.example.net")
        assert not client.has_extension("STARTTLS")  # already encrypted
        assert client.command("MAIL FROM:<a@relay-probe.example.net>").code == 250
        client.quit()
        assert server.tls_handshakes == 1
        assert server.commands_only == ["EHLO probe.example.net", "MAIL FROM:<a@relay-probe.example.net>", "QUIT"]

    def test_plain_server_fails_the_handshake_cleanly(self, smtp_server):
        server = smtp_server("closed")
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        with pytest.raises(SMTPProtocolError, match="^TLS handshake failed: ") as exc:
            client.connect(implicit_tls=True)
        assert exc.value.kind == "tls"
        assert exc.value.handshake is True
        assert not client.connected
        assert client.tls_version is None and client.banner is None

    def test_proxy_header_goes_before_tls(self, smtp_server, tls_files):
        server = smtp_server("proxy", tls_files=tls_files, implicit_tls=True, proxy_wait=0.5)
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        header = "PROXY TCP4 127.0.0.1 127.0.0.1 40025 465"
        assert client.connect(preamble=header + "\r\n", implicit_tls=True).code == 220
        assert client.tls_version.startswith("TLS")
        client.quit()
        assert server.proxy_headers == [header]
        assert server.tls_handshakes == 1

    def test_plain_client_gets_no_greeting_from_an_implicit_tls_server(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files, implicit_tls=True)
        client = SMTPClient(server.host, server.port, timeout=0.3)
        with pytest.raises(SMTPProtocolError, match="timed out") as exc:
            client.connect()
        assert exc.value.kind == "timeout"
        assert exc.value.handshake is False

    def test_errors_outside_a_handshake_are_not_handshake_errors(self, smtp_server):
        server = smtp_server("closed")
        client = SMTPClient(server.host, server.port, timeout=TIMEOUT)
        client.connect()
        client.ehlo("probe.example.net")
        with pytest.raises(SMTPProtocolError) as exc:
            client.starttls()  # refused with 502: no handshake was tried
        assert exc.value.handshake is False
        client.close()
