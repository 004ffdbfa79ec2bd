# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The values the roles and the audit share are spelled once, in the catalogue (_controls): no code
or role file repeats the mail ports or ClamAV's memory needs; they read them instead."""
from __future__ import annotations

import ast
import pathlib
import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.filter.controls import shared_value
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls

ROOT = pathlib.Path(__file__).resolve().parents[2]
OWNER = ROOT / "plugins" / "module_utils" / "catalogue" / "_controls.py"
SHARED_LITERALS = [(25, 465, 587), (587, 465), (465, 587)]
SHARED_NUMBERS = [_controls.CLAMAV_DATABASE_MEMORY_MB, _controls.CLAMAV_RELOAD_MEMORY_MB]
# Role files a user reads as documentation (argument specs) must spell defaults out.
ROLE_FILES = [p for p in ROOT.glob("roles/*/*/*") if p.suffix in (".yml", ".j2") and p.parent.name != "meta"]
ROLE_FILES += sorted(ROOT.glob("playbooks/**/*.yml"))


def python_repeats(source, numbers=True):
    """Tuples or lists of the shared mail ports, and (NUMBERS) the shared memory figures, in Python SOURCE's code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Constant) for e in node.elts):
            values = tuple(e.value for e in node.elts)
            if values in SHARED_LITERALS:
                found.append("%s at line %d" % (values, node.lineno))
        elif numbers and isinstance(node, ast.Constant) and node.value in SHARED_NUMBERS and not isinstance(node.value, bool):
            found.append("%s at line %d" % (node.value, node.lineno))
    return found


def role_repeats(text, numbers=True):
    return re.findall(r"\[25, 465, 587\]|\[587, 465\]" + (r"|\b(?:3072|4096)\b" if numbers else ""), text)


def _about_clamav(path):
    """Files where 3072 and 4096 would be ClamAV's memory needs (elsewhere they are buffer and key sizes)."""
    return "clamav" in str(path) or path.name == "_filter_inputs.py"


@pytest.mark.parametrize("path", sorted(p for p in ROOT.glob("plugins/**/*.py") if p != OWNER),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_plugin_spells_a_shared_value(path):
    assert python_repeats(path.read_text(), numbers=_about_clamav(path)) == []


def test_no_role_or_playbook_spells_a_shared_value():
    found = dict((str(p.relative_to(ROOT)), role_repeats(p.read_text(), numbers=_about_clamav(p))) for p in ROLE_FILES)
    assert dict((k, v) for k, v in found.items() if v) == {}


def test_the_scan_sees_a_repeated_value():
    # positive control
    assert python_repeats("ports = (25, 465, 587)\nneed = 3072\n") == ["(25, 465, 587) at line 1", "3072 at line 2"]
    assert role_repeats("ports: [25, 465, 587]") == ["[25, 465, 587]"]


def test_the_roles_read_the_shared_values():
    assert shared_value("mail_ports") == [25, 465, 587] and shared_value("tls_floor") == "TLSv1.2"
    with pytest.raises(AnsibleFilterError, match="not a shared value"):
        shared_value("smtp_ports")


def test_the_filter_documents_exactly_the_shared_names():
    """shared_value's documented choices are the catalogue's SHARED names, and its page repeats no value."""
    import yaml

    doc = yaml.safe_load((pathlib.Path(__file__).resolve().parents[2] / "plugins/filter/shared_value.yml").read_text())
    assert sorted(doc["DOCUMENTATION"]["options"]["_input"]["choices"]) == sorted(_controls.SHARED)
