# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Open HTTP proxies that reach port 25: one bounded CONNECT exchange per proxy port, and its class.

An open proxy beside a mail server lets anyone send mail that appears to come from inside the campus.
The sweep asks every listener on its proxy ports for a tunnel to port 25 of a target
(``CONNECT TARGET:25 HTTP/1.1`` and a Host header), reads the status line and, where the proxy says
2xx, the greeting that comes through the tunnel; then it sends ``QUIT`` and closes. Nothing else is
ever sent through a tunnel. Every read is bounded in size (line length, header count) and in time
(one deadline for the proxy's answer, one for the greeting), so a slow drip ends at the deadline.

Classes (``CLASSES``):

* ``open_proxy``: the tunnel carried an SMTP greeting (220, or a 421/554 refusal, which is a mail
  server answering too): the proxy reaches port 25.
* ``refused``: 403 or 407: the proxy refuses this client a tunnel to port 25.
* ``inconclusive``: 2xx but no SMTP greeting came through; 500, 502, 503 or 504 (the proxy may have
  tried and failed to reach the target); or silence after the request.
* ``not_proxy``: anything else: an answer that is not HTTP (an SMTP or SSH banner, binary, an
  HTTP/0.9 body, a line too long, the connection closed), or an HTTP status that is no tunnel
  (400, 404, 405, 501, ...).

The network I/O is two small functions, ``open_connection`` and the socket it returns; ``check_proxy``
takes the first as a parameter and ``exchange`` works on any object with ``sendall``, ``recv``,
``settimeout`` and ``close``, so the tests replace both.
"""

from __future__ import annotations

import re
import socket
import time

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._smtp import (
    MAX_LINE_LENGTH,
    MAX_REPLY_LINES,
    format_target,
    sanitize_text,
)

# The ports HTTP proxies commonly listen on: squid's 3128, the alternative HTTP port 8080, tinyproxy's 8888.
DEFAULT_PORTS = (3128, 8080, 8888)
SMTP_PORT = 25
OPEN, REFUSED, INCONCLUSIVE, NOT_PROXY = "open_proxy", "refused", "inconclusive", "not_proxy"
CLASSES = (OPEN, REFUSED, INCONCLUSIVE, NOT_PROXY)
# The classes of a listener that is, or may be, a proxy: their addresses are judged on their own.
PROXY_LIKE = (OPEN, REFUSED, INCONCLUSIVE)
REFUSING = (403, 407)            # Forbidden (an ACL, a port not allowed), Proxy Authentication Required
GATEWAY_FAILURES = (500, 502, 503, 504)  # the proxy may have tried to reach the target and failed
GREETING_CODES = (220, 421, 554)  # RFC 5321 §3.1, §4.3.2: what a server may say first
MAX_HEADER_LINES = 100
SHOWN_LENGTH = 200
_RECV_SIZE = 4096
_STATUS_LINE = re.compile(r"^HTTP/([0-9])\.([0-9]) +([0-9]{3})(?: +(.*))?\Z", re.DOTALL)
_REPLY_LINE = re.compile(r"^([1-5][0-9][0-9])(?:([ -])(.*))?\Z", re.DOTALL)


class _Stop(Exception):
    """The peer ended a read: ``kind`` is timeout, closed, too_long or broken."""

    def __init__(self, kind, text):
        super().__init__(text)
        self.kind = kind


def shown(data):
    """Bytes from a peer as one line of safe text: ASCII with replacement, control characters escaped, clipped."""
    text = sanitize_text(data.decode("ascii", errors="replace"))
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH] + "..."


def tunnel_end(target, port=SMTP_PORT):
    """ADDRESS:PORT (IPv6 in brackets) of the tunnel's far end, TARGET read by the input layer."""
    return format_target(_inputs.address(str(target), "proxy_target").compressed, port)


def connect_request(where):
    """The CONNECT request for a tunnel to WHERE (``tunnel_end``), with the Host header HTTP/1.1 requires."""
    return ("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (where, where)).encode("ascii")


def parse_status(line):
    """(code, text) of an HTTP/1.x status line (bytes, without its line end), or None."""
    match = _STATUS_LINE.match(line.decode("ascii", errors="replace"))
    if match is None:
        return None
    return int(match.group(3)), shown(line)


def status_class(code):
    """The class an HTTP status CODE gives a proxy before any tunnel is read (2xx: None, read the tunnel)."""
    if 200 <= code < 300:
        return None
    if code in REFUSING:
        return REFUSED
    if code in GATEWAY_FAILURES:
        return INCONCLUSIVE
    return NOT_PROXY


class _Reader(object):
    """Bounded line reads from a socket-like object, each against a deadline."""

    def __init__(self, sock, timeout):
        self.sock = sock
        self.timeout = timeout
        self.buffer = b""

    def _recv(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Stop("timeout", "no complete line within %ss" % self.timeout)
        try:
            self.sock.settimeout(remaining)
            data = self.sock.recv(_RECV_SIZE)
        except socket.timeout:
            raise _Stop("timeout", "no complete line within %ss" % self.timeout) from None
        except OSError as error:
            raise _Stop("broken", "the connection broke: %s" % (error.strerror or type(error).__name__)) from None
        if not data:
            raise _Stop("closed", "the connection was closed")
        return data

    def line(self, deadline, limit=MAX_LINE_LENGTH):
        """One line without its end (LF or CRLF)."""
        while True:
            end = self.buffer.find(b"\n")
            if end > limit + 1 or (end < 0 and len(self.buffer) > limit + 1):
                raise _Stop("too_long", "a line longer than %d bytes" % limit)
            if end >= 0:
                line, self.buffer = self.buffer[:end], self.buffer[end + 1:]
                return line[:-1] if line.endswith(b"\r") else line
            self.buffer += self._recv(deadline)

    def greeting(self, deadline):
        """(code, first line) of the SMTP reply that comes first, or raise _Stop("garbage", ...)."""
        code, first = None, None
        for _number in range(MAX_REPLY_LINES):
            raw = self.line(deadline)
            match = _REPLY_LINE.match(raw.decode("ascii", errors="replace"))
            if match is None or (code is not None and int(match.group(1)) != code):
                raise _Stop("garbage", "%s, not an SMTP reply" % _quoted(raw))
            code, first = int(match.group(1)), first or shown(raw)
            if match.group(2) != "-":
                return code, first
        raise _Stop("too_long", "a reply of more than %d lines" % MAX_REPLY_LINES)


def _quoted(raw):
    return "'%s'" % shown(raw) if raw else "an empty line"


def outcome(cls, where, status=None, greeting=None, detail=""):
    """One proxy port's result: its class, the tunnel's target, the status line, the greeting's first line, a detail."""
    return {"class": cls, "target": where, "status": status, "greeting": greeting, "detail": detail}


def _no_status(stop, reader, where, timeout):
    """The class of a listener that gave no complete HTTP status line."""
    if stop.kind == "timeout" and b"HTTP/".startswith(reader.buffer[:5]):
        return outcome(INCONCLUSIVE, where, detail="sent no HTTP status line within %ss of the request for a tunnel to "
                                                   "%s: a proxy still trying to reach it, or a silent service"
                                                   % (timeout, where))
    sent = (": %s" % _quoted(reader.buffer)) if reader.buffer else ""
    return outcome(NOT_PROXY, where, detail="gave no HTTP status line (%s)%s" % (stop, sent))


def exchange(sock, target, timeout, port=SMTP_PORT):
    """Ask the proxy on SOCK for a tunnel to TARGET:PORT and judge what comes back (``outcome``).

    Never raises for anything the peer sends; the socket is closed on return. Through a tunnel only
    ``QUIT`` is sent, after the greeting."""
    where = tunnel_end(target, port)
    request = connect_request(where)
    reader = _Reader(sock, timeout)
    try:
        try:
            sock.settimeout(timeout)
            sock.sendall(request)
        except OSError as error:
            return outcome(NOT_PROXY, where, detail="the request could not be sent: %s"
                           % (error.strerror or type(error).__name__))
        deadline = time.monotonic() + timeout
        try:
            first = reader.line(deadline)
        except _Stop as stop:
            return _no_status(stop, reader, where, timeout)
        status = parse_status(first)
        if status is None:
            return outcome(NOT_PROXY, where, detail="answered %s, not an HTTP status line" % _quoted(first))
        code, line = status
        cls = status_class(code)
        if cls is not None:
            verb = {REFUSED: "refuses a tunnel to %s", INCONCLUSIVE: "did not open a tunnel to %s",
                    NOT_PROXY: "opens no tunnel to %s"}[cls] % where
            return outcome(cls, where, line, detail="%s: %s" % (verb, line))
        try:
            for _number in range(MAX_HEADER_LINES):
                if not reader.line(deadline):
                    break
            else:
                raise _Stop("too_long", "more than %d header lines" % MAX_HEADER_LINES)
            code, greeting = reader.greeting(time.monotonic() + timeout)
        except _Stop as stop:
            return outcome(INCONCLUSIVE, where, line, detail="answered %s to CONNECT %s, but no SMTP greeting came "
                                                             "through (%s)" % (line, where, stop))
        if code not in GREETING_CODES:
            return outcome(INCONCLUSIVE, where, line, detail="answered %s to CONNECT %s, then %s, which is no greeting"
                                                             % (line, where, greeting))
        try:
            sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
        return outcome(OPEN, where, line, greeting, "tunnels to %s (%s): %s" % (where, line, greeting))
    finally:
        try:
            sock.close()
        except OSError:
            pass


def open_connection(address, port, timeout):
    """A TCP connection to ADDRESS:PORT (the network I/O; tests replace it)."""
    return socket.create_connection((address, port), timeout=timeout)


def check_proxy(address, port, target, timeout, connect=open_connection):
    """(the result of one proxy port, None), or (None, why) when nothing answers there any more.

    The result is ``outcome`` with ADDRESS and PORT; TARGET is the address whose port 25 the tunnel is
    asked for (None: ADDRESS itself)."""
    target = target or address
    try:
        sock = connect(address, port, timeout)
    except socket.timeout:
        return None, "no answer within %ss" % timeout
    except OSError as error:
        return None, error.strerror or str(error)
    found = exchange(sock, target, timeout)
    found.update(address=address, port=port)
    return found, None


def default_target(entries, excluded=()):
    """The first address of the registry ENTRIES approved for port 25 and not in EXCLUDED (networks), or None:
    the sweep then asks each proxy for its own address's port 25."""
    for entry in entries:
        if SMTP_PORT not in (entry.get("ports") or []):
            continue
        for text in entry.get("addresses") or []:
            parsed = _inputs.address(text, "registry address")
            if not any(parsed.version == network.version and parsed in network for network in excluded):
                return parsed.compressed
    return None


def read_options(proxy_ports, proxy_target, ports, excluded=()):
    """The proxy options read by the input layer: (problems, each naming the option; the proxy ports; the target
    address or None). PORTS are the mail ports of the sweep, EXCLUDED the networks it must not touch."""
    problems, parsed_ports, target = [], (), None
    try:
        parsed_ports = _inputs.ports(proxy_ports, "proxy_ports", allow_empty=True)
    except _inputs.Refusal as refusal:
        problems.append(str(refusal))
    shared = sorted(set(parsed_ports) & set(ports or ()))
    if shared:
        problems.append("proxy_ports and ports both list %s: a port is swept for mail servers or for HTTP proxies, "
                        "not both" % ", ".join(map(str, shared)))
    if proxy_target is not None:
        try:
            target = _inputs.address(proxy_target, "proxy_target")
        except _inputs.Refusal as refusal:
            problems.append(str(refusal))
        else:
            if any(target.version == network.version and target in network for network in excluded):
                problems.append("proxy_target %s lies in exclude: a proxy would be asked to connect where the sweep "
                                "must not; choose a mail server you answer for" % target.compressed)
            target = target.compressed
    return problems, parsed_ports, target
