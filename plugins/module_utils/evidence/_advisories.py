# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Security advisories, defined once: debsecan (Debian's own tool) compares the installed packages with
the Debian security tracker's data, mails the administrator when the host's status changes, and keeps
its history, which the audit reads (MAIL-HOST-003). Pure parsing, no I/O."""

from __future__ import annotations

import datetime

UNIT = "mailsec-advisories"               # .service (one report) and .timer (daily)
HISTORY = "/var/lib/debsecan/history"     # rewritten by every successful run (debsecan --update-history)
# A daily run, with a day's slack.
MAX_AGE_HOURS = 48
# The tracker's data per release (https://security-tracker.debian.org/tracker/debsecan/release/1/<suite>).
SUITES = {"12": "bookworm", "13": "trixie"}
TRACKER = "https://security-tracker.debian.org/tracker/debsecan/release/1/"


def parse_history(text):
    """debsecan's history TEXT as {time (aware datetime), entries: [{bug, package, fixed}]}. Raises ValueError
    naming what is wrong when TEXT is not in debsecan's format (VERSION 1, a Unix time, then bug,package,flag)."""
    lines = (text or "").splitlines()
    if len(lines) < 2 or lines[0] != "VERSION 1" or not lines[1].strip().isascii() or not lines[1].strip().isdigit():
        raise ValueError("not debsecan's history (VERSION 1 and a time expected): %r" % (text or "")[:60])
    try:
        when = datetime.datetime.fromtimestamp(int(lines[1]), datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError("debsecan's history gives the time %r, which is no date: %r" % (lines[1][:30], (text or "")[:60])) from None
    entries = []
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split(",")
        if len(fields) != 3 or fields[2] not in ("F", " ", ""):
            raise ValueError("line %d of debsecan's history is not bug,package,flag: %r" % (number, line[:60]))
        entries.append(dict(bug=fields[0], package=fields[1], fixed=fields[2] == "F"))
    return dict(time=when, entries=entries)


def fixable(entries):
    """The vulnerabilities of ENTRIES whose fix Debian has released and the host has not installed, as
    [{bug, packages}] sorted by bug: debsecan records each installed package of a source on its own line."""
    packages = {}
    for entry in entries:
        if entry["fixed"]:
            packages.setdefault(entry["bug"], set()).add(entry["package"])
    return [dict(bug=bug, packages=sorted(packages[bug])) for bug in sorted(packages)]
