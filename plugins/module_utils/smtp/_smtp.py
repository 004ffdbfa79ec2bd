# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small, bounded SMTP client for probing servers (stdlib only).

Every read is bounded: line length, number of lines per reply and the time
one step (connect, one reply, the TLS handshake) may take.  Replies are
decoded as ASCII with replacement and control characters are escaped, so
text coming from a hostile server can be returned to the user safely.
Commands containing CR, LF or NUL are refused, so callers cannot inject
extra commands.  Nothing here sends DATA.  TLS is negotiated with STARTTLS
(RFC 3207) or, for implicit TLS (SMTPS, port 465, RFC 8314), right after the
TCP connection is made and before the greeting is read.
"""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time

MAX_LINE_LENGTH = 4096
MAX_REPLY_LINES = 100
MAX_COMMAND_LENGTH = 2048
_RECV_SIZE = 4096

_REPLY_LINE_RE = re.compile(r"^([1-5][0-9][0-9])(?:([ -])(.*))?$", re.DOTALL)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_NAMED_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


_CONTEXTS = {}
_CONTEXTS_LOCK = threading.Lock()


def client_context(verify):
    """The TLS client context of this process for sessions that do (``verify``) or do not check the
    server's certificate, made once and shared (an SSLContext serves any number of connections and
    threads).

    Making a context with :func:`ssl.create_default_context` loads the system's CA certificates, about
    16 ms of CPU each time; a probe opens dozens of TLS sessions per host, so each used to pay it. A
    session that does not check the certificate gets a context without them: everything else (the
    protocol floor and ciphers of this OpenSSL) is what the default context has."""
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(bool(verify))
        if context is None:
            if verify:
                context = ssl.create_default_context()
            else:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            _CONTEXTS[bool(verify)] = context
        return context


class SMTPProtocolError(Exception):
    """The single error raised for network and protocol failures.

    ``kind`` is one of ``connect``, ``timeout``, ``disconnect``, ``refused``
    (a 421 instead of a greeting), ``garbage``, ``too_long``, ``tls`` or ``state``.  ``handshake`` is true when the error
    ended a TLS handshake (STARTTLS or implicit TLS) before it completed.
    """

    def __init__(self, message, kind="protocol", handshake=False):
        super().__init__(message)
        self.kind = kind
        self.handshake = handshake


class SMTPCommandError(ValueError):
    """A command was refused before sending (CR/LF/NUL, too long, not text)."""


def sanitize_text(text):
    """Return text with control characters replaced by visible escapes."""
    def _escape(match):
        char = match.group(0)
        return _NAMED_ESCAPES.get(char, "\\x%02x" % ord(char))
    return _CONTROL_RE.sub(_escape, text)


class SMTPReply:
    """One complete (possibly multi-line) SMTP reply."""

    def __init__(self, code, lines):
        self.code = code
        # message text of each line, without the code, already sanitised
        self.lines = list(lines)

    @property
    def text(self):
        """All lines' text joined with a space (never contains CR/LF)."""
        return " ".join(line for line in self.lines if line)

    @property
    def positive(self):
        """True for 2xx replies."""
        return 200 <= self.code < 300

    @property
    def is_error(self):
        """True for 4xx/5xx replies."""
        return 400 <= self.code < 600

    def __repr__(self):
        return "SMTPReply(%d, %r)" % (self.code, self.lines)

    def __str__(self):
        return "%d %s" % (self.code, self.text)


def format_target(host, port):
    """host:port for messages, with IPv6 addresses in brackets ([2001:db8::1]:25)."""
    host = str(host)
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host
    return "%s:%s" % (host, port)


def parse_ehlo_extensions(reply):
    """Return the extension lines of an EHLO reply (the greeting line dropped)."""
    if reply is None or not reply.positive:
        return []
    return [line.strip() for line in reply.lines[1:] if line.strip()]


def _describe_os_error(exc):
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return text


class SMTPClient:
    """Bounded SMTP client: connect (optionally over implicit TLS), read replies,
    send checked commands, STARTTLS."""

    def __init__(self, host, port=25, timeout=10.0, max_line_length=MAX_LINE_LENGTH,
                 max_reply_lines=MAX_REPLY_LINES):
        self.host = host
        self.port = port
        self.timeout = float(timeout)
        self.max_line_length = max_line_length
        self.max_reply_lines = max_reply_lines
        self.sock = None
        self._buffer = b""
        self.banner = None
        self.ehlo_reply = None
        self.extensions = []
        self.tls_version = None
        self.tls_cipher = None

    # -- connection -------------------------------------------------------
    @property
    def connected(self):
        """True while a socket is open."""
        return self.sock is not None

    def connect(self, preamble=None, implicit_tls=False, verify=False, server_hostname=None, context=None):
        """Open the TCP connection and return the server's greeting reply.

        ``preamble`` is one line sent before the greeting is read, such as a
        PROXY protocol header (checked like a command).  With ``implicit_tls``
        the connection is wrapped in TLS right after the preamble (a PROXY
        header precedes TLS) and before the greeting is read, as SMTPS on
        port 465 expects (RFC 8314); ``verify``, ``server_hostname`` and
        ``context`` are as for :meth:`starttls`.
        """
        if self.sock is not None:
            raise SMTPProtocolError("already connected", kind="state")
        data = self.check_command(preamble.rstrip("\r\n")) if preamble else None
        try:
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except socket.timeout:
            raise SMTPProtocolError("connection timed out after %ss" % self.timeout, kind="connect") from None
        except socket.gaierror as exc:
            raise SMTPProtocolError("name resolution failed: %s" % _describe_os_error(exc), kind="connect") from exc
        except OSError as exc:
            raise SMTPProtocolError("connection failed: %s" % _describe_os_error(exc), kind="connect") from exc
        self._buffer = b""
        if data:
            self._send(data)
        if implicit_tls:
            self._handshake(verify, server_hostname, context)
        self.banner = self.read_reply()
        return self.banner

    def close(self):
        """Close the socket without saying goodbye (never raises)."""
        sock, self.sock = self.sock, None
        self._buffer = b""
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def quit(self):
        """Send QUIT, read the reply if it comes, and close (never raises)."""
        reply = None
        if self.sock is not None:
            try:
                reply = self.command("QUIT")
            except SMTPProtocolError:
                reply = None
        self.close()
        return reply

    def _fail(self, message, kind, handshake=False):
        self.close()
        return SMTPProtocolError(message, kind=kind, handshake=handshake)

    # -- reading ------------------------------------------------------------
    def _recv(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._fail("timed out after %ss waiting for the server's reply" % self.timeout, "timeout")
        try:
            self.sock.settimeout(remaining)
            data = self.sock.recv(_RECV_SIZE)
        except socket.timeout:
            raise self._fail("timed out after %ss waiting for the server's reply" % self.timeout, "timeout") from None
        except ssl.SSLError as exc:
            raise self._fail("TLS error while reading: %s" % exc, "tls") from exc
        except (ConnectionResetError, ConnectionAbortedError) as exc:
            raise self._fail("connection closed by the server (%s)" % _describe_os_error(exc), "disconnect") from exc
        except OSError as exc:
            raise self._fail("connection lost while reading: %s" % _describe_os_error(exc), "disconnect") from exc
        if not data:
            raise self._fail("connection closed by the server", "disconnect")
        return data

    def _read_line(self, deadline):
        while True:
            pos = self._buffer.find(b"\n")
            if pos >= 0:
                line = self._buffer[:pos]
                self._buffer = self._buffer[pos + 1:]
                if line.endswith(b"\r"):
                    line = line[:-1]
                if len(line) > self.max_line_length:
                    raise self._fail("reply line too long (more than %d bytes)" % self.max_line_length, "too_long")
                return line
            if len(self._buffer) > self.max_line_length + 1:
                raise self._fail("reply line too long (more than %d bytes)" % self.max_line_length, "too_long")
            self._buffer += self._recv(deadline)

    def read_reply(self):
        """Read one complete reply; raise SMTPProtocolError on any problem."""
        if self.sock is None:
            raise SMTPProtocolError("not connected", kind="state")
        deadline = time.monotonic() + self.timeout
        code = None
        lines = []
        while True:
            if len(lines) >= self.max_reply_lines:
                raise self._fail("reply has too many lines (more than %d)" % self.max_reply_lines, "too_long")
            raw = self._read_line(deadline)
            text = raw.decode("ascii", errors="replace")
            match = _REPLY_LINE_RE.match(text)
            if match is None:
                raise self._fail("garbage reply (no 3-digit SMTP code): %r"
                                 % sanitize_text(text[:80]), "garbage")
            line_code = int(match.group(1))
            if code is not None and line_code != code:
                raise self._fail("garbage reply (code changed from %s to %s inside one reply)"
                                 % (code, line_code), "garbage")
            code = line_code
            lines.append(sanitize_text(match.group(3) or ""))
            if match.group(2) != "-":
                return SMTPReply(code, lines)

    # -- writing ------------------------------------------------------------
    @staticmethod
    def check_command(command):
        """Return the command as bytes with CRLF, or raise SMTPCommandError."""
        if not isinstance(command, str):
            raise SMTPCommandError("SMTP command must be text, got %s" % type(command).__name__)
        if "\r" in command or "\n" in command or "\x00" in command:
            raise SMTPCommandError("refusing to send an SMTP command containing CR, LF or NUL: %r" % command)
        if not command.strip():
            raise SMTPCommandError("refusing to send an empty SMTP command")
        try:
            data = command.encode("ascii")
        except UnicodeEncodeError:
            raise SMTPCommandError("refusing to send a non-ASCII SMTP command: %r" % command) from None
        if len(data) > MAX_COMMAND_LENGTH:
            raise SMTPCommandError("refusing to send an SMTP command longer than %d bytes" % MAX_COMMAND_LENGTH)
        return data + b"\r\n"

    def send_command(self, command):
        """Send one checked command line."""
        self._send(self.check_command(command))

    def _send(self, data):
        if self.sock is None:
            raise SMTPProtocolError("not connected", kind="state")
        try:
            self.sock.settimeout(self.timeout)
            self.sock.sendall(data)
        except socket.timeout:
            raise self._fail("timed out after %ss sending a command" % self.timeout, "timeout") from None
        except ssl.SSLError as exc:
            raise self._fail("TLS error while sending: %s" % exc, "tls") from exc
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError) as exc:
            raise self._fail("connection closed by the server (%s)" % _describe_os_error(exc), "disconnect") from exc
        except OSError as exc:
            raise self._fail("connection lost while sending: %s" % _describe_os_error(exc), "disconnect") from exc

    def command(self, command):
        """Send a command and return its reply."""
        self.send_command(command)
        return self.read_reply()

    # -- SMTP verbs ---------------------------------------------------------
    def ehlo(self, name):
        """Send EHLO and remember the extension list."""
        reply = self.command("EHLO %s" % name)
        self.ehlo_reply = reply
        self.extensions = parse_ehlo_extensions(reply)
        return reply

    def helo(self, name):
        """Send HELO (no extensions)."""
        reply = self.command("HELO %s" % name)
        self.ehlo_reply = None
        self.extensions = []
        return reply

    def has_extension(self, name):
        """True if the last EHLO listed the extension keyword ``name``."""
        wanted = name.upper()
        for ext in self.extensions:
            parts = ext.split(None, 1)
            if parts and parts[0].upper() == wanted:
                return True
        return False

    def starttls(self, verify=False, server_hostname=None, context=None):
        """Issue STARTTLS and do the handshake; return the 220 reply.

        Without ``verify`` the certificate is not checked (probing
        self-signed servers is normal).  The negotiated protocol and cipher
        are stored in ``tls_version`` and ``tls_cipher``.  EHLO must be sent
        again afterwards (RFC 3207).
        """
        reply = self.command("STARTTLS")
        if reply.code != 220:
            raise SMTPProtocolError("server refused STARTTLS: %s" % reply, kind="tls")
        if self._buffer:
            # plaintext sent after the 220 would be processed as if it came over TLS
            raise self._fail("server sent data after its STARTTLS reply (possible command injection)", "tls")
        self._handshake(verify, server_hostname, context)
        self.ehlo_reply = None
        self.extensions = []
        return reply

    def _handshake(self, verify, server_hostname, context):
        """Wrap the socket in TLS as the client; remember the protocol and cipher."""
        if context is None:
            context = client_context(verify)
        try:
            self.sock.settimeout(self.timeout)
            self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname or self.host)
        except socket.timeout:
            raise self._fail("TLS handshake timed out after %ss" % self.timeout, "timeout", handshake=True) from None
        except ssl.SSLError as exc:
            raise self._fail("TLS handshake failed: %s" % exc, "tls", handshake=True) from exc
        except OSError as exc:
            raise self._fail("connection lost during the TLS handshake: %s" % _describe_os_error(exc),
                             "disconnect", handshake=True) from exc
        self.tls_version = self.sock.version()
        cipher = self.sock.cipher()
        self.tls_cipher = cipher[0] if cipher else None
