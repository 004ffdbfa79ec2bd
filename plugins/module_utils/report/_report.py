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

import base64
import datetime
import fnmatch
import hashlib
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
            text = _evidence(finding)
            if finding["status"] == "fail":
                ET.SubElement(case, "failure", message=_clean("%s (%s)" % (finding["actual"], finding["severity"])),
                              type=finding["severity"]).text = _clean(text)
            elif finding["status"] == "error":
                ET.SubElement(case, "error", message=_clean(finding["note"])).text = _clean(text)
            elif finding["status"] in ("waived", "not_applicable"):
                ET.SubElement(case, "skipped", message=_clean("%s: %s" % (finding["status"], finding["note"])))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _note(finding):
    return "\nnote: %s" % finding["note"] if finding.get("note") else ""


def _clean(text):
    """Text safe inside XML 1.0 (control characters from a hostile server removed)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "?", str(text))


# How much a control of each severity counts in the score; info, and any severity not named here, counts 1.
SEVERITY_WEIGHTS = {"critical": 8, "high": 4, "medium": 2, "low": 1, "info": 1}
_JUDGED = ("pass", "fail", "error")
_FAILING = ("fail", "error")
# The order a host's findings are listed in: failures, errors, waivers, not applicable (passes are folded).
_LISTING = dict((s, i) for i, s in enumerate(("fail", "error", "waived", "not_applicable")))
# The status filter's choices: (value, label); "" shows everything, "fail" shows fail and error.
_STATUS_CHOICES = (("", "all"), ("fail", "fail or error"), ("pass", "pass"), ("waived", "waived"),
                   ("not_applicable", "not applicable"))


def _weight(severity):
    return SEVERITY_WEIGHTS.get(severity, 1)


def score(findings):
    """The share of judged FINDINGS (pass, fail or error; waived and not_applicable do not count) that
    pass, each weighted by its severity (SEVERITY_WEIGHTS), in whole percent; None when nothing was judged."""
    judged = sum(_weight(f["severity"]) for f in findings if f["status"] in _JUDGED)
    if not judged:
        return None
    passed = sum(_weight(f["severity"]) for f in findings if f["status"] == "pass")
    return round(100 * passed / judged)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .4em;vertical-align:top}
th{background:#f3f3f3;text-align:left}
.pass{background:#e3f4e3}.fail{background:#f9d6d5}.error{background:#f6e0b5}
.waived{background:#e4e4f7}.not_applicable{color:#888}
details summary{cursor:pointer}
.finding,.passes{margin:.2em 0;padding:.2em .4em;border-radius:3px}
.passes{background:#eef8ee}
.severity,.status{font-size:.85em;padding:0 .3em;border:1px solid #aaa;border-radius:3px}
pre{white-space:pre-wrap;max-width:60em;margin:.3em 0}
[hidden]{display:none!important}
"""

# The filter: reads the choice from location.hash (#status=fail&host=mx1) and writes it back, so a
# filtered view is a link; it only compares attribute values and sets `hidden`, never builds markup.
_SCRIPT = """
(function () {
  var statusSelect = document.getElementById("status-filter");
  var hostSelect = document.getElementById("host-filter");
  function choose(select, value) {
    select.value = value || "";
    if (select.selectedIndex < 0) { select.value = ""; }
  }
  function matches(element, status, host) {
    var its = element.getAttribute("data-status");
    var hostMatches = !host || element.getAttribute("data-host") === host;
    var statusMatches = !status || its === null || its === status || (status === "fail" && its === "error");
    return hostMatches && statusMatches;
  }
  function apply() {
    var elements = document.querySelectorAll("#findings [data-host]");
    for (var i = 0; i < elements.length; i++) {
      elements[i].hidden = !matches(elements[i], statusSelect.value, hostSelect.value);
    }
  }
  function read() {
    var params = new URLSearchParams(location.hash.slice(1));
    choose(statusSelect, params.get("status"));
    choose(hostSelect, params.get("host"));
    apply();
  }
  function write() {
    var params = new URLSearchParams();
    if (statusSelect.value) { params.set("status", statusSelect.value); }
    if (hostSelect.value) { params.set("host", hostSelect.value); }
    location.hash = params.toString();
    apply();
  }
  statusSelect.addEventListener("change", write);
  hostSelect.addEventListener("change", write);
  window.addEventListener("hashchange", read);
  read();
}());
"""


def _csp_hash(text):
    """The CSP source that allows exactly the inline element whose text is TEXT."""
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


# Only the page's own style and script may apply: nothing from a host could run even if escaping failed.
_CSP = "default-src 'none'; style-src %s; script-src %s" % (_csp_hash(_STYLE), _csp_hash(_SCRIPT))


def _esc(value):
    """VALUE as HTML text or attribute value: control characters replaced, markup and quotes escaped."""
    return html.escape(_clean(value), quote=True)


def _score_text(findings):
    value = score(findings)
    return "n/a" if value is None else "%d%%" % value


def _evidence(finding):
    return "expected: %s\nactual: %s\nremediation: %s%s" % (
        finding["expected"], finding["actual"], finding["remediation"], _note(finding))


def _summary_row(name, mode, findings):
    """NAME's score, its failing findings by severity, and its findings by status."""
    failing = [f["severity"] for f in findings if f["status"] in _FAILING]
    counts = _controls.summarize(findings)
    by_severity = "".join('<td class="fail">%d</td>' % failing.count(s) if s in failing else "<td>0</td>"
                          for s in _controls.SEVERITIES)
    by_status = "".join("<td>%d</td>" % counts[s] for s in _controls.STATUSES)
    return '<tr><th>%s</th><td>%s</td><td class="score">%s</td>%s%s</tr>' % (
        _esc(name), _esc(mode), _score_text(findings), by_severity, by_status)


def _summary(results, unaudited):
    columns = len(_controls.SEVERITIES) + len(_controls.STATUSES) + 2
    head = ('<tr><th rowspan="2">Host</th><th rowspan="2">Mode</th><th rowspan="2">Score</th>'
            '<th colspan="%d">Failing (fail or error) by severity</th><th colspan="%d">Findings by status</th></tr>'
            '<tr>%s</tr>' % (len(_controls.SEVERITIES), len(_controls.STATUSES),
                             "".join("<th>%s</th>" % s for s in _controls.SEVERITIES + _controls.STATUSES)))
    rows = ['<tr class="error"><th>%s</th><td colspan="%d">%s</td></tr>' % (_esc(host), columns, _esc(NOT_AUDITED % host))
            for host in sorted(unaudited)]
    rows += [_summary_row(host, result["mode"], result["findings"]) for host, result in sorted(results.items())]
    everything = [f for result in results.values() for f in result["findings"]]
    weights = ", ".join("%s %d" % (s, _weight(s)) for s in _controls.SEVERITIES)
    return ('<table id="summary"><thead>%s</thead><tbody>%s</tbody><tfoot>%s</tfoot></table>'
            '<p id="score-formula">Score: the share of judged controls (pass, fail or error; waived and not applicable '
            'do not count) that pass, each weighted by its severity (%s), as 100 &times; weighted passes / weighted '
            'judged, rounded; n/a when nothing was judged.</p>'
            % (head, "".join(rows), _summary_row("All hosts", "", everything), weights))


def _finding(host, finding):
    """One finding: id, title, severity and status, its evidence folded (open when it fails)."""
    status = _esc(finding["status"])
    return ('<details class="finding %s" data-host="%s" data-status="%s"%s><summary><code>%s</code> %s '
            '<span class="severity">%s</span> <span class="status %s">%s</span></summary><pre>%s</pre></details>'
            % (status, _esc(host), status, " open" if finding["status"] in _FAILING else "", _esc(finding["id"]),
               _esc(finding["title"]), _esc(finding["severity"]), status, status, _esc(_evidence(finding))))


def _listing_order(finding):
    return (_LISTING.get(finding["status"], len(_LISTING)), _ORDER.get(finding["severity"], len(_ORDER)),
            finding["id"])


def _host_findings(host, result):
    """HOST's findings, failures first, its passes folded into one closed details."""
    findings = sorted(result["findings"], key=_listing_order)
    listed = "".join(_finding(host, f) for f in findings if f["status"] != "pass")
    passes = [_finding(host, f) for f in findings if f["status"] == "pass"]
    if passes:
        listed += ('<details class="passes" data-host="%s" data-status="pass"><summary>%s</summary>%s</details>'
                   % (_esc(host), "1 control passes" if len(passes) == 1 else "%d controls pass" % len(passes),
                      "".join(passes)))
    return ('<section class="host" data-host="%s"><h3>%s <small>%s &middot; score %s</small></h3>%s</section>'
            % (_esc(host), _esc(host), _esc(result["mode"]), _score_text(result["findings"]), listed))


def _filters(hosts):
    statuses = "".join('<option value="%s">%s</option>' % choice for choice in _STATUS_CHOICES)
    names = "".join('<option value="%s">%s</option>' % (_esc(h), _esc(h)) for h in hosts)
    return ('<p id="filters"><label>Status <select id="status-filter">%s</select></label> '
            '<label>Host <select id="host-filter"><option value="">all</option>%s</select></label></p>'
            '<noscript><p>Without JavaScript the filters do nothing: every finding is shown.</p></noscript>'
            % (statuses, names))


def _controls_seen(results):
    """The ids of the controls some host has a finding for, in catalogue order."""
    seen = set(f["id"] for result in results.values() for f in result["findings"])
    return [c.id for c in _controls.CONTROLS if c.id in seen]


def _matrix(results, ids):
    """The hosts × controls overview (IDS are its rows), each cell opening its evidence."""
    hosts = sorted(results)
    cells = dict(((host, f["id"]), f) for host in hosts for f in results[host]["findings"])
    rows = []
    for control_id in ids:
        control = _controls.BY_ID[control_id]
        row = ["<th>%s<br><small>%s · %s</small></th>" % (_esc(control_id), _esc(control.title), _esc(control.severity))]
        for host in hosts:
            finding = cells.get((host, control_id))
            if finding is None:
                row.append("<td></td>")
                continue
            row.append('<td class="%s"><details><summary>%s</summary><pre>%s</pre></details></td>'
                       % (_esc(finding["status"]), _esc(finding["status"]), _esc(_evidence(finding))))
        rows.append("<tr>%s</tr>" % "".join(row))
    head = "".join("<th>%s<br><small>%s</small></th>" % (_esc(h), _esc(results[h]["mode"])) for h in hosts)
    return ('<table id="matrix"><thead><tr><th>Control</th>%s</tr></thead><tbody>%s</tbody></table>'
            % (head, "\n".join(rows)))


def to_html(results, generated, unaudited=(), title="mailsec.hardening audit"):
    """A self-contained page: a summary (failing findings by severity, a weighted score) per host and
    overall, each host's findings failures first with its passes folded, filters by status and host
    kept in the URL's #fragment, and the hosts × controls matrix. Every string from a host is escaped,
    and the Content-Security-Policy lets only the page's own style and script apply."""
    hosts = sorted(results)
    ids = _controls_seen(results)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">"
            "<title>%s</title><style>%s</style></head><body>"
            "<h1>%s</h1><p>Generated %s; %d controls.</p>"
            "<h2>Summary</h2>%s"
            "<h2>Findings</h2>%s<div id=\"findings\">%s</div>"
            "<h2>Hosts &times; controls</h2>%s"
            "<script>%s</script></body></html>\n"
            % (_CSP, _esc(title), _STYLE, _esc(title), _esc(generated), len(ids), _summary(results, unaudited),
               _filters(hosts), "".join(_host_findings(h, results[h]) for h in hosts), _matrix(results, ids), _SCRIPT))


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
