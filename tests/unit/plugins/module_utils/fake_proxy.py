# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Threaded fake HTTP proxies on loopback addresses for the sweep's proxy tests.

Behaviours:

* ``open``: tunnels every CONNECT (``HTTP/1.1 200 Connection established``), like tinyproxy without
  ``Allow`` or ``ConnectPort`` lines; it connects only to loopback addresses and answers 403 otherwise,
  so no test traffic leaves 127.0.0.0/8.
* ``restricted``: tunnels only to port 443, ``HTTP/1.1 403 Access violation`` otherwise, like tinyproxy
  with ``ConnectPort 443``.
* ``web``: a web server, ``HTTP/1.0 501 Unsupported method ('CONNECT')`` as ``python3 -m http.server``.
* ``script``: sends the ``chunks`` it is given (bytes, each after ``delay`` seconds) and holds the
  connection ``hold`` seconds before it closes.

``redirect`` ({port: port}) makes ``open`` tunnel a CONNECT to one port to another, so a test's SMTP
listener on a free port stands for port 25 (which needs root). Each records the ``requests`` it read and
the bytes a client sent through a tunnel (``tunnelled``).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time


class FakeProxy(object):
    def __init__(self, behaviour="open", host="127.0.0.1", port=0, chunks=(), delay=0.0, hold=0.0, redirect=None):
        self.behaviour = behaviour
        self.redirect = dict(redirect or {})
        self.host = host
        self.chunks = list(chunks)
        self.delay = delay
        self.hold = hold
        self.requests = []
        self.tunnelled = b""
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def start(self):
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def stop(self):
        self._stop.set()
        self._sock.close()

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                conn, _peer = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_request(conn):
        data = b""
        conn.settimeout(5)
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        return data

    def _serve(self, conn):
        try:
            if self.behaviour == "script":
                for chunk in self.chunks:
                    time.sleep(self.delay)
                    conn.sendall(chunk)
                time.sleep(self.hold)
                return
            request = self._read_request(conn)
            with self._lock:
                self.requests.append(request)
            words = request.split(b"\r\n", 1)[0].decode("ascii", "replace").split()
            if self.behaviour == "web" or len(words) != 3 or words[0] != "CONNECT":
                conn.sendall(b"HTTP/1.0 501 Unsupported method ('CONNECT')\r\nContent-Length: 0\r\n\r\n")
                return
            host, _colon, port = words[1].rpartition(":")
            address = ipaddress.ip_address(host.strip("[]"))
            if not address.is_loopback or (self.behaviour == "restricted" and port != "443"):
                conn.sendall(b"HTTP/1.1 403 Access violation\r\nConnection: close\r\n\r\n<html>403</html>")
                return
            far = socket.create_connection((str(address), self.redirect.get(int(port), int(port))), timeout=5)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\nProxy-agent: fake\r\n\r\n")
            self._splice(conn, far)
        except OSError:
            pass
        finally:
            conn.close()

    def _splice(self, conn, far):
        def back():
            try:
                while True:
                    data = far.recv(4096)
                    if not data:
                        break
                    conn.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    conn.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        pump = threading.Thread(target=back, daemon=True)
        pump.start()
        conn.settimeout(5)
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                with self._lock:
                    self.tunnelled += data
                far.sendall(data)
        except OSError:
            pass
        finally:
            far.close()
            pump.join(5)
