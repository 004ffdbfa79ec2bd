# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The baseline role's input checks, and which listening services are strays."""

from __future__ import annotations

import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost

_LISTENER = re.compile(r"^[A-Za-z0-9@._:-]{1,64}\Z")


def baseline_problems(values):
    """Problems with the baseline role's VALUES (name to value)."""
    problems = []
    for name in ("baseline_unattended_upgrades", "baseline_unattended_upgrades_start_timers",
                 "baseline_disable_stray_services"):
        if not isinstance(values.get(name), bool):
            problems.append("%s must be true or false, not %s" % (name, policy.describe(values.get(name))))
    problems.extend(_input_types.problems("baseline_unattended_upgrades_mail",
                                          values.get("baseline_unattended_upgrades_mail")))
    problems.extend(_input_types.problems("baseline_unattended_upgrades_reboot_time",
                                          values.get("baseline_unattended_upgrades_reboot_time")))
    allowed = values.get("baseline_allowed_listeners")
    if not isinstance(allowed, (list, tuple)) or not all(isinstance(a, str) and _LISTENER.match(a) for a in allowed):
        problems.append("baseline_allowed_listeners must list systemd units or process names, e.g. "
                        "['nginx.service', 'chronyd'], not %s" % policy.describe(allowed))
    problems.extend(_input_types.problems("baseline_log_retention_days", values.get("baseline_log_retention_days")))
    problems.extend(_input_types.problems("baseline_journal_max_use", values.get("baseline_journal_max_use")))
    kept = values.get("baseline_backups_kept")
    if isinstance(kept, str) and kept.isdigit():
        kept = int(kept)
    if not policy.whole(kept, 1, 100):
        problems.append("baseline_backups_kept (mailsec_backups_kept) must be a number from 1 to 100, not %s"
                        % policy.describe(values.get("baseline_backups_kept")))
    return problems


def stray_listeners(listeners, allowed):
    """The LISTENERS (mailhost_info's: protocol, address, port, process, unit) reachable beyond
    loopback whose unit and process are both outside ALLOWED, one entry per unit (or process)."""
    strays = {}
    for item in listeners or []:
        if _mailhost.is_loopback(item.get("address")):
            continue
        unit, process = item.get("unit") or "", item.get("process") or ""
        if unit in allowed or process in allowed:
            continue
        key = unit or process or "?"
        entry = strays.setdefault(key, dict(unit=unit, process=process, sockets=[],
                                            disable=unit.endswith((".service", ".socket"))))
        entry["sockets"].append("%s/%s %s" % (item.get("port"), item.get("protocol"), item.get("address")))
    return [strays[k] for k in sorted(strays)]


_BACKUP = re.compile(r"^(?P<original>.+)\.[0-9]+\.[0-9]{4}-[0-9]{2}-[0-9]{2}@[0-9]{2}:[0-9]{2}:[0-9]{2}~\Z")


def old_backups(files, kept, originals):
    """The paths of the backups in FILES (find's results: path, mtime) beyond the newest KEPT of each
    file in ORIGINALS. Ansible names a backup <file>.<pid>.<date>@<time>~; other files are never chosen."""
    by_original = {}
    for item in files or []:
        match = _BACKUP.match(str(item.get("path", "")))
        if match and match.group("original") in originals:
            by_original.setdefault(match.group("original"), []).append(item)
    old = []
    for original in sorted(by_original):
        newest_first = sorted(by_original[original], key=lambda f: (f.get("mtime", 0), f["path"]), reverse=True)
        old.extend(f["path"] for f in newest_first[kept:])
    return old


# journald's own report after it opened the persistent journal, e.g.
# "System Journal (/var/log/journal/<id>) is 8M, max 2G, 1.9G free." (units of 1024, one decimal).
_JOURNAL_REPORT = re.compile(r"System Journal \(.*\) is .*, max (?P<number>[0-9]+(?:\.[0-9]+)?)(?P<unit>[BKMGTPE]?)B?,")
_JOURNAL_UNITS = dict(B=1, K=1024, M=1024 ** 2, G=1024 ** 3, T=1024 ** 4, P=1024 ** 5, E=1024 ** 6)
# journald prints one decimal: 1.5G stands for anything from 1.45G to 1.55G.
_JOURNAL_ROUNDING = 0.05


def journal_check(lines, configured):
    """Judge journald's messages since its restart, LINES, against the SystemMaxUse it was given,
    CONFIGURED bytes. Returns {effective, problem, note}: the size journald says it keeps (None when it
    did not say), a sentence when it did not take the setting, a sentence when disk space caps it."""
    reports = [match for match in (_JOURNAL_REPORT.search(line) for line in lines or []) if match]
    if not reports:
        return dict(effective=None, note="", problem=(
            "journald did not report its persistent journal after the restart (no 'System Journal ... max' "
            "line): Storage=persistent did not take effect"))
    last = reports[-1]
    effective = int(float(last.group("number")) * _JOURNAL_UNITS[last.group("unit") or "B"])
    if effective > configured * (1 + _JOURNAL_ROUNDING):
        return dict(effective=effective, note="", problem=(
            "journald keeps up to %s, not the %s of SystemMaxUse: it did not read the setting"
            % (last.group("number") + last.group("unit"), _inputs.render_size(configured))))
    if effective < configured * (1 - _JOURNAL_ROUNDING):
        return dict(effective=effective, problem="", note=(
            "journald keeps up to %s, less than the %s asked for: the file system has no more room"
            % (last.group("number") + last.group("unit"), _inputs.render_size(configured))))
    return dict(effective=effective, problem="", note="")
