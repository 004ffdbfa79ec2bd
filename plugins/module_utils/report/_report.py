# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Waivers, the CI gate and the report writers (JSON, JUnit XML, HTML, terminal), written once
for the audit and the network sweep. Pure: text in, text out; the caller writes the files.

``results`` everywhere is {host: {"mode": str, "findings": [finding, ...]}} with findings in the
shape ``_controls.finding`` returns. ``unaudited`` lists the hosts the run was meant to cover but
could not judge (unreachable, or a task failed there): every report names them, so a silent host
never looks like a clean one.
"""

from __future__ import annotations

import datetime
import fnmatch
import html
import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
NOT_AUDITED = "%s was not audited: unreachable, or a task failed there (see the run's output)"
_ORDER = dict((s, i) for i, s in enumerate(_controls.SEVERITIES))


# A waiver is looked at again at least once a year: one that ends later is a control switched off for good.
MAX_WAIVER_DAYS = 366


def waiver_problems(waivers, variable="audit_waivers", today=None):
    """What is wrong with a list of waivers, each message naming the entry and field to fix. With TODAY (a
    date), a waiver that ends more than MAX_WAIVER_DAYS later is refused too."""
    if not isinstance(waivers, (list, tuple)):
        return ["%s must be a list of waivers ({id, hosts, justification, expires}), not %s"
                % (variable, type(waivers).__name__)]
    problems = []
    for index, waiver in enumerate(waivers):
        where = "%s[%d]" % (variable, index)
        if not isinstance(waiver, dict):
            problems.append("%s must be a mapping with id, hosts, justification and expires" % where)
            continue
        unknown = sorted(set(waiver) - {"id", "hosts", "justification", "expires"})
        if unknown:
            problems.append("%s has unknown field(s) %s" % (where, ", ".join(unknown)))
        if waiver.get("id") not in _controls.BY_ID:
            problems.append("%s.id: %r is not a control of the catalogue (see docs/controls.md)" % (where, waiver.get("id")))
        hosts = waiver.get("hosts", "*")
        if not isinstance(hosts, str) or not hosts.strip():
            problems.append("%s.hosts must be a host name pattern such as 'mx*.dept.example.org'" % where)
        justification = waiver.get("justification")
        if not isinstance(justification, str) or len(justification.strip()) < 10:
            problems.append("%s.justification must say why the control is waived (at least 10 characters)" % where)
        expires = str(waiver.get("expires", ""))
        if not _DATE.match(expires):
            problems.append("%s.expires must be a date (YYYY-MM-DD); a waiver without an end is not accepted" % where)
        else:
            try:
                ends = datetime.date.fromisoformat(expires)
            except ValueError:
                problems.append("%s.expires: %s is not a calendar date" % (where, expires))
                continue
            if today is not None and (ends - today).days > MAX_WAIVER_DAYS:
                problems.append("%s.expires: %s is more than a year away; a waiver must be reviewed within a year "
                                "(at the latest %s)" % (where, expires, today + datetime.timedelta(days=MAX_WAIVER_DAYS)))
    return problems


def apply_waivers(findings, host, waivers, today):
    """FINDINGS of HOST with WAIVERS applied on TODAY (a date): a failed control that a waiver
    covers becomes ``waived`` with the justification; an expired waiver leaves it ``fail`` and
    says so. Passing controls and evidence errors are never changed by a waiver."""
    applied = []
    for finding in findings:
        finding = dict(finding)
        for waiver in waivers:
            if waiver["id"] != finding["id"] or not fnmatch.fnmatch(host, waiver.get("hosts", "*")):
                continue
            expires = datetime.date.fromisoformat(str(waiver["expires"]))
            if finding["status"] != "fail":
                finding["note"] = _join(finding.get("note"), "a waiver until %s exists but is not needed" % expires)
            elif expires < today:
                finding["note"] = _join(finding.get("note"), "waiver expired on %s (%s)"
                                        % (expires, waiver["justification"]))
            else:
                finding["status"] = "waived"
                finding["note"] = _join(finding.get("note"), "waived until %s: %s" % (expires, waiver["justification"]))
            break
        applied.append(finding)
    return applied


def _join(first, second):
    return "%s; %s" % (first, second) if first else second


def blocking(results, threshold):
    """The findings that fail the gate: status fail or error at or above THRESHOLD severity."""
    if threshold not in _ORDER:
        raise ValueError("threshold must be one of %s, not %r" % (", ".join(_controls.SEVERITIES), threshold))
    return [dict(finding, host=host) for host, result in sorted(results.items()) for finding in result["findings"]
            if finding["status"] in ("fail", "error") and _ORDER.get(finding["severity"], 0) <= _ORDER[threshold]]


def to_json(results, generated, unaudited=(), details=None):
    """The aggregated report: every host with its mode, summary and findings, the totals, and the
    hosts that could not be audited; DETAILS (the sweep's listener table) is kept as given."""
    everything = [f for result in results.values() for f in result["findings"]]
    report = dict(generated=generated, controls=len(_controls.CONTROLS),
                  totals=_controls.summarize(everything), unaudited=sorted(unaudited),
                  hosts=dict((host, dict(mode=result["mode"], summary=_controls.summarize(result["findings"]),
                                         findings=result["findings"]))
                             for host, result in sorted(results.items())))
    if details:
        report["details"] = details
    return json.dumps(report, indent=2, sort_keys=True)


def to_junit(results, unaudited=(), title="mailsec.hardening audit"):
    """JUnit XML: one testsuite per host, one testcase per control; fail → failure, error → error,
    waived and not applicable → skipped with the reason. A host that could not be audited gets one
    testcase in error."""
    suites = ET.Element("testsuites", name=title)
    for host in sorted(unaudited):
        suite = ET.SubElement(suites, "testsuite", name=host, tests="1", failures="0", errors="1", skipped="0")
        case = ET.SubElement(suite, "testcase", classname=host, name="audit the host")
        ET.SubElement(case, "error", message=_clean(NOT_AUDITED % host))
    for host, result in sorted(results.items()):
        findings = result["findings"]
        counts = _controls.summarize(findings)
        suite = ET.SubElement(suites, "testsuite", name=host, tests=str(len(findings)), failures=str(counts["fail"]),
                              errors=str(counts["error"]), skipped=str(counts["waived"] + counts["not_applicable"]))
        for finding in findings:
            case = ET.SubElement(suite, "testcase", classname=host, name="%s %s" % (finding["id"], finding["title"]))
            text = "expected: %s\nactual: %s\nremediation: %s" % (
                finding["expected"], finding["actual"], finding["remediation"])
            if finding["status"] == "fail":
                ET.SubElement(case, "failure", message=_clean("%s (%s)" % (finding["actual"], finding["severity"])),
                              type=finding["severity"]).text = _clean(text + _note(finding))
            elif finding["status"] == "error":
                ET.SubElement(case, "error", message=_clean(finding["note"])).text = _clean(text + _note(finding))
            elif finding["status"] in ("waived", "not_applicable"):
                ET.SubElement(case, "skipped", message=_clean("%s: %s" % (finding["status"], finding["note"])))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _note(finding):
    return "\nnote: %s" % finding["note"] if finding.get("note") else ""


def _clean(text):
    """Text safe inside XML 1.0 (control characters from a hostile server removed)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "?", str(text))


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .4em;vertical-align:top}
th{background:#f3f3f3;text-align:left}
.pass{background:#e3f4e3}.fail{background:#f9d6d5}.error{background:#f6e0b5}
.waived{background:#e4e4f7}.not_applicable{color:#888}
details summary{cursor:pointer}
pre{white-space:pre-wrap;max-width:40em;margin:.3em 0}
"""


def to_html(results, generated, unaudited=(), title="mailsec.hardening audit"):
    """A self-contained page: a hosts × controls matrix, each cell opening its evidence. Every string
    from a host is escaped, so a banner with markup shows as text."""
    esc = html.escape
    hosts = sorted(results)
    ids = [c.id for c in _controls.CONTROLS if any(f["id"] == c.id for r in results.values() for f in r["findings"])]
    cells = dict(((host, f["id"]), f) for host in hosts for f in results[host]["findings"])
    rows = []
    for control_id in ids:
        control = _controls.BY_ID[control_id]
        row = ["<th>%s<br><small>%s · %s</small></th>" % (esc(control_id), esc(control.title), esc(control.severity))]
        for host in hosts:
            finding = cells.get((host, control_id))
            if finding is None:
                row.append("<td></td>")
                continue
            detail = "expected: %s\nactual: %s%s\nfix: %s" % (finding["expected"], finding["actual"],
                                                              _note(finding), finding["remediation"])
            row.append('<td class="%s"><details><summary>%s</summary><pre>%s</pre></details></td>'
                       % (esc(finding["status"]), esc(finding["status"]), esc(detail)))
        rows.append("<tr>%s</tr>" % "".join(row))
    head = "".join("<th>%s<br><small>%s</small></th>" % (esc(h), esc(results[h]["mode"])) for h in hosts)
    counts = dict((h, ", ".join("%s %d" % kv for kv in _controls.summarize(results[h]["findings"]).items() if kv[1]))
                  for h in hosts)
    totals = "".join("<li>%s: %s</li>" % (esc(h), esc(counts[h])) for h in hosts)
    totals += "".join('<li class="error">%s</li>' % esc(NOT_AUDITED % h) for h in sorted(unaudited))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>%s</title><style>%s</style></head><body>"
            "<h1>%s</h1><p>Generated %s; %d controls.</p><ul id=\"totals\">%s</ul>"
            "<table id=\"matrix\"><thead><tr><th>Control</th>%s</tr></thead><tbody>%s</tbody></table>"
            "</body></html>\n"
            % (esc(title), _STYLE, esc(title), esc(generated), len(ids), totals, head, "\n".join(rows)))


def to_terminal(results, threshold=None, unaudited=()):
    """A few lines for the terminal: per host its counts and the failures, worst first."""
    lines = ["%s: NOT AUDITED (unreachable, or a task failed there)" % host for host in sorted(unaudited)]
    for host, result in sorted(results.items()):
        counts = _controls.summarize(result["findings"])
        lines.append("%s (%s): %s" % (host, result["mode"], ", ".join("%d %s" % (n, s) for s, n in counts.items() if n)))
        failed = sorted((f for f in result["findings"] if f["status"] in ("fail", "error")),
                        key=lambda f: (_ORDER.get(f["severity"], 9), f["id"]))
        for finding in failed:
            shown = _clean(finding["actual"] or finding["note"])[:110]
            lines.append("  %-5s %-15s %-8s %s" % (finding["status"].upper(), finding["id"], finding["severity"], shown))
    if threshold:
        gate = blocking(results, threshold)
        if gate:
            verdict = "%d blocking finding(s)" % len(gate)
        elif unaudited:
            verdict = "failed: %d host(s) not audited" % len(unaudited)
        else:
            verdict = "passed"
        lines.append("gate (%s and above): %s" % (threshold, verdict))
    return "\n".join(lines) + "\n"


# The report formats audit_report writes, by name: (file suffix, writer). A writer takes
# (results, context) where context has generated, unaudited, details, title and threshold.
# To add a format, write its function above and name it here (docs/contributing.md).
FORMATS = {
    "json": (".json", lambda results, c: to_json(results, c["generated"], c["unaudited"], c["details"])),
    "junit": (".junit.xml", lambda results, c: to_junit(results, c["unaudited"], c["title"])),
    "html": (".html", lambda results, c: to_html(results, c["generated"], c["unaudited"], c["title"])),
    "text": (".txt", lambda results, c: to_terminal(results, c["threshold"], c["unaudited"])),
}


def render(name, results, context):
    """The report of format NAME (a key of FORMATS) for RESULTS."""
    return FORMATS[name][1](results, context)
