# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Send COUNT messages for RECIPIENT straight to HOST's port 25, one session each, as a host outside
would, with the null sender (a delivery report; no sender domain to look up) and the unique Subject
PREFIX-N (N from 1). Prints one JSON list with, per message, the Subject, the reply code of the step
that ended the transaction (250 when the server took it) and the reply's text.

Usage: send_direct.py HOST PREFIX COUNT RECIPIENT
An independent referee for the reliability scenario: it shares no code with the collection.
"""
import json
import smtplib
import sys


def send(host, recipient, message):
    """(code, text) of the reply that ended the transaction: the first 4xx or 5xx, or the reply after DATA."""
    code, text = 0, ""
    try:
        with smtplib.SMTP(host, 25, local_hostname="flood.example.net", timeout=60) as client:
            for step, argument in ((client.ehlo, None), (client.docmd, "MAIL FROM:<>"),
                                   (client.docmd, "RCPT TO:<%s>" % recipient), (client.data, message.encode())):
                code, reply = step() if argument is None else step(argument)
                text = reply.decode("utf-8", "replace")
                if code >= 400:
                    break
    except smtplib.SMTPResponseException as error:
        code, text = error.smtp_code, error.smtp_error.decode("utf-8", "replace")
    except (OSError, smtplib.SMTPException) as error:
        code, text = 0, str(error)
    return code, text


host, prefix, total, recipient = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
results = []
for number in range(1, total + 1):
    subject = "%s-%d" % (prefix, number)
    code, text = send(host, recipient, "From: MAILER-DAEMON@flood.example.net\r\nTo: %s\r\nSubject: %s\r\n\r\n"
                      "Message %d of %d, sent from outside by the reliability scenario.\r\n" % (recipient, subject, number, total))
    results.append(dict(subject=subject, code=code, reply=text))
print(json.dumps(results))
