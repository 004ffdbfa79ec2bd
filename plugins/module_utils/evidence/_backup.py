# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The backups of a mail server, defined once: where the backup role keeps its settings, what every
backup holds, what a restore writes back in place, and the evidence the audit judges (MAIL-BAK-001 to
003). Pure parsing, no I/O: the role writes what is named here, mailhost_info reads it.

The backup tool is restic (packaged by Debian): every repository is encrypted, every snapshot records
its time and paths, and ``restic check`` proves the repository can be read back.
"""

from __future__ import annotations

import datetime
import json
import re

UNIT = "mailsec-backup"                    # .service (one run) and .timer (the schedule)
CHECK_UNIT = "mailsec-backup-check"        # the same for the integrity check
CONFIG_DIR = "/etc/mailsec/backup"
ENV_FILE = CONFIG_DIR + "/restic.env"      # RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE, the sftp command
PASSWORD_FILE = CONFIG_DIR + "/password"
SSH_KEY = CONFIG_DIR + "/id_ed25519"       # the key an sftp repository is reached with
KNOWN_HOSTS = CONFIG_DIR + "/known_hosts"  # the sftp server's host key, given, never learnt on first use
STATE_DIR = "/var/lib/mailsec-backup"
CHECKED_STAMP = STATE_DIR + "/checked"     # touched after each check restic passed (restic keeps no record)
CACHE_DIR = "/var/cache/mailsec-backup"
TAG = "mailsec"
# The host name every snapshot is made under (restic --host), in ENV_FILE beside restic's own variables.
HOST_VARIABLE = "MAILSEC_BACKUP_HOST"
# The command that reaches an sftp repository (restic -o sftp.command=...), in ENV_FILE too.
SFTP_VARIABLE = "MAILSEC_BACKUP_SFTP_COMMAND"
# A daily backup and a weekly check, each with a day's slack.
MAX_BACKUP_AGE_HOURS = 48
MAX_CHECK_AGE_DAYS = 8

# Postfix's queues: the message files; the sockets, pid files and chroot copies beside them are made
# again by Postfix itself and are never backed up.
QUEUE = "/var/spool/postfix"
QUEUE_DIRS = tuple(QUEUE + "/" + name for name in (
    "active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "maildrop", "saved", "trace"))
# The mail store: mbox files, and each user's ~/Maildir (the mailbox role) and Sieve scripts.
MAIL_STORE = ("/var/mail", "/home")
# The keys whose public halves others hold: DKIM's (in DNS) and the postfix role's own TLS pair.
KEYS = ("/etc/dkimkeys", "/etc/ssl/private/mailsec-postfix.key", "/etc/ssl/certs/mailsec-postfix.pem")
# The configuration the roles write, and what they were written from.
CONFIG = ("/etc/postfix", "/etc/aliases", "/etc/mailname", "/etc/dovecot", "/etc/opendkim", "/etc/opendkim.conf",
          "/etc/opendmarc.conf", "/etc/clamav", "/etc/spamassassin", "/etc/mail", "/etc/default/mimedefang",
          "/etc/default/spamd", "/etc/nftables.conf", "/etc/mailsec", "/etc/hostname", "/etc/hosts")
# Every path a backup holds when the host has it (the role backs up those that exist).
PATHS = MAIL_STORE + QUEUE_DIRS + KEYS + CONFIG
# A restore writes these back in place, onto a host harden.yml has built; the configuration goes beside,
# for comparison: harden.yml writes the live configuration from the inventory.
RESTORED_IN_PLACE = MAIL_STORE + QUEUE_DIRS + KEYS
RESTORED_ASIDE = "/var/backups/mailsec-restore"
# What MAIL-BAK-001 requires of the newest snapshot: the mail, the queued mail and Postfix's settings,
# and the DKIM keys where OpenDKIM signs.
REQUIRED_QUEUES = ("active", "deferred", "hold", "incoming", "maildrop")
REQUIRED = ("/etc/postfix",) + MAIL_STORE + tuple(QUEUE + "/" + name for name in REQUIRED_QUEUES)
REQUIRED_WITH_DKIM = ("/etc/dkimkeys",)

_ENV_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def parse_env(text):
    """systemd's EnvironmentFile TEXT as {NAME: value}; quotes around a value removed."""
    values = {}
    for line in (text or "").splitlines():
        match = _ENV_LINE.match(line)
        if match and not line.lstrip().startswith("#"):
            value = match.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[match.group(1)] = value
    return values


def repository_shown(repository):
    """The repository as a report may show it: a URL's credentials left out."""
    return re.sub(r"(://)[^/@]*@", r"\1", repository or "")


def parse_time(text):
    """restic's RFC 3339 time (nanoseconds, any offset) as an aware datetime, or None."""
    if not isinstance(text, str):
        return None
    match = re.match(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$", text.strip())
    if not match:
        return None
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    try:
        return datetime.datetime.fromisoformat("%sT%s%s" % (match.group(1), match.group(2), zone))
    except ValueError:
        return None


def parse_snapshots(text):
    """``restic snapshots --json`` TEXT as a list of {id, time, paths, hostname, tags}, newest first.
    Raises ValueError naming what is wrong when TEXT is not restic's list of snapshots."""
    try:
        data = json.loads(text or "")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the JSON reader goes
        raise ValueError("restic did not print a JSON list of snapshots: %r" % (text or "")[:80])
    if not isinstance(data, list):
        raise ValueError("restic printed %s where a list of snapshots was expected" % type(data).__name__)
    snapshots = []
    for item in data:
        if not isinstance(item, dict) or parse_time(item.get("time")) is None:
            raise ValueError("a snapshot without a readable time: %r" % (item,))
        paths = item.get("paths") or []
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise ValueError("a snapshot whose paths are not a list of text: %r" % (paths,))
        if not isinstance(item.get("tags") or [], list):
            raise ValueError("a snapshot whose tags are not a list: %r" % (item.get("tags"),))
        snapshots.append(dict(id=str(item.get("short_id") or item.get("id") or "")[:8], time=item["time"],
                              paths=sorted(paths), hostname=str(item.get("hostname") or ""),
                              tags=[str(t) for t in item.get("tags") or []]))
    return sorted(snapshots, key=lambda s: parse_time(s["time"]), reverse=True)


def age_hours(time_text, now):
    """Hours from TIME_TEXT (restic's time, or an ISO time) to NOW (aware datetime), or None."""
    when = parse_time(time_text)
    if when is None:
        return None
    return (now - when).total_seconds() / 3600.0


def covered(path, paths):
    """Whether PATH is in one of PATHS or below one of them."""
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in paths)


def missing(paths, with_dkim):
    """The required paths (REQUIRED, and REQUIRED_WITH_DKIM when WITH_DKIM) that PATHS do not cover."""
    required = REQUIRED + (REQUIRED_WITH_DKIM if with_dkim else ())
    return [p for p in required if not covered(p, paths)]


def present_paths(existing):
    """PATHS in order, those in EXISTING (the paths found on the host) only."""
    found = set(existing or ())
    return [p for p in PATHS if p in found]
