# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No role template writes a user's value as the user gave it.

A role variable may appear in a template only where it decides something (the test of an ``if``)
or as the input of one of the collection's filters, which return the canonical value the typed
input layer accepted (``canonical``, or a filter built on the layer for structured values).
Anything else would write the user's string, which is how text rides into a daemon's file.
"""
from __future__ import annotations

import pathlib

import jinja2
import pytest
from jinja2 import nodes

ROOT = pathlib.Path(__file__).resolve().parents[3]
TEMPLATES = sorted(ROOT.glob("roles/*/templates/*.j2"))
ROLE_PREFIXES = tuple(path.name + "_" for path in sorted((ROOT / "roles").iterdir()) if path.is_dir())


def raw_role_variables(source):
    """The role variables SOURCE uses outside a condition and outside a collection filter."""
    found = set()

    def walk(node, filtered):
        if isinstance(node, nodes.Filter) and node.name.startswith("mailsec.hardening."):
            filtered = True
        if isinstance(node, nodes.Name) and node.name.startswith(ROLE_PREFIXES) and not filtered:
            found.add(node.name)
        for field in node.fields:
            if field == "test" and isinstance(node, (nodes.If, nodes.CondExpr)):
                continue
            value = getattr(node, field, None)
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, nodes.Node):
                    walk(child, filtered)

    walk(jinja2.Environment().parse(source), False)
    return found


def test_the_roles_have_templates():
    assert len(TEMPLATES) >= 15 and "postfix_" in ROLE_PREFIXES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: "%s/%s" % (p.parts[-3], p.name))
def test_a_template_writes_only_canonical_values(template):
    assert raw_role_variables(template.read_text()) == set()


@pytest.mark.parametrize("source, raw", [
    ("x = {{ postfix_message_size_limit }}", {"postfix_message_size_limit"}),
    ("{% for n in firewall_allow %}{{ n.name }}{% endfor %}", {"firewall_allow"}),
    ("{% set s = clamav_max_message_size %}{{ s }}", {"clamav_max_message_size"}),
    ("{{ postfix_hostname | lower }}", {"postfix_hostname"}),
    ("{{ 'a' if postfix_mode == 'mx' else 'b' }}", set()),
    ("{% if postfix_extra_settings %}x{% endif %}", set()),
    ("{{ postfix_hostname | mailsec.hardening.canonical('postfix_hostname') }}", set()),
    ("{{ __postfix_tls_cert }}", set()),
])
def test_the_rule_sees_a_raw_value_and_passes_a_canonical_one(source, raw):
    # the positive control: the check can fail
    assert raw_role_variables(source) == raw
