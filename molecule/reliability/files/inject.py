# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hand COUNT messages for RECIPIENT to the local Postfix (sendmail), each with the unique Subject
PREFIX-N (N from 1), and print how many sendmail accepted. The local Postfix relays them to its
relayhost and retries what is deferred, as a departmental relay client does.

Usage: inject.py PREFIX COUNT RECIPIENT
"""
import subprocess
import sys

prefix, total, recipient = sys.argv[1], int(sys.argv[2]), sys.argv[3]
accepted = 0
for number in range(1, total + 1):
    message = ("From: peer@dept.example.org\nTo: %s\nSubject: %s-%d\n\n"
               "Message %d of %d, sent by the reliability scenario.\n" % (recipient, prefix, number, number, total))
    done = subprocess.run(["/usr/sbin/sendmail", "-oi", "-f", "peer@dept.example.org", recipient],
                          input=message.encode(), check=False)
    accepted += done.returncode == 0
print(accepted)
