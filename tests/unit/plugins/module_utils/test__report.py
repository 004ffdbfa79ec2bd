# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Waivers, the CI gate and the report writers."""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import json
import re
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
    matrix = page[page.index('<table id="matrix">'):]
    assert matrix.count("<tr>") == 1 + 6  # header and one row per control seen
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


# --- The HTML page ---------------------------------------------------------------------------------------
HOSTILE_HOST = """<img src=x onerror=alert(1)>"'"""


def severe_results():
    """One host failing at every severity, with an error, a waiver, a control not applicable and passes."""
    return {
        "mx1": dict(mode="mx", findings=[
            finding("MAIL-SMTPD-002", "fail", "disable_vrfy_command = no"),           # low
            finding("MAIL-RELAY-008", "waived", "", "documented deviation"),         # medium
            finding("MAIL-RELAY-001", "fail", "relay open"),                         # critical
            finding("MAIL-NET-003", "error", "", "nft refused"),                     # medium
            finding("MAIL-AV-002", "not_applicable", "", "applies to mx"),           # high
            finding("MAIL-RELAY-003", "fail", "mynetworks = 0.0.0.0/0"),             # high
            finding("MAIL-SMTPD-001", "error", "", "no banner read"),                # low
            finding("MAIL-RELAY-004", "fail", "x"),                                  # medium
            finding("MAIL-RELAY-011", "pass", "closed"),                             # critical
            finding("MAIL-SMTPD-011", "pass", "220 mx1 ESMTP"),                      # low
            finding("MAIL-RELAY-002", "pass", "ok"),                                 # high
        ]),
        "mx2": dict(mode="mx", findings=[finding("MAIL-SMTPD-002", "pass", "disable_vrfy_command = yes")]),
    }


def listed(page, host):
    """(status, id, open) of HOST's findings in the order the page lists them."""
    return re.findall(r'<details class="finding [a-z_]+" data-host="%s" data-status="([a-z_]+)"( open)?>'
                      r'<summary><code>([A-Z0-9-]+)</code>' % re.escape(host), page)


def test_the_score_weights_judged_controls_by_severity():
    assert _report.SEVERITY_WEIGHTS == {"critical": 8, "high": 4, "medium": 2, "low": 1, "info": 1}
    assert set(cat.SEVERITIES) <= set(_report.SEVERITY_WEIGHTS)
    # passes: critical 8 + low 1 + high 4 = 13; judged adds fails critical 8, high 4, medium 2, low 1 and
    # errors medium 2, low 1 = 18: 13 / 31; the waived and not applicable controls do not count
    assert _report.score(severe_results()["mx1"]["findings"]) == round(100 * 13 / 31) == 42
    assert _report.score([finding("MAIL-RELAY-011", "pass"), finding("MAIL-SMTPD-002", "fail")]) == 89  # 8 / 9
    assert _report.score([finding("MAIL-RELAY-011", "fail"), finding("MAIL-SMTPD-002", "pass")]) == 11  # 1 / 9
    assert _report.score([finding("MAIL-RELAY-011", "error"), finding("MAIL-SMTPD-002", "waived"),
                          finding("MAIL-SMTPD-001", "not_applicable")]) == 0
    info = dict(finding("MAIL-SMTPD-002", "pass"), severity="info")
    odd = dict(finding("MAIL-SMTPD-002", "fail"), severity="unheard-of")
    assert _report.score([info, odd, finding("MAIL-RELAY-004", "fail")]) == 25  # 1 / (1 + 1 + 2)


def test_nothing_judged_scores_n_a():
    assert _report.score([]) is None
    assert _report.score([finding("MAIL-RELAY-008", "waived"), finding("MAIL-AV-002", "not_applicable")]) is None
    page = _report.to_html({"idle": dict(mode="local_only", findings=[finding("MAIL-AV-002", "not_applicable")])}, "now")
    assert '<tr><th>idle</th><td>local_only</td><td class="score">n/a</td>' in page
    assert "score n/a</small>" in page


def test_the_summary_counts_failing_findings_by_severity_per_host_and_overall():
    page = _report.to_html(severe_results(), "now")
    summary = page[page.index('<table id="summary">'):page.index("</table>")]
    assert "<th>critical</th><th>high</th><th>medium</th><th>low</th><th>info</th>" in summary
    # mx1: failing critical 1, high 1, medium 2 (a fail and an error), low 2, info 0; then pass 3, fail 4,
    # waived 1, not_applicable 1, error 2
    assert ('<tr><th>mx1</th><td>mx</td><td class="score">42%</td><td class="fail">1</td><td class="fail">1</td>'
            '<td class="fail">2</td><td class="fail">2</td><td>0</td>'
            '<td>3</td><td>4</td><td>1</td><td>1</td><td>2</td></tr>') in summary
    assert '<tr><th>mx2</th><td>mx</td><td class="score">100%</td><td>0</td>' in summary
    # overall: 14 / 32 weighted passes
    assert '<tfoot><tr><th>All hosts</th><td></td><td class="score">44%</td><td class="fail">1</td>' in summary
    assert "100 &times; weighted passes / weighted judged" in page
    assert "(critical 8, high 4, medium 2, low 1, info 1)" in page
    assert page.index('id="summary"') < page.index('id="findings"') < page.index('id="matrix"')


def test_findings_are_listed_failures_first_by_severity_then_errors_then_the_rest():
    page = _report.to_html(severe_results(), "now")
    assert listed(page, "mx1")[:8] == [
        ("fail", " open", "MAIL-RELAY-001"), ("fail", " open", "MAIL-RELAY-003"), ("fail", " open", "MAIL-RELAY-004"),
        ("fail", " open", "MAIL-SMTPD-002"),
        ("error", " open", "MAIL-NET-003"), ("error", " open", "MAIL-SMTPD-001"),
        ("waived", "", "MAIL-RELAY-008"), ("not_applicable", "", "MAIL-AV-002")]
    assert "<summary><code>MAIL-RELAY-001</code> %s <span" % html.escape(cat.BY_ID["MAIL-RELAY-001"].title) in page
    first = page[page.index('data-host="mx1" data-status="fail" open>'):]
    evidence = first[:first.index("</details>")]
    assert '<span class="severity">critical</span> <span class="status fail">fail</span>' in evidence
    assert "expected: " in evidence and "actual: relay open" in evidence and "remediation: " in evidence
    assert "note: nft refused" in page


def test_passes_are_folded_in_one_closed_details_per_host():
    page = _report.to_html(severe_results(), "now")
    folds = re.findall(r'<details class="passes" data-host="([^"]*)" data-status="pass"><summary>([^<]*)</summary>',
                       page)
    assert folds == [("mx1", "3 controls pass"), ("mx2", "1 control passes")]
    fold = page[page.index('<details class="passes" data-host="mx1"'):page.index('<details class="passes" data-host="mx2"')]
    assert listed(fold, "mx1") == [("pass", "", "MAIL-RELAY-011"), ("pass", "", "MAIL-RELAY-002"),
                                   ("pass", "", "MAIL-SMTPD-011")]
    assert listed(page, "mx1")[8:] == listed(fold, "mx1")  # nothing listed after the fold
    assert "passes\" data-host=\"mx1\" data-status=\"pass\" open" not in page


def test_the_content_security_policy_allows_exactly_the_inline_style_and_script():
    page = _report.to_html(results(), "now")
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)

    def source(text):
        return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    policy = ("default-src 'none'; style-src %s; script-src %s" % (source(style), source(script)))
    assert '<meta http-equiv="Content-Security-Policy" content="%s">' % policy in page
    assert page.index("Content-Security-Policy") < page.index("<style>")  # in force before the style applies
    assert page.count("<script") == 1 and page.count("<style") == 1
    assert "src=" not in page.replace("default-src", "").replace("style-src", "").replace("script-src", "")
    assert "location.hash" in script and "innerHTML" not in script and "querySelector(" not in script


def test_hostile_host_names_and_banners_stay_text_everywhere():
    data = severe_results()
    data[HOSTILE_HOST] = dict(mode="<b>mx</b>", findings=[
        finding("MAIL-SMTPD-011", "fail", "ESMTP Postfix <b>Debian</b>"), finding("MAIL-SMTPD-002", "pass")])
    page = _report.to_html(data, "<i>now</i>", unaudited=[HOSTILE_HOST + "2"], title="<u>audit</u>")
    assert "<img" not in page and "<b>" not in page and "<i>" not in page and "<u>" not in page
    assert page.count("<script") == 1
    escaped = "&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;"
    assert 'data-host="%s" data-status="fail" open>' % escaped in page
    assert '<option value="%s">%s</option>' % (escaped, escaped) in page
    assert "<th>%s2</th>" % escaped in page
    assert "ESMTP Postfix &lt;b&gt;Debian&lt;/b&gt;" in page


def test_the_filters_offer_every_status_and_host():
    page = _report.to_html(severe_results(), "now")
    assert ('<select id="status-filter"><option value="">all</option><option value="fail">fail or error</option>'
            '<option value="pass">pass</option><option value="waived">waived</option>'
            '<option value="not_applicable">not applicable</option></select>') in page
    assert ('<select id="host-filter"><option value="">all</option><option value="mx1">mx1</option>'
            '<option value="mx2">mx2</option></select>') in page
    assert re.search(r"<[^>]* hidden[ =>]", page) is None  # without the script, everything shows


def test_unaudited_hosts_are_listed_in_the_summary():
    page = _report.to_html(severe_results(), "now", unaudited=["lab.dept.example.org"])
    summary = page[page.index('<table id="summary">'):page.index("</table>")]
    assert ('<tr class="error"><th>lab.dept.example.org</th><td colspan="12">lab.dept.example.org was not audited'
            in summary)
