# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small DNS server on a loopback address for the FCrDNS tests, answering with dnspython.

RECORDS maps (name, type) to a list of record texts ("mx.example.org." for PTR and CNAME,
"192.0.2.25" for A); a CNAME is followed inside the answer, as a recursive resolver does. The
behaviour makes it hostile: ``servfail`` and ``refused`` answer every question so, ``silent`` never
answers (the client times out), ``flap`` drops the first FLAPS questions and then answers.
"""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset


class FakeDNSServer(object):
    def __init__(self, records, behaviour="ok", address="127.0.0.1", port=0, flaps=1):
        self.records = dict(((n.lower().rstrip("."), t), list(v)) for (n, t), v in records.items())
        self.behaviour = behaviour
        self.flaps = flaps
        self.questions = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, port))
        self.sock.settimeout(0.2)
        self.address, self.port = self.sock.getsockname()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            query = dns.message.from_wire(wire)
            question = query.question[0]
            self.questions.append((question.name.to_text(omit_final_dot=True), dns.rdatatype.to_text(question.rdtype)))
            if self.behaviour == "silent" or (self.behaviour == "flap" and len(self.questions) <= self.flaps):
                continue
            self.sock.sendto(self.answer(query).to_wire(), peer)

    def answer(self, query):
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA
        if self.behaviour in ("servfail", "refused"):
            response.set_rcode(dns.rcode.SERVFAIL if self.behaviour == "servfail" else dns.rcode.REFUSED)
            return response
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        links = 0  # follow a CNAME chain of at most 8 links, as a recursive resolver does
        while rdtype != "CNAME" and (name, "CNAME") in self.records and links < 8:
            cname = self.records[(name, "CNAME")]
            response.answer.append(dns.rrset.from_text(name + ".", 300, "IN", "CNAME", *cname))
            name = cname[0].lower().rstrip(".")
            links += 1
        values = self.records.get((name, rdtype))
        if values:
            response.answer.append(dns.rrset.from_text(name + ".", 300, "IN", rdtype, *values))
        elif name not in set(key[0] for key in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response
