# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The baseline role's input checks, stray listeners and the backups it prunes."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _baseline_inputs as baseline
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost


def good(**changes):
    values = dict(baseline_unattended_upgrades=True, baseline_unattended_upgrades_mail="root",
                  baseline_unattended_upgrades_reboot_time="", baseline_allowed_listeners=[],
                  baseline_disable_stray_services=False, baseline_log_retention_days=90,
                  baseline_unattended_upgrades_start_timers=True,
                  baseline_journal_max_use="2G", baseline_backups_kept="5")
    values.update(changes)
    return values


def test_the_defaults_are_accepted():
    assert baseline.baseline_problems(good()) == []


@pytest.mark.parametrize("changes, named", [
    (dict(baseline_unattended_upgrades="ture"), "baseline_unattended_upgrades must be true or false"),
    (dict(baseline_unattended_upgrades_reboot_time="25:00"), "baseline_unattended_upgrades_reboot_time"),
    (dict(baseline_unattended_upgrades_mail="a b"), "baseline_unattended_upgrades_mail"),
    (dict(baseline_allowed_listeners="nginx"), "baseline_allowed_listeners"),
    (dict(baseline_log_retention_days=0), "baseline_log_retention_days"),
    (dict(baseline_journal_max_use="lots"), "baseline_journal_max_use"),
    (dict(baseline_backups_kept=0), "baseline_backups_kept (mailsec_backups_kept)"),
])
def test_malformed_inputs_are_refused_naming_the_variable(changes, named):
    assert any(named in p for p in baseline.baseline_problems(good(**changes)))


LISTENERS = [
    dict(protocol="tcp", address="0.0.0.0", port=22, process="sshd", unit="ssh.service"),
    dict(protocol="tcp", address="0.0.0.0", port=25, process="master", unit="postfix@-.service"),
    dict(protocol="tcp", address="127.0.0.1", port=783, process="spamd", unit="spamd.service"),
    dict(protocol="tcp", address="0.0.0.0", port=8080, process="python3", unit="stray-echo.service"),
    dict(protocol="tcp", address="::", port=8080, process="python3", unit="stray-echo.service"),
    dict(protocol="udp", address="0.0.0.0", port=111, process="systemd", unit="init.scope"),
    dict(protocol="tcp", address="0.0.0.0", port=9100, process=None, unit=None),
]


def test_strays_are_the_listeners_beyond_loopback_nobody_allowed():
    allowed = ["ssh.service", "postfix@-.service"]
    strays = baseline.stray_listeners(LISTENERS, allowed)
    assert [(s["unit"] or s["process"] or "?", s["disable"]) for s in strays] == [
        ("?", False), ("init.scope", False), ("stray-echo.service", True)]
    echo = strays[2]
    assert echo["sockets"] == ["8080/tcp 0.0.0.0", "8080/tcp ::"]
    # a socket whose owner could not be read is never allowed by name
    assert baseline.stray_listeners(LISTENERS, allowed + ["python3", "init.scope", "?"])[0]["process"] == ""


def test_old_backups_keeps_the_newest_of_each_file_and_nothing_else():
    files = [dict(path="/etc/postfix/main.cf.%d.2026-12-0%d@10:00:00~" % (100 + n, n), mtime=n) for n in range(1, 8)]
    files += [dict(path="/etc/aliases.5.2026-12-01@10:00:00~", mtime=1), dict(path="/etc/postfix/main.cf.bak", mtime=0),
              dict(path="/etc/postfix/hosts.9.2026-12-01@10:00:00~", mtime=0)]
    old = baseline.old_backups(files, 5, ["/etc/postfix/main.cf", "/etc/aliases"])
    assert old == ["/etc/postfix/main.cf.102.2026-12-02@10:00:00~", "/etc/postfix/main.cf.101.2026-12-01@10:00:00~"]


def test_unit_of_cgroup_reads_unified_and_hybrid_hierarchies():
    assert _mailhost.unit_of_cgroup("0::/system.slice/postfix@-.service\n") == "postfix@-.service"
    hybrid = "9:name=systemd:/libpod_parent/libpod-0a1b/system.slice/postfix.service\n0::/libpod_parent/libpod-0a1b\n"
    assert _mailhost.unit_of_cgroup(hybrid) == "postfix.service"
    assert _mailhost.unit_of_cgroup("0::/user.slice/user-0.slice/session-3.scope") == "session-3.scope"
    assert _mailhost.unit_of_cgroup("") == ""


def test_journald_settings_later_files_win():
    text = ("# /etc/systemd/journald.conf\n[Journal]\n#Storage=auto\nStorage=volatile\n\n"
            "# /etc/systemd/journald.conf.d/50-mailsec-retention.conf\n[Journal]\nStorage=persistent\n"
            "MaxRetentionSec=90day\nSystemMaxUse=2G\n")
    assert _mailhost.parse_journald(text) == dict(Storage="persistent", MaxRetentionSec="90day", SystemMaxUse="2G")


@pytest.mark.parametrize("span, days", [("90day", 90), ("3 months", 91.3125), ("1w 2d", 9), ("0", 0),
                                        ("86400", 1), ("", None), ("ten days", None)])
def test_timespan_days(span, days):
    result = _mailhost.timespan_days(span)
    assert (result is None and days is None) or abs(result - days) < 0.01


# --- journald's own report after the restart (tasks/journal_apply.yml) ------------------------------------

REPORT = "System Journal (/var/log/journal/7bccaebad0df431e8952af85dab19909) is 8M, max %s, 1.9G free."
GIB = 1024 ** 3


@pytest.mark.parametrize("said, configured, effective", [
    ("2G", 2 * GIB, 2 * GIB),
    ("64M", 64 * 1024 ** 2, 64 * 1024 ** 2),
    ("1.5G", 1536 * 1024 ** 2, int(1.5 * GIB)),
])
def test_journald_keeping_what_was_asked_passes(said, configured, effective):
    verdict = baseline.journal_check(["Journal stopped", "Journal started", REPORT % said], configured)
    assert verdict == dict(effective=effective, problem="", note="")


def test_journald_keeping_more_than_asked_did_not_read_the_setting():
    # journald's default (10% of the file system) after it skipped an unreadable SystemMaxUse line
    verdict = baseline.journal_check([REPORT % "4G"], 64 * 1024 ** 2)
    assert "did not read the setting" in verdict["problem"] and verdict["effective"] == 4 * GIB


def test_journald_capped_by_disk_space_is_noted_not_refused():
    verdict = baseline.journal_check([REPORT % "11.1G"], 3 * 1024 ** 4)
    assert verdict["problem"] == "" and "no more room" in verdict["note"]


def test_journald_without_a_persistent_journal_fails():
    verdict = baseline.journal_check(["Journal started", "Runtime Journal (/run/log/journal/x) is 8M, max 64M."], GIB)
    assert "Storage=persistent did not take effect" in verdict["problem"]
