# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""docs/controls.md, generated from the control catalogue (``testbed/controls-doc.py`` writes it;
a unit test fails when the file and the catalogue differ)."""

from __future__ import annotations

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat

_MODE_NAMES = {"mx": "mx", "relay_client": "null client", "local_only": "loopback-only"}


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _modes(control):
    if set(control.modes) == set(cat.MODES):
        return "all"
    return ", ".join(_MODE_NAMES[m] for m in control.modes)


def _settings(control):
    if not control.settings:
        return ""
    return "<br>".join("`%s = %s`" % (name, value) for name, value in sorted(control.settings.items()))


def markdown():
    """The whole of docs/controls.md."""
    lines = [
        "# Control catalogue",
        "",
        "<!-- Generated from plugins/module_utils/catalogue/_controls.py by testbed/controls-doc.py; do not edit. -->",
        "",
        "Every control of the collection, written once in `plugins/module_utils/catalogue/_controls.py`. The `postfix`",
        "role writes the settings shown here (column *Written*), `mailhost_info` judges a host's own evidence",
        "(source *host*), the audit's network checks judge what an untrusted client sees (source *network*),",
        "the network sweep compares the servers it finds with the registry (source *scan*),",
        "and every report carries these IDs. A control that does not apply to a host's mode, or needs a",
        "component the host does not have, is `not_applicable`; evidence that could not be read is `error`,",
        "never `pass`.",
        "",
        "%d controls: %s." % (len(cat.CONTROLS), ", ".join(
            "%d %s" % (len([c for c in cat.CONTROLS if c.severity == s]), s) for s in cat.SEVERITIES
            if any(c.severity == s for c in cat.CONTROLS))),
        "",
    ]
    for family, title in cat.FAMILIES.items():
        members = [c for c in cat.CONTROLS if c.family == family]
        if not members:
            continue
        lines += ["## %s (%s)" % (title, family), "",
                  "| ID | Control | Severity | Modes | Source | Expected | Written | Fix | References |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for c in members:
            lines.append("| %s |" % " | ".join(_cell(v) for v in (
                c.id, c.title, c.severity, _modes(c), c.source, c.expected, _settings(c), c.remediation,
                "; ".join(c.references))))
        lines.append("")
    deviations = [(c, mode, text) for c in cat.CONTROLS for mode, text in sorted(c.deviation.items())]
    lines += ["## Where a benchmark contradicts a working mail server", "",
              "These rules are kept in the catalogue and recorded as deviations: the audit shows them as",
              "`waived` with the text below, never as `pass`.", ""]
    for control, mode, text in deviations:
        lines.append("- **%s** on a host in mode `%s`: %s" % (control.id, mode, text))
    lines += ["", "## References", ""]
    for key, title in cat.REFERENCE_TITLES.items():
        lines.append("- **%s**: %s" % (key, title))
    return "\n".join(lines) + "\n"
