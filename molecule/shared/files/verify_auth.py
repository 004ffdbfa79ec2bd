# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent verifiers of a message the test sink received, run on the receiving host: dkimpy
checks its DKIM signature and pyspf evaluates SPF for the client address, HELO name and envelope
sender, both asking only NAMESERVER. Neither is the collection's code.

Usage: verify_auth.py MESSAGE NAMESERVER
Prints one JSON object: dkim (pass or fail), dkim_domain, dkim_selector, spf, spf_explanation,
from_domain, envelope_domain, and aligned (DMARC alignment, RFC 7489 §3.1, relaxed: the From
domain is the passing identifier's domain or a parent or child of it).
"""
import json
import re
import sys

import dkim
import dkim.util
import dns.resolver
import spf

MESSAGE, NAMESERVER = sys.argv[1], sys.argv[2]

resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [NAMESERVER]
dns.resolver.default_resolver = resolver   # what pyspf's dnspython driver asks

with open(MESSAGE, "rb") as handle:
    raw = handle.read()
# The sink writes the session's facts above the message as X-Sink-* lines.
facts = dict(re.findall(rb"^X-Sink-([A-Za-z]+): (.*?)\r?\n", raw, re.M))
message = re.sub(rb"\AX-Sink-[^\n]*\n(X-Sink-[^\n]*\n)*", b"", raw)


def txt(name, timeout=5):
    answer = resolver.resolve(name.decode() if isinstance(name, bytes) else name, "TXT")
    return b"".join(b"".join(r.strings) for r in answer)


signature = dkim.DKIM(message)
dkim_pass = signature.verify(dnsfunc=txt)
header = re.search(rb"^DKIM-Signature:(.*?)\r?\n(?![ \t])", message, re.M | re.S | re.I)
tags = dkim.util.parse_tag_value(re.sub(rb"\s+", b"", header.group(1))) if header else {}
client = facts.get(b"Client", b"").decode().replace("::ffff:", "")
envelope = re.search(rb"^X-Sink-Envelope: MAIL FROM:<([^>]*)>", raw, re.M | re.I)
sender = envelope.group(1).decode() if envelope else ""
result, explanation = spf.check2(i=client, s=sender, h=facts.get(b"Helo", b"").decode())
from_header = re.search(rb"^From:.*?@([A-Za-z0-9.-]+)", message, re.M | re.I)
from_domain = from_header.group(1).decode().lower() if from_header else ""


def aligned(domain):
    return bool(domain) and (domain == from_domain or domain.endswith("." + from_domain) or from_domain.endswith("." + domain))


dkim_domain = tags.get(b"d", b"").decode().lower()
envelope_domain = sender.rpartition("@")[2].lower()
print(json.dumps(dict(dkim="pass" if dkim_pass else "fail", dkim_domain=dkim_domain,
                      dkim_selector=tags.get(b"s", b"").decode(), spf=result, spf_explanation=explanation,
                      client=client, from_domain=from_domain, envelope_domain=envelope_domain,
                      aligned=(dkim_pass and aligned(dkim_domain)) or (result == "pass" and aligned(envelope_domain)))))
