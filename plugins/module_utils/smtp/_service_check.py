# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Does an SMTP service take mail? Listening sockets from /proc and a short, DATA-free dialogue.

``socket_table`` and ``listening(tcp_text, tcp6_text, ports)`` read the kernel's socket tables; ``targets_for``
turns listening sockets into addresses to connect to (a wildcard is reached over loopback);
``check_service`` holds greeting, EHLO, MAIL FROM:<> and RCPT TO and says at which step a
service failed. Nothing here sends DATA, so nothing is ever delivered.
"""

from __future__ import annotations

import re
import socket
import struct

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._smtp import (
    SMTPCommandError,
    SMTPProtocolError,
    format_target,
)

_LISTEN = "0A"            # TCP state LISTEN
_UDP_UNCONNECTED = "07"   # a bound UDP socket that is not connected


def _decode_address(hex_address):
    """An address from /proc/net/tcp{,6} (little-endian 32-bit words) as text."""
    raw = bytes.fromhex(hex_address)
    if len(raw) not in (4, 16):
        raise ValueError("%r is not a 4 or 16 byte address" % hex_address)
    words = struct.unpack("<%dI" % (len(raw) // 4), raw)
    packed = struct.pack(">%dI" % len(words), *words)
    if len(packed) == 16 and packed[:12] == b"\0" * 10 + b"\xff\xff":  # an IPv4 socket on a dual-stack listener
        text = socket.inet_ntop(socket.AF_INET, packed[12:])
    else:
        text = socket.inet_ntop(socket.AF_INET6 if len(packed) == 16 else socket.AF_INET, packed)
    return str(_inputs.address(text, "listening address"))


def socket_table(text, protocol="tcp"):
    """Bound sockets of one /proc/net table (tcp, tcp6, udp, udp6) as [{protocol, address, port, inode}]:
    listening ones for TCP, unconnected ones for UDP."""
    wanted = _LISTEN if protocol == "tcp" else _UDP_UNCONNECTED
    sockets = []
    for line in (text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != wanted:
            continue
        address, _sep, port = fields[1].partition(":")
        if not re.match(r"^[0-9A-Fa-f]{1,4}\Z", port):  # a port is four hex digits, never more
            continue
        try:
            sockets.append(dict(protocol=protocol, address=_decode_address(address), port=int(port, 16),
                                inode=int(fields[9])))
        except ValueError:
            continue
    return sockets


def listening(tcp_text, tcp6_text, ports):
    """Listening TCP sockets on PORTS as sorted [{address, port}], from /proc/net/tcp and tcp6 text."""
    wanted = set(int(p) for p in ports)
    found = set((s["address"], s["port"]) for text in (tcp_text, tcp6_text) for s in socket_table(text)
                if s["port"] in wanted)
    return [dict(address=a, port=p) for a, p in sorted(found, key=lambda item: (item[1], item[0]))]


def targets_for(sockets):
    """Where to connect to reach each listening socket: a wildcard over loopback of its family."""
    targets = []
    for item in sockets:
        address = _inputs.address(item["address"], "listening address")
        if address.is_unspecified:
            address = _inputs.address("127.0.0.1" if address.version == 4 else "::1", "loopback")
        target = dict(host=str(address), port=item["port"])
        if target not in targets:
            targets.append(target)
    return targets


def check_service(client_factory, host, port, helo, recipient=None):
    """One dialogue with the service at HOST:PORT; returns a dict with ``healthy`` and the evidence.

    ``stage`` names the step that failed: connect, greeting, ehlo, mail or rcpt.
    """
    result = dict(host=host, port=port, target=format_target(host, port), healthy=False, stage="connect",
                  banner=None, ehlo=None, rcpt=None, error=None)
    client = client_factory(host, port)
    try:
        banner = client.connect()
        result["banner"] = "%d %s" % (banner.code, banner.text)
        result["stage"] = "greeting"
        if banner.code != 220:
            result["error"] = "the greeting is %s, not 220" % result["banner"]
            return result
        result["stage"] = "ehlo"
        reply = client.ehlo(helo)
        result["ehlo"] = reply.code
        if not reply.positive:
            result["error"] = "EHLO was answered %s" % reply
            return result
        if recipient:
            result["stage"] = "mail"
            reply = client.command("MAIL FROM:<>")
            if not reply.positive:
                result["error"] = "MAIL FROM:<> was answered %s" % reply
                return result
            result["stage"] = "rcpt"
            reply = client.command("RCPT TO:<%s>" % recipient)
            result["rcpt"] = "%d %s" % (reply.code, reply.text)
            if not reply.positive:
                result["error"] = "RCPT TO:<%s> was answered %s" % (recipient, reply)
                return result
            client.command("RSET")
        result.update(healthy=True, stage="done")
    except SMTPProtocolError as exc:
        if result["stage"] == "connect" and exc.kind != "connect":
            result["stage"] = "greeting"  # the connection was made, no greeting came
        result["error"] = str(exc)
    except SMTPCommandError as exc:
        result["error"] = "refused to send an unsafe command: %s" % exc
    finally:
        client.quit()
    return result


def read_proc(path):
    """Text of a /proc table, or '' when it does not exist (no IPv6 in the kernel)."""
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return ""
