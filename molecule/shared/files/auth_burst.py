# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Send COUNT AUTH PLAIN attempts for LOGIN on one connection and print each reply, one JSON
object per line: {"attempt", "seconds", "code", "text"}. The password comes from the
AUTH_PASSWORD environment variable (never the command line); without it each attempt is wrong.
The connection speaks TLS from the start, or with --plain no TLS at all (to prove a server
refuses a password in the clear).

Usage: python3 auth_burst.py HOST PORT LOGIN COUNT [--plain]
"""
import base64
import json
import os
import smtplib
import ssl
import sys
import time

host, port, login, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
plain = "--plain" in sys.argv[5:]
password = os.environ.get("AUTH_PASSWORD") or "wrong-password-%d" % time.time_ns()
if plain:
    session = smtplib.SMTP(host, port, timeout=30)
else:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test server's certificate is self-signed
    session = smtplib.SMTP_SSL(host, port, context=context, timeout=30)
session.ehlo("laptop.example.net")
token = base64.b64encode(("\0%s\0%s" % (login, password)).encode()).decode()
start = time.time()
for attempt in range(1, count + 1):
    try:
        code, text = session.docmd("AUTH", "PLAIN " + token)
    except smtplib.SMTPServerDisconnected:
        print(json.dumps(dict(attempt=attempt, seconds=round(time.time() - start, 1), code=None,
                              text="disconnected")))
        break
    print(json.dumps(dict(attempt=attempt, seconds=round(time.time() - start, 1), code=code,
                          text=text.decode("utf-8", "replace"))))
    if code in (235, 421):
        break
