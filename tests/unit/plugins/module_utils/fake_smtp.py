# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Threaded fake SMTP servers on 127.0.0.1 for the relay_probe unit tests.

Behaviours:

* ``closed``: Postfix-like; ``554 5.7.1 ... Relay access denied`` for any
  recipient not plainly ``@local_domain``; unknown local users get 550 5.1.1;
  VRFY and EXPN get 502.
* ``open``: accepts every recipient.
* ``percent_hack_only``: accepts only recipients containing ``%``, else closed.
* ``tarpit``: closed, but after ``soft_limit`` (10) error replies on one
  connection sleeps ``tarpit_delay`` before each reply and drops the
  connection at ``hard_limit`` (20) errors, like Postfix.
* ``auth_required``: ``530 5.7.0 Authentication required`` on MAIL.
* ``tls_required``: ``530 5.7.0 Must issue a STARTTLS command first`` on MAIL
  until STARTTLS was done, like Postfix with ``smtpd_tls_security_level =
  encrypt``; closed afterwards.
* ``garbage``: non-SMTP replies from command number ``after`` + 1 on
  (``after=0``: the banner itself is garbage).
* ``banner_injection``: greeting with CR, NUL, BEL, ANSI escapes and
  ``<script>`` markup; closed afterwards.
* ``early_disconnect``: answers ``after`` commands per connection, then
  closes (``after=0``: right after the banner).
* ``endless_line``: from command ``after`` + 1 on (``after=0``: as the banner)
  streams one reply line that never ends.
* ``endless_lines``: same, but an endless stream of ``250-`` continuation lines.
* ``starttls_injection``: answers STARTTLS with ``220`` plus a pipelined
  plaintext reply in the same packet.
* ``xclient``: closed, but offers XCLIENT to everyone; after
  ``XCLIENT ... ADDR=127.0.0.1`` (or the server's own address) it greets
  again and relays, like Postfix with ``smtpd_authorized_xclient_hosts``
  too wide.
* ``xforward``: closed and offers XFORWARD, which (as in Postfix) only
  changes what is logged, never who may relay.
* ``anonymous_auth``: closed, but offers ``AUTH ANONYMOUS`` and relays for
  anyone who uses it.
* ``proxy``: wants a PROXY protocol v1 header before it greets (after
  ``proxy_wait`` seconds of silence it says ``421 4.3.0 ... Server local
  error`` and closes, as Postfix does) and relays when
  the header claims a loopback client, like Postfix with
  ``smtpd_upstream_proxy_protocol = haproxy``.

* ``dribble``: a greeting tarpit, sends its 220 line one byte every
  ``tarpit_delay`` seconds, as greet-delay tarpits do.
* ``http``: not a mail server: silent until a request line comes, then
  answers ``HTTP/1.1 400 Bad Request`` and closes, as a web server on a
  mail port would.

``relay_reply`` replaces the closed server's refusal for non-local recipients
(``{addr}`` is the recipient), to imitate refusals for other reasons.

Any behaviour offers STARTTLS when ``tls_files=(certfile, keyfile)`` is given.
With ``implicit_tls=True`` (and ``tls_files``) every accepted connection is
wrapped in TLS before the greeting (after the PROXY header for ``proxy``), as
SMTPS on port 465 does; STARTTLS is then not offered.
``auth=("PLAIN", "LOGIN")`` adds ``AUTH PLAIN LOGIN`` to the EHLO reply, only
over TLS when ``auth_before_tls=False`` (Postfix ``smtpd_tls_auth_only``).
The server records ``connections``, ``commands``, ``max_errors`` (highest
number of error replies on one connection) and ``data_seen``.
"""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time
import warnings

BEHAVIOURS = (
    "closed", "open", "percent_hack_only", "tarpit", "auth_required", "tls_required", "garbage",
    "banner_injection", "early_disconnect", "endless_line", "endless_lines", "starttls_injection",
    "xclient", "xforward", "anonymous_auth", "proxy", "rate_limited", "dribble", "http",
)
TRUSTED_CLAIMS = ("127.0.0.1", "IPV6:::1")

INJECTION_BANNER = (
    b"220-mx.evil.example ESMTP \x1b[2J\x1b[31m<script>alert('relay')</script>\x1b[0m\r\n"
    b"220 ok\rRCPT TO:<victim@example.com>\x00\x07 ESMTP\r\n"
)

_ADDR_RE = re.compile(r"^(MAIL FROM|RCPT TO):\s*<(.*)>\s*$", re.IGNORECASE)


class _Closed(Exception):
    pass


class _Conn:
    """Line I/O over a socket that gives up when the server stops."""

    def __init__(self, sock, stop, idle_timeout=10.0):
        self.sock = sock
        self.stop = stop
        self.idle_timeout = idle_timeout
        self.buf = b""

    def readline(self, bytewise=False):
        """One line; ``bytewise`` reads no byte past it (what follows a PROXY header may be TLS)."""
        deadline = time.monotonic() + self.idle_timeout
        while b"\n" not in self.buf:
            if self.stop.is_set() or time.monotonic() > deadline or len(self.buf) > 65536:
                raise _Closed()
            try:
                data = self.sock.recv(1 if bytewise else 4096)
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError):
                raise _Closed() from None
            if not data:
                raise _Closed()
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("latin-1")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        view = memoryview(data)
        while view:
            if self.stop.is_set():
                raise _Closed()
            try:
                sent = self.sock.send(view)
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError):
                raise _Closed() from None
            view = view[sent:]


class FakeSMTPServer:
    """A small threaded SMTP server bound to HOST (a loopback address, 127.0.0.1 by default) on PORT
    (0: a free port)."""

    def __init__(self, behaviour="closed", hostname="mx.example.org", local_domain="example.org",
                 users=("postmaster", "alice"), after=0, tls_files=None, extra_ehlo=(),
                 soft_limit=10, hard_limit=20, tarpit_delay=2.0, relay_reply=None, proxy_wait=1.0,
                 implicit_tls=False, auth=(), auth_before_tls=True, tls_versions=None, host="127.0.0.1", port=0):
        if behaviour not in BEHAVIOURS:
            raise ValueError("unknown behaviour %r" % behaviour)
        if implicit_tls and not tls_files:
            raise ValueError("implicit_tls needs tls_files")
        self.behaviour = behaviour
        self.hostname = hostname
        self.local_domain = local_domain.lower()
        self.users = set(u.lower() for u in users)
        self.after = after
        self.tls_files = tls_files
        self.extra_ehlo = list(extra_ehlo)
        self.soft_limit = soft_limit
        self.hard_limit = hard_limit
        self.tarpit_delay = tarpit_delay
        self.relay_reply = relay_reply
        self.proxy_wait = proxy_wait
        self.proxy_headers = []
        self.implicit_tls = implicit_tls
        self.auth = list(auth)
        self.auth_before_tls = auth_before_tls
        self.tls_versions = tls_versions  # (lowest, highest) ssl.TLSVersion names, None for OpenSSL's defaults
        self.tls_handshakes = 0  # completed TLS handshakes (STARTTLS or implicit)

        self.host = host
        self.port = port
        self.connections = 0
        self.commands = []
        self.max_errors = 0
        self.data_seen = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._listener = None
        self._threads = []
        self._socks = []

    # -- lifecycle ------------------------------------------------------------
    def start(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((self.host, self.port))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        thread = threading.Thread(target=self._accept_loop, name="fake-smtp-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self):
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            try:
                sock.close()
            except OSError:
                pass
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_until_served(self, timeout=5.0):
        """Wait until each connection accepted so far is served to its end (the client has closed it): a test
        that reads what the server saw after the client gave up must not race the threads that read it."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads[1:]):
            thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def commands_only(self):
        return [line for dummy, line in self.commands]

    # -- serving --------------------------------------------------------------
    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                sock = self._listener.accept()[0]
            except socket.timeout:
                continue
            except OSError:
                return
            sock.settimeout(0.1)
            with self._lock:
                self.connections += 1
                number = self.connections
                self._socks.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, number), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock, number):
        conn = _Conn(sock, self._stop)
        state = dict(number=number, errors=0, commands=0, ehlo=False, mail=False, tls=False, trusted=False)
        try:
            if self.behaviour == "proxy":
                conn.idle_timeout = self.proxy_wait
                try:
                    header = conn.readline(bytewise=True)
                except _Closed:
                    header = ""  # silence
                conn.idle_timeout = 10.0
                with self._lock:
                    self.proxy_headers.append(header)
                parts = header.split()
                if len(parts) != 6 or parts[0] != "PROXY":
                    # what Postfix says when the header does not come in time
                    conn.send("421 4.3.0 %s Server local error\r\n" % self.hostname)
                    raise _Closed()
                state["trusted"] = parts[2] in ("127.0.0.1", "::1")
            if self.implicit_tls:
                if conn.buf:
                    # bytes after the PROXY header were meant for TLS; a real server would fail too
                    conn.send("421 4.3.0 %s Server local error\r\n" % self.hostname)
                    raise _Closed()
                self._start_tls(conn, state)
            self._greet(conn)
            while not self._stop.is_set():
                line = conn.readline()
                state["commands"] += 1
                with self._lock:
                    self.commands.append((number, line))
                if not self._handle(conn, state, line):
                    break
        except _Closed:
            pass
        finally:
            try:
                conn.sock.close()
            except OSError:
                pass

    def _start_tls(self, conn, state):
        """Wrap the connection in TLS as the server (STARTTLS or implicit TLS)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*self.tls_files)
        if self.tls_versions:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # old versions are offered on purpose
                lowest, highest = (getattr(ssl.TLSVersion, v) for v in self.tls_versions)
                if lowest < ssl.TLSVersion.TLSv1_2:
                    context.set_ciphers("ALL:@SECLEVEL=0")
                context.minimum_version, context.maximum_version = lowest, highest
        try:
            conn.sock.settimeout(5)
            conn.sock = context.wrap_socket(conn.sock, server_side=True)
            conn.sock.settimeout(0.1)
        except (OSError, ssl.SSLError):
            raise _Closed() from None
        with self._lock:
            self._socks.append(conn.sock)
            self.tls_handshakes += 1
        conn.buf = b""
        state.update(tls=True, ehlo=False, mail=False)

    def _stream_forever(self, conn, prefix, chunk):
        conn.send(prefix)
        while not self._stop.is_set():
            conn.send(chunk)
        raise _Closed()

    def _greet(self, conn):
        if self.behaviour == "dribble":
            for byte in ("220 %s ESMTP\r\n" % self.hostname).encode():
                conn.send(bytes([byte]))
                if self._stop.wait(self.tarpit_delay):
                    raise _Closed()
            return
        if self.behaviour == "http":
            conn.readline()
            conn.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            raise _Closed()
        if self.behaviour == "rate_limited":  # Postfix anvil: smtpd_client_connection_rate_limit exceeded
            conn.send("421 4.7.0 %s Error: too many connections from 127.0.0.1\r\n" % self.hostname)
            raise _Closed()
        if self.after == 0:
            if self.behaviour == "garbage":
                conn.send(b"HELLO THERE, this is not an SMTP server\r\n")
                return
            if self.behaviour == "early_disconnect":
                conn.send("220 %s ESMTP Postfix\r\n" % self.hostname)
                raise _Closed()
            if self.behaviour == "endless_line":
                self._stream_forever(conn, b"220 ", b"A" * 4096)
            if self.behaviour == "endless_lines":
                self._stream_forever(conn, b"", b"220-still greeting you\r\n" * 64)
        if self.behaviour == "banner_injection":
            conn.send(INJECTION_BANNER)
            return
        conn.send("220 %s ESMTP Postfix\r\n" % self.hostname)

    def _reply(self, conn, state, text):
        if self.behaviour == "tarpit" and state["errors"] >= self.soft_limit:
            self._stop.wait(self.tarpit_delay)
        conn.send(text + "\r\n")
        last = text.rsplit("\r\n", 1)[-1]
        if last[:1] in ("4", "5"):
            state["errors"] += 1
            with self._lock:
                self.max_errors = max(self.max_errors, state["errors"])
        if self.behaviour == "tarpit" and state["errors"] >= self.hard_limit:
            conn.send("421 4.7.0 %s Error: too many errors\r\n" % self.hostname)
            raise _Closed()

    def _ehlo_lines(self, state):
        lines = [self.hostname, "PIPELINING", "SIZE 10240000", "ETRN"]
        if self.tls_files and not state["tls"] or self.behaviour == "starttls_injection":
            lines.append("STARTTLS")
        if self.behaviour == "auth_required":
            lines.append("AUTH PLAIN LOGIN")
        if self.auth and (state["tls"] or self.auth_before_tls):
            lines.append("AUTH %s" % " ".join(self.auth))
        if self.behaviour == "anonymous_auth":
            lines.append("AUTH PLAIN ANONYMOUS")
        if self.behaviour == "xclient":
            lines.append("XCLIENT NAME ADDR PROTO HELO")
        if self.behaviour == "xforward":
            lines.append("XFORWARD NAME ADDR PROTO HELO")
        lines.extend(self.extra_ehlo)
        lines.extend(["ENHANCEDSTATUSCODES", "8BITMIME", "DSN"])
        return "\r\n".join(
            "250%s%s" % ("-" if i < len(lines) - 1 else " ", line) for i, line in enumerate(lines))

    def _is_local(self, address):
        localpart, sep, domain = address.rpartition("@")
        if not sep or not localpart or domain.lower() != self.local_domain:
            return False
        return not any(c in localpart for c in '@%!":') and not address.startswith("@")

    def _rcpt_decision(self, address, state):
        if self.behaviour == "open" or state["trusted"]:
            return "250 2.1.5 Ok"
        if self.behaviour == "percent_hack_only" and "%" in address:
            return "250 2.1.5 Ok"
        if self._is_local(address):
            if address.rpartition("@")[0].lower() in self.users:
                return "250 2.1.5 Ok"
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown in local recipient table" % address
        if self.relay_reply:
            return self.relay_reply.format(addr=address)
        return "554 5.7.1 <%s>: Relay access denied" % address

    def _handle(self, conn, state, line):
        """Answer one command; return False to end the connection."""
        if self.behaviour == "early_disconnect" and state["commands"] > self.after:
            return False
        if self.behaviour == "garbage" and state["commands"] > self.after:
            conn.send(b"?? what do you mean\r\n")
            return True
        if self.behaviour == "endless_line" and state["commands"] > self.after:
            self._stream_forever(conn, b"250 ", b"B" * 4096)
        if self.behaviour == "endless_lines" and state["commands"] > self.after:
            self._stream_forever(conn, b"", b"250-more\r\n" * 64)

        verb = line.split(" ", 1)[0].upper()
        arg = line[len(verb):].strip()
        if verb in ("EHLO", "HELO"):
            if not arg:
                self._reply(conn, state, "501 5.5.4 Syntax: %s hostname" % verb)
                return True
            state["ehlo"] = True
            state["mail"] = False
            self._reply(conn, state, self._ehlo_lines(state) if verb == "EHLO" else "250 %s" % self.hostname)
        elif verb == "STARTTLS":
            if self.behaviour == "starttls_injection":
                conn.send(b"220 2.0.0 Ready to start TLS\r\n250 injected plaintext\r\n")
                return True
            if not self.tls_files or state["tls"]:
                self._reply(conn, state, "502 5.5.1 Error: command not implemented")
                return True
            conn.send(b"220 2.0.0 Ready to start TLS\r\n")
            self._start_tls(conn, state)
        elif verb == "RSET":
            state["mail"] = False
            self._reply(conn, state, "250 2.0.0 Ok")
        elif verb == "NOOP":
            self._reply(conn, state, "250 2.0.0 Ok")
        elif verb == "MAIL":
            if not state["ehlo"]:
                self._reply(conn, state, "503 5.5.1 Error: send HELO/EHLO first")
            elif state["mail"]:
                self._reply(conn, state, "503 5.5.1 Error: nested MAIL command")
            elif self.behaviour == "auth_required":
                self._reply(conn, state, "530 5.7.0 Authentication required")
            elif self.behaviour == "tls_required" and not state["tls"]:
                self._reply(conn, state, "530 5.7.0 Must issue a STARTTLS command first")
            elif not _ADDR_RE.match(line):
                self._reply(conn, state, "501 5.1.7 Bad sender address syntax")
            else:
                state["mail"] = True
                self._reply(conn, state, "250 2.1.0 Ok")
        elif verb == "RCPT":
            match = _ADDR_RE.match(line)
            if not state["mail"]:
                self._reply(conn, state, "503 5.5.1 Error: need MAIL command")
            elif not match:
                self._reply(conn, state, "501 5.1.3 Bad recipient address syntax")
            else:
                self._reply(conn, state, self._rcpt_decision(match.group(2), state))
        elif verb == "DATA":
            self.data_seen = True
            self._reply(conn, state, "554 5.5.1 Error: no valid recipients")
        elif verb == "VRFY":
            self._reply(conn, state, "502 5.5.1 VRFY command is disabled")
        elif verb == "XCLIENT" and self.behaviour == "xclient":
            claimed = dict(item.split("=", 1) for item in arg.split() if "=" in item)
            state.update(ehlo=False, mail=False,
                         trusted=claimed.get("ADDR") in TRUSTED_CLAIMS + (self.host,))
            self._reply(conn, state, "220 %s ESMTP Postfix" % self.hostname)
        elif verb == "XFORWARD" and self.behaviour == "xforward":
            self._reply(conn, state, "250 2.0.0 Ok")
        elif verb == "AUTH" and self.behaviour == "anonymous_auth":
            if arg.split()[:1] == ["ANONYMOUS"]:
                state["trusted"] = True
                self._reply(conn, state, "235 2.7.0 Authentication successful")
            else:
                self._reply(conn, state, "535 5.7.8 Error: authentication failed")
        elif verb == "QUIT":
            self._reply(conn, state, "221 2.0.0 Bye")
            return False
        else:
            self._reply(conn, state, "500 5.5.2 Error: command not recognized")
        return True


def free_port():
    """A TCP port nothing listens on at 127.0.0.1 now (the same port is free on other loopback addresses)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_self_signed_cert(directory, hostname="mx.example.org"):
    """Write cert.pem/key.pem into directory; return (certfile, keyfile) or None.

    Uses the ``cryptography`` package if importable, else the ``openssl`` CLI
    (list arguments, no shell).  Returns None if neither works.
    """
    import os
    certfile = os.path.join(str(directory), "cert.pem")
    keyfile = os.path.join(str(directory), "key.pem")
    try:
        import datetime
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        x509 = None
    if x509 is not None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .sign(key, hashes.SHA256())
        )
        with open(keyfile, "wb") as handle:
            handle.write(key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ))
        with open(certfile, "wb") as handle:
            handle.write(cert.public_bytes(serialization.Encoding.PEM))
        return certfile, keyfile

    import shutil
    import subprocess
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cmd = [
        openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "1", "-subj", "/CN=%s" % hostname,
        "-keyout", keyfile, "-out", certfile,
    ]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return certfile, keyfile
