# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Security advisories: debsecan's history read as evidence, MAIL-HOST-003 passing a host that reports and
failing each planted fault, mailhost_info's reading through a fake reader, and the role's inputs."""

from __future__ import annotations

import copy
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.mailsec.hardening.plugins.filter.advisories import advisories_input_problems
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _advisories
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.modules import mailhost_info

from test__controls import host_evidence  # a well-kept host, as the catalogue tests judge it

NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)
# debsecan's history after a report at 2026-12-04 06:15 UTC: one fix released and not installed, one without a fix.
HISTORY = "VERSION 1\n1796364900\nCVE-2026-0001,postfix,F\nCVE-2026-0001,postfix-pcre,F\nCVE-2026-0002,libc6, \n"


def test_the_history_gives_the_time_of_the_report_and_the_fixes_not_installed():
    history = _advisories.parse_history(HISTORY)
    assert history["time"] == datetime.datetime(2026, 12, 4, 6, 15, tzinfo=datetime.timezone.utc)
    assert _advisories.fixable(history["entries"]) == [dict(bug="CVE-2026-0001", packages=["postfix", "postfix-pcre"])]


@pytest.mark.parametrize("text", ["", "VERSION 2\n1\n", "VERSION 1\nyesterday\n", "VERSION 1\n1\nCVE-1,postfix\n",
                                  "VERSION 1\n1\nCVE-1,postfix,X\n"])
def test_anything_else_is_refused_naming_what_is_wrong(text):
    with pytest.raises(ValueError):
        _advisories.parse_history(text)


@settings(max_examples=200)
@given(st.text(max_size=120))
def test_any_file_is_read_or_refused_never_a_traceback(text):
    try:
        _advisories.parse_history("VERSION 1\n1796364900\n" + text)
    except ValueError:
        pass


def judged(advisories):
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["advisories"] = advisories
    return cat.evaluate(evidence, "mx", only=("MAIL-HOST-003",))[0]


REPORTING = dict(installed=True, timer=dict(enabled="enabled", active="active"), time="2026-12-04T06:15:00Z",
                 age_hours=5.75, fixable=[dict(bug="CVE-2026-0001", packages=["postfix", "postfix-pcre"])], history_error="")


def test_a_host_that_reports_passes_and_the_fixes_not_installed_are_the_evidence():
    finding = judged(REPORTING)
    assert finding["status"] == "pass"
    assert finding["actual"].endswith("5.8 hours ago; 1 vulnerability with a Debian fix not installed: "
                                      "CVE-2026-0001 (postfix, postfix-pcre)")


@pytest.mark.parametrize("plant, evidence", [
    (lambda a: a.update(installed=False), "debsecan is not installed"),
    (lambda a: a["timer"].update(active="inactive"), "mailsec-advisories.timer enabled/inactive"),
    (lambda a: a.update(age_hours=49.0), "the last report is 49.0 hours old"),
    (lambda a: a.update(history_error="/var/lib/debsecan/history: No such file or directory"), "never ran to the end"),
])
def test_each_planted_fault_fails_with_its_evidence(plant, evidence):
    advisories = copy.deepcopy(REPORTING)
    plant(advisories)
    finding = judged(advisories)
    assert finding["status"] == "fail" and evidence in finding["actual"]


class FakeReader(object):
    def __init__(self, history):
        self.history = history

    def read(self, path):
        assert path == _advisories.HISTORY
        return (self.history, None) if self.history is not None else (None, "%s: No such file or directory" % path)


UNITS = {"mailsec-advisories.timer": dict(enabled="enabled", active="active")}


def test_mailhost_info_reads_the_history_of_an_installed_debsecan():
    found = mailhost_info._advisories_state(FakeReader(HISTORY), {"debsecan": True}, UNITS, now=NOW)
    assert found["time"] == "2026-12-04T06:15:00Z" and found["age_hours"] == pytest.approx(5.75)
    assert found["fixable"] == [dict(bug="CVE-2026-0001", packages=["postfix", "postfix-pcre"])]
    assert mailhost_info._advisories_state(FakeReader(None), {"debsecan": True}, UNITS, now=NOW)["history_error"]
    assert mailhost_info._advisories_state(FakeReader("junk"), {"debsecan": True}, UNITS, now=NOW)["history_error"]
    assert mailhost_info._advisories_state(FakeReader(HISTORY), {}, UNITS, now=NOW)["installed"] is False


@pytest.mark.parametrize("given_source, written", [
    ("https://mirror.example.org/debsecan", "https://mirror.example.org/debsecan/"),
    ("https://mirror.example.org/debsecan/", "https://mirror.example.org/debsecan/"),
    ("file:///srv/tracker/", "file:///srv/tracker/"),
])
def test_a_source_is_written_with_the_final_slash_debsecan_adds_the_release_to(given_source, written):
    assert _inputs.advisory_source(given_source, "advisories_source") == written


@pytest.mark.parametrize("values, problem", [
    (dict(advisories_source="ftp://mirror.example.org/"), "advisories_source"),
    (dict(advisories_source="file://relative/path"), "advisories_source"),
    (dict(advisories_source="https://mirror.example.org/x --mailto evil@example.net"), "advisories_source"),
    (dict(advisories_mail="root\nBcc: evil@example.net"), "advisories_mail"),
    (dict(advisories_time="6am"), "advisories_time must be HH:MM"),
])
def test_each_mistake_is_refused_naming_the_variable(values, problem):
    good = dict(advisories_mail="root", advisories_source="", advisories_time="06:15")
    problems = advisories_input_problems(dict(good, **values))
    assert len(problems) == 1 and problems[0].startswith(problem), problems
