# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ask the local Postfix to deliver what waits (postqueue -f) every few seconds until its queue is
empty, for at most SECONDS: a service that is back may still answer 4xx for a moment, and Postfix
would otherwise wait out its retry time. Exits 0 when the queue is empty, 1 when time ran out.

Usage: drain.py SECONDS
"""
import subprocess
import sys
import time

deadline = time.monotonic() + float(sys.argv[1])
while True:
    subprocess.run(["postqueue", "-f"], check=False)
    time.sleep(3)
    waiting = subprocess.run(["postqueue", "-j"], capture_output=True, text=True, check=False).stdout
    if not waiting.strip():
        sys.exit(0)
    if time.monotonic() > deadline:
        sys.stdout.write(waiting)
        sys.exit(1)
