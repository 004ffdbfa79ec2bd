# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Send a fixed mix of messages to one SMTP server over a few long sessions and report, as JSON,
how long each transaction took (MAIL FROM to the reply at the end of DATA) and what the server
answered. Used by `make bench` to compare a bare Postfix with one behind the content filters.

Each session stays connected for all its messages (the server's connection rate limit is not the
subject); every message has a unique Subject so the mailbox can be counted afterwards.
"""

import argparse
import base64
import json
import smtplib
import statistics
import threading
import time
from email.message import EmailMessage

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
PROSE = ("The minutes of Tuesday's meeting are below; comments by Friday please. "
         "We agreed to move the seminar to room 2.14 and to order the new lab equipment. ") * 30
SPAMMY = "Dear friend, you have won. Click here to claim your prize. 100% free, no risk, act now! " * 3
# A document-like attachment of about 24 KB that is not all one byte value.
PDF = b"%PDF-1.4\n" + base64.b64encode(bytes(range(256)) * 70)


def build(kind, subject, sender, rcpt):
    """The message of KIND: what a department receives, with the test files the filters exist for."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, rcpt, subject
    if kind == "text":
        msg.set_content(PROSE)
    elif kind == "pdf":
        msg.set_content("The report is attached.\n")
        msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="report.pdf")
    elif kind == "spammy":
        msg.set_content(SPAMMY)
    elif kind == "eicar":
        msg.set_content("Please look at the attached file.\n")
        msg.add_attachment(EICAR, maintype="application", subtype="octet-stream", filename="notes.txt")
    elif kind == "gtube":
        msg.set_content(GTUBE + "\n")
    elif kind == "exe":
        msg.set_content("Install this.\n")
        msg.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="setup.exe")
    else:
        raise ValueError(kind)
    return msg.as_bytes()


def session(args, jobs, results, lock):
    client = smtplib.SMTP(args.host, args.port, local_hostname=args.helo, timeout=args.timeout)
    client.ehlo()
    try:
        while True:
            with lock:
                if not jobs:
                    return
                index, kind = jobs.pop()
            subject = "bench-%s-%05d-%s" % (args.tag, index, kind)
            data = build(kind, subject, args.sender, args.rcpt)
            began = time.monotonic()
            try:
                client.sendmail(args.sender, [args.rcpt], data)
                code = 250
            except smtplib.SMTPRecipientsRefused as error:
                code = list(error.recipients.values())[0][0]
            except smtplib.SMTPResponseException as error:  # refused at MAIL FROM or at the end of DATA
                code = error.smtp_code
            except smtplib.SMTPServerDisconnected:
                code = 0  # no answer: counted apart, and the session starts again
                client = smtplib.SMTP(args.host, args.port, local_hostname=args.helo, timeout=args.timeout)
                client.ehlo()
            elapsed = time.monotonic() - began
            with lock:
                results.append(dict(kind=kind, subject=subject, code=code, seconds=elapsed))
    finally:
        try:
            client.quit()
        except smtplib.SMTPException:
            pass


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--helo", default="bench-client.example.net")
    parser.add_argument("--sender", default="sender@bench-client.example.net")
    parser.add_argument("--rcpt", default="alice@dept.example.org")
    parser.add_argument("--rounds", type=int, default=50, help="times the mix is sent")
    parser.add_argument("--mix", default="text,text,text,pdf,spammy,eicar,gtube,exe")
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--tag", required=True)
    args = parser.parse_args()

    kinds = args.mix.split(",")
    jobs = list(enumerate([k for _round in range(args.rounds) for k in kinds]))
    jobs.reverse()
    results, lock = [], threading.Lock()
    threads = [threading.Thread(target=session, args=(args, jobs, results, lock)) for _n in range(args.sessions)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    seconds = [r["seconds"] for r in results]
    by_kind = {}
    for kind in kinds:
        mine = [r for r in results if r["kind"] == kind]
        codes = {}
        for item in mine:
            codes[str(item["code"])] = codes.get(str(item["code"]), 0) + 1
        by_kind[kind] = dict(sent=len(mine), codes=codes,
                             p50=percentile([r["seconds"] for r in mine], 0.5))
    print(json.dumps(dict(
        host=args.host, tag=args.tag, sessions=args.sessions, messages=len(results), planned=args.rounds * len(kinds),
        wall_seconds=round(wall, 3), messages_per_second=round(len(results) / wall, 2) if wall else None,
        p50=percentile(seconds, 0.5), p95=percentile(seconds, 0.95),
        mean=statistics.mean(seconds) if seconds else None,
        accepted=sorted(r["subject"] for r in results if r["code"] == 250),
        deferred=len([r for r in results if 400 <= r["code"] < 500]),
        unanswered=len([r for r in results if r["code"] == 0]),
        refused=len([r for r in results if r["code"] >= 500]),
        by_kind=by_kind)))


if __name__ == "__main__":
    main()
