# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Each role's README.md, generated from its argument spec (``testbed/role-readmes.py`` writes them;
a unit test fails when a README and its spec differ). The full page is docs/roles/<role>.md."""

from __future__ import annotations

import json
import re

_MARKUP = re.compile(r"\b([CVOI])\(([^)]*)\)")


def _plain(text):
    """Ansible's doc markup (C(x), V(x), O(x), I(x)) as Markdown code."""
    return _MARKUP.sub(lambda m: "`%s`" % m.group(2), " ".join(str(text).split()))


def _cell(text):
    return _plain(text).replace("|", "\\|")


def _default(option):
    if "default" not in option:
        return ""
    return "`%s`" % json.dumps(option["default"]) if not isinstance(option["default"], str) else \
        ("`%s`" % option["default"] if option["default"] else '`""`')


def _type(option):
    kind = option.get("type", "str")
    if option.get("choices"):
        return "%s: %s" % (kind, ", ".join("`%s`" % choice for choice in option["choices"]))
    return "list of %s" % option["elements"] if kind == "list" and option.get("elements") else kind


def markdown(role, spec):
    """README.md text of ROLE (its short name) from SPEC, the parsed meta/argument_specs.yml."""
    main = spec["argument_specs"]["main"]
    description = main.get("description") or []
    lines = ["# mailsec.hardening.%s" % role, "",
             "<!-- Generated from meta/argument_specs.yml by testbed/role-readmes.py; edit the spec, not this file. -->",
             "", _plain(main["short_description"]) + ".", ""]
    lines += ["- %s" % _plain(item) for item in (description if isinstance(description, list) else [description])]
    lines += ["", "The full description, with examples and what the role proves: "
              "[docs/roles/%s.md](../../docs/roles/%s.md)." % (role, role), "",
              "## Variables", "", "| Variable | Type | Default | Description |", "|---|---|---|---|"]
    for name, option in main["options"].items():
        text = option.get("description", "")
        text = " ".join(text) if isinstance(text, list) else text
        lines.append("| `%s` | %s | %s | %s |" % (name, _type(option), _default(option), _cell(text)))
    lines += ["", "## Example", "", "```yaml", "- name: Apply mailsec.hardening.%s" % role, "  hosts: mail_servers",
              "  roles:", "    - role: mailsec.hardening.%s" % role, "```", ""]
    return "\n".join(lines)
