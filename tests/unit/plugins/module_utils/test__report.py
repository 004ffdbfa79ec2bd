# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Waivers, the CI gate and the report writers."""

from __future__ import annotations

import datetime
import json
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.report import _report

TODAY = datetime.date(2026, 11, 23)
HOSTILE = '<script>alert("x")</script><b>Postfix</b> & "quotes"\x07'


def finding(control_id, status, actual="", note=""):
    return cat.finding(cat.BY_ID[control_id], status, actual, note)


def results():
    return {
        "mx.dept.example.org": dict(mode="mx", findings=[
            finding("MAIL-SMTPD-002", "fail", "disable_vrfy_command = no"),
            finding("MAIL-RELAY-011", "pass", "192.0.2.25:25 closed"),
            finding("MAIL-SMTPD-011", "fail", "192.0.2.25:25: " + HOSTILE),
            finding("MAIL-NET-003", "error", "", "nft refused to list the ruleset"),
            finding("MAIL-RELAY-008", "waived", "", "documented deviation for mode mx"),
        ]),
        "client.dept.example.org": dict(mode="relay_client", findings=[
            finding("MAIL-SMTPD-002", "pass", "disable_vrfy_command = yes"),
            finding("MAIL-AV-002", "not_applicable", "", "applies to mx"),
        ]),
    }


WAIVER = dict(id="MAIL-SMTPD-002", hosts="mx*.dept.example.org", justification="VRFY needed by the helpdesk tool",
              expires="2027-01-31")


def test_a_waived_control_is_waived_never_pass():
    findings = _report.apply_waivers(results()["mx.dept.example.org"]["findings"], "mx.dept.example.org", [WAIVER],
                                     TODAY)
    vrfy = [f for f in findings if f["id"] == "MAIL-SMTPD-002"][0]
    assert vrfy["status"] == "waived"
    assert "waived until 2027-01-31: VRFY needed by the helpdesk tool" in vrfy["note"]


def test_an_expired_waiver_fails_and_says_so():
    expired = dict(WAIVER, expires="2026-11-22")
    findings = _report.apply_waivers(results()["mx.dept.example.org"]["findings"], "mx.dept.example.org", [expired],
                                     TODAY)
    vrfy = [f for f in findings if f["id"] == "MAIL-SMTPD-002"][0]
    assert vrfy["status"] == "fail"
    assert "waiver expired on 2026-11-22" in vrfy["note"]


def test_a_waiver_covers_only_matching_hosts_and_never_an_error_or_a_pass():
    waivers = [WAIVER, dict(WAIVER, id="MAIL-NET-003", hosts="*"), dict(WAIVER, id="MAIL-RELAY-011", hosts="*")]
    findings = _report.apply_waivers(results()["mx.dept.example.org"]["findings"], "other.example.org", waivers, TODAY)
    by_id = dict((f["id"], f) for f in findings)
    assert by_id["MAIL-SMTPD-002"]["status"] == "fail"   # host does not match
    assert by_id["MAIL-NET-003"]["status"] == "error"    # unreadable evidence is not waived
    assert by_id["MAIL-RELAY-011"]["status"] == "pass"
    assert "not needed" in by_id["MAIL-RELAY-011"]["note"]


@pytest.mark.parametrize("waivers, message", [
    ("MAIL-SMTPD-002", "must be a list"),
    ([dict(WAIVER, id="MAIL-NOPE-001")], "audit_waivers[0].id: 'MAIL-NOPE-001' is not a control"),
    ([dict(WAIVER, justification="")], "audit_waivers[0].justification must say why"),
    ([dict(WAIVER, expires="")], "a waiver without an end is not accepted"),
    ([dict(WAIVER, expires="2026-02-30")], "is not a calendar date"),
    ([dict(WAIVER, hosts="")], "audit_waivers[0].hosts must be a host name pattern"),
    ([dict(WAIVER, reason="x")], "unknown field(s) reason"),
    (["MAIL-SMTPD-002"], "audit_waivers[0] must be a mapping"),
])
def test_malformed_waivers_are_refused_by_name(waivers, message):
    problems = _report.waiver_problems(waivers)
    assert any(message in p for p in problems), problems


def test_the_gate_counts_failures_and_errors_at_or_above_the_threshold():
    data = results()
    assert [(f["host"], f["id"]) for f in _report.blocking(data, "medium")] == [("mx.dept.example.org", "MAIL-NET-003")]
    assert len(_report.blocking(data, "low")) == 3
    assert _report.blocking(data, "critical") == []
    with pytest.raises(ValueError):
        _report.blocking(data, "severe")


def test_json_report_aggregates_hosts():
    report = json.loads(_report.to_json(results(), "2026-11-23T12:00:00Z"))
    assert report["totals"]["fail"] == 2 and report["totals"]["pass"] == 2
    assert report["hosts"]["client.dept.example.org"]["mode"] == "relay_client"
    assert report["hosts"]["mx.dept.example.org"]["findings"][0]["id"] == "MAIL-SMTPD-002"


def test_junit_has_one_testcase_per_control_per_host_and_survives_hostile_text():
    root = ET.fromstring(_report.to_junit(results()))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["client.dept.example.org", "mx.dept.example.org"]
    mx = suites[1]
    assert mx.get("tests") == "5" and mx.get("failures") == "2" and mx.get("errors") == "1" and mx.get("skipped") == "1"
    cases = dict((c.get("name").split()[0], c) for c in mx.findall("testcase"))
    assert cases["MAIL-SMTPD-002"].find("failure").get("type") == "low"
    assert cases["MAIL-NET-003"].find("error") is not None
    assert cases["MAIL-RELAY-008"].find("skipped").get("message").startswith("waived")
    assert cases["MAIL-RELAY-011"].find("failure") is None
    assert "<script>" in cases["MAIL-SMTPD-011"].find("failure").text  # as text, parsed back intact


def test_html_escapes_every_string_from_a_host():
    page = _report.to_html(results(), "2026-11-23")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Postfix&lt;/b&gt; &amp;" in page
    assert page.count("<tr>") == 1 + 6  # header and one row per control seen
    assert '<td class="fail"><details><summary>fail</summary>' in page


def test_terminal_summary_lists_failures_worst_first_and_the_gate():
    text = _report.to_terminal(results(), "medium")
    lines = text.splitlines()
    assert lines[0] == "client.dept.example.org (relay_client): 1 pass, 1 not_applicable"
    assert lines[2].split()[:2] == ["ERROR", "MAIL-NET-003"]  # medium before the two low failures
    assert "\x07" not in text
    assert lines[-1] == "gate (medium and above): 1 blocking finding(s)"


def test_a_host_that_could_not_be_audited_is_named_in_every_report():
    gone = ["lab.dept.example.org"]
    report = json.loads(_report.to_json(results(), "2026-11-23T12:00:00Z", gone))
    assert report["unaudited"] == gone and "lab.dept.example.org" not in report["hosts"]
    suites = ET.fromstring(_report.to_junit(results(), gone))
    lab = [s for s in suites if s.get("name") == "lab.dept.example.org"][0]
    assert lab.get("errors") == "1" and lab[0].find("error").get("message").startswith("lab.dept.example.org was not")
    assert "lab.dept.example.org was not audited" in _report.to_html(results(), "now", gone)
    clean = {"client.dept.example.org": results()["client.dept.example.org"]}
    text = _report.to_terminal(clean, "high", gone)
    assert text.startswith("lab.dept.example.org: NOT AUDITED")
    assert "gate (high and above): failed: 1 host(s) not audited" in text
