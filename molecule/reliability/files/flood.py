# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Flood one SMTP server with relay attempts: THREADS connections at a time for SECONDS, each asking
to send from a foreign address to foreign recipients (RCPT after RCPT until the server ends the
session), reconnecting at once. Never sends DATA. Prints one JSON object: attempts (RCPT commands and
refused connections), connections, replies by code, and relayed (RCPTs the server accepted).

Usage: flood.py HOST SECONDS THREADS
An independent referee for the reliability scenario: it shares no code with the collection.
"""
import json
import smtplib
import sys
import threading
import time

host, seconds, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + seconds
lock = threading.Lock()
totals = dict(attempts=0, connections=0, relayed=0, replies={})


def count(code, rcpt=False):
    with lock:
        key = str(code)
        totals["replies"][key] = totals["replies"].get(key, 0) + 1
        if rcpt:
            totals["attempts"] += 1
            if 200 <= int(code) < 300:
                totals["relayed"] += 1


def session(number):
    client = smtplib.SMTP(timeout=10)
    try:
        code, _text = client.connect(host, 25)
    except (OSError, smtplib.SMTPException):
        count("connect-failed", rcpt=False)
        with lock:
            totals["attempts"] += 1
        return
    with lock:
        totals["connections"] += 1
    if code != 220:
        count(code, rcpt=True)
        return
    try:
        client.ehlo("flood.example.net")
        code, _text = client.docmd("MAIL", "FROM:<offers@bulk.example.com>")
        count(code)
        recipient = 0
        while time.monotonic() < deadline:
            recipient += 1
            code, _text = client.docmd("RCPT", "TO:<victim%d.%d@elsewhere.example.org>" % (number, recipient))
            count(code, rcpt=True)
            if code == 250:
                client.docmd("RSET")  # never DATA: an accepted recipient is counted, nothing is sent
                client.docmd("MAIL", "FROM:<offers@bulk.example.com>")
            if code == 421:
                break
        client.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        client.close()


def worker(index):
    number = 0
    while time.monotonic() < deadline:
        number += 1
        session(index * 100000 + number)


workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
for thread in workers:
    thread.start()
for thread in workers:
    thread.join()
print(json.dumps(totals, sort_keys=True))
