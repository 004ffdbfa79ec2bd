# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A mail sink for the tests: accepts every message on port 25 (IPv4 and IPv6) and writes each
one, with its envelope, the client address and the name it gave in HELO/EHLO, to a file in
DIRECTORY.

Usage: smtp_sink.py DIRECTORY [PORT]
"""
import os
import socket
import socketserver
import sys
import time

DIRECTORY = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 25


class Session(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())

    def handle(self):
        self.reply("220 sink.example.net ESMTP test sink")
        envelope = []
        helo = ""
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                helo = line[5:].strip()
                self.reply("250-sink.example.net\r\n250 8BITMIME" if verb == "EHLO" else "250 sink.example.net")
            elif verb in ("MAIL", "RCPT"):
                envelope.append(line)
                self.reply("250 2.1.0 Ok")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                for data in self.rfile:
                    if data.rstrip(b"\r\n") == b".":
                        break
                    body.append(data.decode("utf-8", "replace"))
                name = os.path.join(DIRECTORY, "%d-%d.eml" % (time.time() * 1000, os.getpid()))
                with open(name, "w") as handle:
                    handle.write("X-Sink-Client: %s\n" % self.client_address[0])
                    handle.write("X-Sink-Helo: %s\n" % helo)
                    handle.write("".join("X-Sink-Envelope: %s\n" % item for item in envelope))
                    handle.write("".join(body))
                envelope = []
                self.reply("250 2.0.0 Ok: stored")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("250 2.0.0 Ok")


class Server(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


if __name__ == "__main__":
    os.makedirs(DIRECTORY, exist_ok=True)
    Server(("::", PORT), Session).serve_forever()
