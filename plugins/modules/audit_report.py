#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: audit_report
short_description: Apply waivers to audit or scan findings and write the reports
version_added: 1.0.0
description:
  - Takes the findings of M(mailsec.hardening.mailhost_info) and M(mailsec.hardening.mailhost_network_info) for every
    audited host, or of M(mailsec.hardening.smtp_scan) for every swept address, and applies the waivers (a failed
    control a valid waiver covers becomes V(waived), never V(pass); an expired waiver leaves it V(fail) and says so).
  - Writes the reports into O(dest) - C(NAME.json) (every host), C(hosts/HOST.json) (one per host; hosts whose names
    give the same file name get a short digest of their name added, so none overwrites another), C(NAME.junit.xml)
    (one test case per control per host, for CI systems), C(NAME.html) (a self-contained page - a summary by severity
    with a score per host, each host's failures first and passes folded, filters by status and host kept in the
    link, and the hosts x controls matrix; every string from a host escaped, scripts limited by a Content Security
    Policy) and C(NAME.txt) (the terminal summary), NAME being O(name).
  - Returns the findings that block at O(fail_severity) and above, so the play can fail for CI after the reports are
    written. The module itself does not fail on findings.
  - It runs where the reports are wanted, normally the control node (C(delegate_to=localhost), C(run_once=true)).
    The audited hosts are never touched. In check mode nothing is written; the audit playbook runs this task with
    C(check_mode=false), because the reports are what an audit is for.
options:
  results:
    description:
      - "The findings per host, C({HOST: {mode: MODE, findings: [FINDING, ...]}}), as the audit modules return them;
        for a scan the hosts are addresses and MODE may be V(unregistered)."
    type: dict
    required: true
  name:
    description: The reports' file name without extension - V(audit) for the audit, V(scan) for a network sweep.
    type: str
    default: audit
  title:
    description: The heading of the HTML page and the name of the JUnit test suites.
    type: str
    default: mailsec.hardening audit
  details:
    description: Data kept as given under C(details) in the aggregated JSON, such as the sweep's listener table.
    type: dict
  unaudited:
    description:
      - Hosts the run was meant to audit but could not (unreachable, or a task failed there). Every report names them
        (a JUnit test case in error for each), and the gate line of the terminal summary fails.
    type: list
    elements: str
    default: []
  waivers:
    description:
      - Recorded exceptions, each C({id, hosts, justification, expires}) - the control ID, a host name pattern (shell
        wildcards, default V(*)), why the control does not apply (at least 10 characters) and the last day the waiver
        holds (V(YYYY-MM-DD)), at most a year after O(today), so every waiver is reviewed. An invalid waiver fails the
        task before anything is written.
    type: list
    elements: dict
    default: []
  fail_severity:
    description:
      - Findings with status V(fail) or V(error) at this severity or above block (RV(blocking)). V(none) blocks nothing.
    type: str
    choices: [critical, high, medium, low, info, none]
    default: high
  dest:
    description: The directory the reports are written to; created when missing.
    type: path
    required: true
  today:
    description: The date waivers are judged on, V(YYYY-MM-DD). Defaults to the date on the host the task runs on.
    type: str
attributes:
  check_mode:
    description: In check mode the reports are built and returned in RV(summary) and RV(terminal) but not written.
    support: full
  diff_mode:
    description: No diff is shown; the reports are files an audit produces, not configuration.
    support: none
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Write the reports and keep what blocks
  mailsec.hardening.audit_report:
    results: "{{ __audit_results }}"
    waivers:
      - id: MAIL-NET-003
        hosts: "mx*.dept.example.org"
        justification: The campus border firewall filters this segment (ticket NET-4411)
        expires: "2027-06-30"
    fail_severity: high
    dest: "{{ playbook_dir }}/audit-reports"
  delegate_to: localhost
  run_once: true
  check_mode: false
  register: __audit_report
"""

RETURN = r"""
paths:
  description: The files written (or that would be, in check mode).
  returned: always
  type: dict
  sample: {json: reports/audit.json, junit: reports/audit.junit.xml, html: reports/audit.html, text: reports/audit.txt,
           hosts: {mx.dept.example.org: reports/hosts/mx.dept.example.org.json}}
by_host:
  description: The findings per host with the waivers applied.
  returned: always
  type: dict
summary:
  description: How many findings have each status, over every host.
  returned: always
  type: dict
  sample: {pass: 120, fail: 3, waived: 4, not_applicable: 30, error: 0}
blocking:
  description: The findings that block at O(fail_severity), each with its C(host).
  returned: always
  type: list
  elements: dict
terminal:
  description: The terminal summary, one line per host and one per failure.
  returned: always
  type: str
"""

import datetime
import hashlib
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry
from ansible_collections.mailsec.hardening.plugins.module_utils.report import _report

REPORT_MODES = _controls.MODES + (_registry.UNREGISTERED,)


def results_problems(results):
    """What is wrong with the results option, naming the host and field."""
    problems = []
    for host, result in results.items():
        if not isinstance(result, dict) or result.get("mode") not in REPORT_MODES \
                or not isinstance(result.get("findings"), list):
            problems.append("results[%s] must be {mode: one of %s, findings: [...]}" % (host, ", ".join(REPORT_MODES)))
            continue
        for finding in result["findings"]:
            if not isinstance(finding, dict) or finding.get("id") not in _controls.BY_ID \
                    or finding.get("status") not in _controls.STATUSES:
                problems.append("results[%s] holds a finding that is not one of the audit modules': %.80r" % (host, finding))
                break
    return problems


def file_name(host):
    """A file name for HOST that cannot leave the hosts directory."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", host).lstrip(".") or "_"


def host_files(hosts):
    """{host: file name}: file_name(host), or, for hosts whose names come out the same (a/b and a_b), that
    name with a short digest of the host's own name, so no host's report overwrites another's."""
    names = dict((host, file_name(host)) for host in hosts)
    taken = [name.lower() for name in names.values()]
    return dict((host, name if taken.count(name.lower()) == 1 else
                 "%s-%s" % (name, hashlib.sha256(host.encode("utf-8")).hexdigest()[:10]))
                for host, name in names.items())


def write(module, path, text):
    """Write TEXT to PATH atomically; True when the content changed. The text goes to a temporary
    file of its own beside PATH, reaches the disk, and then replaces PATH in one rename
    (AnsibleModule.atomic_move), so a reader never sees half a report and two runs never share a
    temporary file."""
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                return False
    except (IOError, OSError, ValueError):
        pass
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        module.atomic_move(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return True


def main():
    module = AnsibleModule(
        argument_spec=dict(
            results=dict(type="dict", required=True),
            unaudited=dict(type="list", elements="str", default=[]),
            waivers=dict(type="list", elements="dict", default=[]),
            fail_severity=dict(type="str", choices=list(_controls.SEVERITIES) + ["none"], default="high"),
            dest=dict(type="path", required=True),
            today=dict(type="str"),
            name=dict(type="str", default="audit"),
            title=dict(type="str", default="mailsec.hardening audit"),
            details=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    problems = results_problems(p["results"])
    if not re.match(r"^[a-z0-9][a-z0-9_-]{0,63}\Z", p["name"]):
        problems.append("name must be a plain file name such as audit or scan (lower case, digits, '-', '_'), "
                        "got %r" % p["name"])
    try:
        today = datetime.date.fromisoformat(p["today"]) if p["today"] else datetime.date.today()
    except ValueError:
        problems.append("today must be a date, YYYY-MM-DD, got %r" % p["today"])
        today = None
    problems += _report.waiver_problems(p["waivers"], "waivers", today)
    if problems:
        module.fail_json(msg="; ".join(problems))
    results = dict((host, dict(mode=result["mode"],
                               findings=_report.apply_waivers(result["findings"], host, p["waivers"], today)))
                   for host, result in p["results"].items())
    generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    threshold = None if p["fail_severity"] == "none" else p["fail_severity"]
    unaudited = sorted(set(p["unaudited"]) - set(results))
    context = dict(generated=generated, unaudited=unaudited, details=p["details"], title=p["title"], threshold=threshold)
    terminal = _report.render("text", results, context)
    dest = p["dest"]
    base = os.path.join(dest, p["name"])
    paths = dict((name, base + suffix) for name, (suffix, dummy) in _report.FORMATS.items())
    paths["hosts"] = dict((host, os.path.join(dest, "hosts", name + ".json")) for host, name in host_files(results).items())
    changed = False
    if not module.check_mode:
        try:
            os.makedirs(os.path.join(dest, "hosts"), exist_ok=True)
            # the generated time is in the JSON and HTML, so those change on every run
            for name in _report.FORMATS:
                changed |= write(module, paths[name], terminal if name == "text" else _report.render(name, results, context))
            for host, path in paths["hosts"].items():
                changed |= write(module, path, _report.render("json", {host: results[host]}, dict(context, unaudited=(), details=None)))
        except (IOError, OSError) as error:
            module.fail_json(msg="cannot write the reports to %s: %s; choose a writable dest" % (dest, error))
    everything = [f for result in results.values() for f in result["findings"]]
    # not "results": Ansible keeps that key for loops and renames it in a module's return
    module.exit_json(changed=changed, paths=paths, by_host=results, summary=_controls.summarize(everything),
                     blocking=_report.blocking(results, threshold) if threshold else [], terminal=terminal,
                     unaudited=unaudited)


if __name__ == "__main__":
    main()
