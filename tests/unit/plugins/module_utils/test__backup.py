# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Backups: what restic prints read as evidence, the controls that judge it (each with a host that
passes and planted faults that fail), the backup role's input checks and the plan its units are
written from, and mailhost_info's reading of a host through a fake reader."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _backup
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _backup_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.modules import mailhost_info

from test__controls import healthy_backup, host_evidence  # a well-kept host, as the catalogue tests judge it

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOWdEygD2aD08kqjeBEng7nfQ8vAbkX+8+9RmijTQ9d3"
PASSWORD = "correct-horse-battery-staple-42"
NOW = datetime.datetime(2026, 12, 4, 5, 30, tzinfo=datetime.timezone.utc)


def snapshot(short_id, time, paths=_backup.PATHS):
    return dict(id=short_id * 8, short_id=short_id, time=time, paths=list(paths), hostname="mx.dept.example.org",
                tags=["mailsec"], tree="f" * 64)


# --- what restic prints ----------------------------------------------------------------------------------

def test_snapshots_are_read_newest_first_whatever_the_offset():
    text = json.dumps([snapshot("aaaaaaaa", "2026-12-03T02:30:00.123456789+01:00"),
                       snapshot("bbbbbbbb", "2026-12-04T02:30:00.5Z"),
                       snapshot("cccccccc", "2026-12-01T02:30:00Z")])
    read = _backup.parse_snapshots(text)
    assert [s["id"] for s in read] == ["bbbbbbbb", "aaaaaaaa", "cccccccc"]
    assert _backup.age_hours(read[0]["time"], NOW) == pytest.approx(3.0, abs=0.01)
    assert _backup.age_hours(read[1]["time"], NOW) == pytest.approx(28.0, abs=0.01)


@pytest.mark.parametrize("text", ["", "null", "{}", "[1]", '[{"time": "yesterday"}]', '[{"time": "2026-12-04T02:30:00Z", '
                                  '"paths": "/etc"}]', "Fatal: wrong password or no key found"])
def test_anything_but_a_list_of_snapshots_is_refused_naming_what_is_wrong(text):
    with pytest.raises(ValueError):
        _backup.parse_snapshots(text)


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_any_output_is_read_or_refused_never_a_traceback(text):
    try:
        _backup.parse_snapshots(text)
    except ValueError:
        pass


def test_the_environment_file_is_read_as_systemd_reads_it_and_credentials_never_shown():
    env = _backup.parse_env("# comment\nRESTIC_REPOSITORY=sftp:backup@store:/srv/r\nMAILSEC_BACKUP_HOST='mx.example.org'\n")
    assert env == {"RESTIC_REPOSITORY": "sftp:backup@store:/srv/r", "MAILSEC_BACKUP_HOST": "mx.example.org"}
    assert _backup.repository_shown("rest:https://user:secret@store.example.org/mx") == "rest:https://store.example.org/mx"


def test_the_required_paths_are_covered_by_the_paths_or_their_parents():
    assert _backup.missing(list(_backup.PATHS), with_dkim=True) == []
    assert _backup.missing(["/etc", "/home", "/var"], with_dkim=True) == []
    assert _backup.missing(["/etc/postfix", "/home"], with_dkim=False)[0] == "/var/mail"
    assert "/etc/dkimkeys" in _backup.missing(["/etc/postfix"], with_dkim=True)
    assert not _backup.covered("/var/spool/postfix/deferred", ["/var/spool/postfix/def"])


# --- the controls ------------------------------------------------------------------------------------------

def findings(backup, opendkim=False):
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["backup"] = backup
    if opendkim:
        evidence["opendkim"] = dict(installed=True)
    return dict((f["id"], f) for f in cat.evaluate(evidence, "mx", only=("MAIL-BAK-001", "MAIL-BAK-002", "MAIL-BAK-003")))


def test_a_host_whose_backups_run_passes_with_the_snapshot_as_evidence():
    found = findings(healthy_backup(), opendkim=True)
    assert [found[c]["status"] for c in sorted(found)] == ["pass", "pass", "pass"]
    assert "snapshot 1a2b3c4d holds" in found["MAIL-BAK-001"]["actual"]
    assert "3.0 hours old" in found["MAIL-BAK-002"]["actual"]
    assert "2.0 days ago" in found["MAIL-BAK-003"]["actual"]


def test_a_host_without_backups_fails_once_and_the_ages_do_not_apply():
    found = findings(dict(configured=False, installed=False, why="no such file"))
    assert found["MAIL-BAK-001"]["status"] == "fail"
    assert "no backup" in found["MAIL-BAK-001"]["actual"]
    assert found["MAIL-BAK-002"]["status"] == found["MAIL-BAK-003"]["status"] == "not_applicable"


@pytest.mark.parametrize("plant, control, evidence", [
    (lambda b: b["timers"]["mailsec-backup.timer"].update(active="inactive"), "MAIL-BAK-001",
     "timers not running: mailsec-backup.timer enabled/inactive"),
    (lambda b: b["latest"].update(paths=["/etc/postfix", "/home", "/var/mail"]), "MAIL-BAK-001",
     "leaves out /var/spool/postfix/active"),
    (lambda b: b.update(latest=None), "MAIL-BAK-001", "holds no snapshot"),
    (lambda b: b["latest"].update(age_hours=49.0), "MAIL-BAK-002", "49.0 hours old"),
    (lambda b: b.update(latest=None), "MAIL-BAK-002", "no snapshot"),
    (lambda b: b.update(checked_age_days=8.5), "MAIL-BAK-003", "8.5 days ago"),
    (lambda b: b.update(checked=None, checked_age_days=None), "MAIL-BAK-003", "no check of the repository on record"),
])
def test_each_planted_fault_fails_its_control_with_the_evidence(plant, control, evidence):
    backup = copy.deepcopy(healthy_backup())
    plant(backup)
    found = findings(backup)
    assert found[control]["status"] == "fail"
    assert evidence in found[control]["actual"]


def test_dkim_keys_are_required_where_opendkim_signs():
    backup = healthy_backup()
    backup["latest"]["paths"] = [p for p in _backup.PATHS if p != "/etc/dkimkeys"]
    assert findings(backup)["MAIL-BAK-001"]["status"] == "pass"
    assert "/etc/dkimkeys" in findings(backup, opendkim=True)["MAIL-BAK-001"]["actual"]


def test_a_repository_that_cannot_be_read_is_an_error_never_a_pass():
    backup = dict(healthy_backup(), latest=None, snapshots_error="Fatal: wrong password or no key found")
    found = findings(backup)
    assert found["MAIL-BAK-001"]["status"] == found["MAIL-BAK-002"]["status"] == "error"
    assert "wrong password" in found["MAIL-BAK-002"]["note"]


# --- the role's inputs -------------------------------------------------------------------------------------

def role_values(**changes):
    values = dict(backup_repository="/var/backups/mailsec-restic", backup_password="", backup_sftp_host_key="",
                  backup_sftp_port=22, backup_sftp_private_key="", backup_host_name="mx.dept.example.org",
                  backup_times=["02:30"], backup_check_day="Sun", backup_check_time="04:30",
                  backup_check_read_percent=5, backup_keep_daily=7, backup_keep_weekly=5, backup_keep_monthly=12,
                  backup_extra_paths=[], backup_restore_snapshot="latest")
    values.update(changes)
    return values


SFTP = dict(backup_repository="sftp:backup@store.example.org:/srv/restic/mx", backup_password=PASSWORD,
            backup_sftp_host_key=HOST_KEY + " root@store")


def test_the_defaults_and_a_complete_sftp_setup_are_accepted():
    assert _backup_inputs.backup_problems(role_values()) == []
    assert _backup_inputs.backup_problems(role_values(**SFTP)) == []


def test_the_plan_reaches_an_sftp_repository_only_with_the_role_s_key_and_the_given_host_key():
    plan = _backup_inputs.backup_plan(role_values(backup_sftp_port=2222, **SFTP))
    assert plan["sftp"]["command"] == ["ssh", "-i", _backup.SSH_KEY, "-p", "2222", "-o", "BatchMode=yes",
                                       "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + _backup.KNOWN_HOSTS,
                                       "backup@store.example.org", "-s", "sftp"]
    assert plan["sftp"]["known_host"] == "[store.example.org]:2222 " + HOST_KEY   # the comment is not written
    assert plan["on_calendar"] == ["*-*-* 02:30:00"] and plan["check_on_calendar"] == "Sun *-*-* 04:30:00"
    assert _backup_inputs.backup_plan(role_values())["sftp"] is None


@pytest.mark.parametrize("changes, problem", [
    (dict(SFTP, backup_password=""), "backup_password must be given for an sftp repository"),
    (dict(SFTP, backup_sftp_host_key=""), "backup_sftp_host_key must be given for an sftp repository"),
    (dict(SFTP, backup_sftp_host_key="ssh-rsa " + HOST_KEY.split()[1]), "backup_sftp_host_key"),
    (dict(backup_repository="sftp:backup@store.example.org:srv/restic"), "backup_repository"),
    (dict(backup_repository="s3:s3.amazonaws.com/bucket"), "backup_repository"),
    (dict(backup_repository="/var/backups/mailsec-restore/x"), "where restores write"),
    (dict(backup_times=["04:00"]), "backup_check_time 04:30 is within 60 minutes of the backup at 04:00"),
    (dict(backup_times=["00:10"], backup_check_time="23:40"), "within 60 minutes"),
    (dict(backup_times=[]), "backup_times must not be empty"),
    (dict(backup_times=["2:30"]), "backup_times must be HH:MM"),
    (dict(backup_check_day="Sunday"), "backup_check_day"),
    (dict(backup_keep_daily=0), "backup_keep_daily"),
    (dict(backup_check_read_percent=101), "backup_check_read_percent"),
    (dict(backup_extra_paths=["relative/path"]), "backup_extra_paths"),
    (dict(backup_restore_snapshot="latest; rm -rf /"), "backup_restore_snapshot"),
    (dict(backup_sftp_private_key="not a key"), "backup_sftp_private_key must be an OpenSSH private key"),
])
def test_each_mistake_is_refused_naming_the_variable(changes, problem):
    problems = _backup_inputs.backup_problems(role_values(**changes))
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("password", ["short", "a password with a\nline break", " leading-space-password-x",
                                      "tab\tin-the-password-here"])
def test_a_refused_password_is_never_repeated(password):
    problems = _backup_inputs.backup_problems(role_values(backup_password=password))
    assert problems and all("backup_password" in p and password not in p for p in problems)


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_any_repository_text_is_refused_naming_the_variable_or_written_as_one_plain_word(text):
    try:
        parsed = _inputs.restic_repository(text, "backup_repository")
    except _inputs.Refusal as refusal:
        assert str(refusal).startswith("backup_repository")
        return
    assert parsed.split() == [parsed] and parsed.isprintable() and '"' not in parsed and "%" not in parsed
    assert parsed.startswith("/") or _inputs.sftp_target(parsed) is not None


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_any_text_after_a_host_key_is_dropped_or_refused(rider):
    try:
        parsed = _inputs.ssh_host_key(HOST_KEY + rider, "backup_sftp_host_key")
    except _inputs.Refusal:
        return
    assert parsed.split()[0] == "ssh-ed25519" and parsed.split()[1].startswith(HOST_KEY.split()[1][:60])
    assert "\n" not in parsed and len(parsed.split()) == 2


# --- mailhost_info's reading -------------------------------------------------------------------------------

class FakeReader(object):
    """A host with the backup role's environment file; restic answers with SNAPSHOTS (or fails)."""

    def __init__(self, snapshots=None, rc=0, err="", env="RESTIC_REPOSITORY=/var/backups/mailsec-restic\n"
                 "RESTIC_PASSWORD_FILE=/etc/mailsec/backup/password\nMAILSEC_BACKUP_HOST=mx.dept.example.org\n"):
        self.snapshots, self.rc, self.err, self.env, self.asked = snapshots or [], rc, err, env, []

    def run(self, *argv, **kwargs):
        self.asked.append((argv, kwargs.get("env")))
        return self.rc, json.dumps(self.snapshots) if self.rc == 0 else "", self.err

    def read(self, path):
        return (self.env, None) if path == _backup.ENV_FILE and self.env is not None else (None, "%s: absent" % path)


UNITS = {"mailsec-backup.timer": dict(enabled="enabled", active="active"),
         "mailsec-backup-check.timer": dict(enabled="enabled", active="inactive")}


def test_the_newest_snapshot_is_read_without_a_lock_under_the_host_s_name():
    reader = FakeReader([snapshot("aaaaaaaa", "2026-12-03T02:30:00Z"), snapshot("bbbbbbbb", "2026-12-04T02:30:00Z")])
    found = mailhost_info._backups(reader, {"restic": True}, UNITS, now=NOW)
    argv, env = reader.asked[0]
    assert argv[2:5] == ("restic", "--no-lock", "--no-cache") and argv[-2:] == ("--host", "mx.dept.example.org")
    assert env["RESTIC_PASSWORD_FILE"] == "/etc/mailsec/backup/password" and "MAILSEC_BACKUP_HOST" not in env
    assert found["latest"]["id"] == "bbbbbbbb" and found["latest"]["age_hours"] == pytest.approx(3.0)
    assert found["count"] == 2
    assert found["timers"]["mailsec-backup-check.timer"]["active"] == "inactive"


def test_an_sftp_repository_is_reached_with_the_role_s_command():
    env = "RESTIC_REPOSITORY=sftp:backup@store:/srv/r\nMAILSEC_BACKUP_SFTP_COMMAND=ssh -i /k backup@store -s sftp\n"
    reader = FakeReader([], env=env)
    mailhost_info._backups(reader, {}, UNITS, now=NOW)
    assert "sftp.command=ssh -i /k backup@store -s sftp" in reader.asked[0][0]


def test_restic_s_refusal_becomes_the_evidence():
    found = mailhost_info._backups(FakeReader(rc=1, err="Fatal: wrong password or no key found\n"), {}, UNITS, now=NOW)
    assert found["snapshots_error"] == "Fatal: wrong password or no key found" and found["latest"] is None


def test_a_host_without_the_role_is_not_configured_and_restic_is_not_run():
    reader = FakeReader(env=None)
    assert mailhost_info._backups(reader, {}, UNITS, now=NOW)["configured"] is False
    assert reader.asked == []
