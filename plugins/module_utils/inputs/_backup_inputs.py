# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The backup role's input checks, and the plan its templates write: restic's repository, the sftp
command that reaches it, the schedule and the retention, all from values the input layer accepted."""

from __future__ import annotations

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _backup
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs

TYPED = ("backup_repository", "backup_sftp_host_key", "backup_sftp_port", "backup_host_name", "backup_times",
         "backup_check_day", "backup_check_time", "backup_check_read_percent", "backup_keep_daily",
         "backup_keep_weekly", "backup_keep_monthly", "backup_extra_paths", "backup_restore_snapshot")
# A backup and the check both lock the repository: the check starts this long after any backup.
CHECK_GAP_MINUTES = 60


def _minutes(time_of_day):
    hours, minutes = time_of_day.split(":")
    return int(hours) * 60 + int(minutes)


def backup_problems(values):
    """Problems with the backup role's VALUES (name to value). Secrets are judged, never repeated."""
    problems = []
    for name in TYPED:
        problems.extend(_input_types.problems(name, values.get(name)))
    password = values.get("backup_password")
    key = values.get("backup_sftp_private_key")
    if problems:
        return problems
    remote = _inputs.sftp_target(_input_types.parse("backup_repository", values["backup_repository"]))
    if password not in ("", None):
        problems.extend(_inputs.problems_of(lambda: _inputs.secret(
            password, "backup_password", _inputs.passphrase,
            "one line of 16 to 1024 printable characters without spaces at either end (keep it in a vault)")))
    elif remote:
        problems.append("backup_password must be given for an sftp repository (from a vault, kept off the host): a "
                        "password made on the host is lost with the host, and the backups with it")
    if key not in ("", None):
        problems.extend(_inputs.problems_of(lambda: _inputs.secret(
            key, "backup_sftp_private_key", _inputs.openssh_private_key,
            "an OpenSSH private key as ssh-keygen writes it, without a passphrase (keep it in a vault)")))
    if remote and values.get("backup_sftp_host_key") in ("", None):
        problems.append("backup_sftp_host_key must be given for an sftp repository: the sftp server's public host key "
                        "(ssh-keyscan -t ed25519 %s), so the backups never go to a server that only claims the name"
                        % remote[1])
    if not remote and values.get("backup_repository", "").startswith(_backup.RESTORED_ASIDE):
        problems.append("backup_repository must not lie under %s, where restores write" % _backup.RESTORED_ASIDE)
    check = _minutes(values["backup_check_time"])
    for time_of_day in values["backup_times"]:
        gap = abs(_minutes(time_of_day) - check)
        if min(gap, 1440 - gap) < CHECK_GAP_MINUTES:
            problems.append("backup_check_time %s is within %d minutes of the backup at %s: restic lets one of them "
                            "lock the repository, so the other would fail; give the check another time"
                            % (values["backup_check_time"], CHECK_GAP_MINUTES, time_of_day))
    return problems


def backup_plan(values):
    """What the role's templates write, from VALUES the checks accepted: {repository, sftp (user, host, port)
    or None, host, paths, on_calendar, check_on_calendar, keep, read_percent}."""
    typed = dict((name, _input_types.parse(name, values.get(name))) for name in TYPED)
    target = _inputs.sftp_target(typed["backup_repository"])
    sftp = None
    if target:
        sftp = dict(user=target[0], host=target[1], port=typed["backup_sftp_port"],
                    command=["ssh", "-i", _backup.SSH_KEY, "-p", str(typed["backup_sftp_port"]),
                             "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                             "-o", "UserKnownHostsFile=" + _backup.KNOWN_HOSTS,
                             "%s@%s" % (target[0], target[1]), "-s", "sftp"],
                    known_host=("%s %s" % (target[1] if typed["backup_sftp_port"] == 22
                                           else "[%s]:%d" % (target[1], typed["backup_sftp_port"]),
                                           typed["backup_sftp_host_key"])))
    return dict(repository=typed["backup_repository"], sftp=sftp, host=typed["backup_host_name"],
                on_calendar=["*-*-* %s:00" % t for t in typed["backup_times"]],
                check_on_calendar="%s *-*-* %s:00" % (typed["backup_check_day"], typed["backup_check_time"]),
                keep=dict(daily=typed["backup_keep_daily"], weekly=typed["backup_keep_weekly"],
                          monthly=typed["backup_keep_monthly"]),
                read_percent=typed["backup_check_read_percent"], extra_paths=list(typed["backup_extra_paths"]),
                restore_snapshot=typed["backup_restore_snapshot"])
