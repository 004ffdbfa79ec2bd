# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print, as JSON, the headers of each message in an mbox whose Subject contains TEXT.

Usage: mbox_headers.py MBOX TEXT  ->  [[[name, value], ...], ...] (unfolded, in order)
"""
import json
import mailbox
import sys

found = []
for message in mailbox.mbox(sys.argv[1]):
    if sys.argv[2] in str(message.get("Subject", "")):
        found.append([[name, " ".join(str(value).split())] for name, value in message.items()])
print(json.dumps(found))
