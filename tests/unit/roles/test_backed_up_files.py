# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The baseline role prunes the backups of every file a role replaces: its list of those files
(__baseline_replaced_files) is exactly the files the roles' tasks back up, read from the tasks."""
from __future__ import annotations

import pathlib
import re

import yaml

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls

ROOT = pathlib.Path(__file__).resolve().parents[3]
# Backed-up files whose names the user chooses (clamav_local_signatures): pruned where they live.
USER_NAMED = ("{{ __clamav_database_dir }}/{{ item.name }}",)
_VARIABLE = re.compile(r"\{\{\s*(__[a-z_]+)\s*\}\}")
# A value the catalogue owns, as role vars read it: "{{ 'name' | mailsec.hardening.shared_value }}".
_SHARED = re.compile(r"\{\{\s*'([a-z_]+)'\s*\|\s*mailsec\.hardening\.shared_value\s*\}\}")


def _tasks(items):
    for item in items or []:
        if isinstance(item, dict):
            yield item
            for key in ("block", "rescue", "always"):
                yield from _tasks(item.get(key))


def _role_vars(role):
    path = ROOT / "roles" / role / "vars" / "main.yml"
    return yaml.safe_load(path.read_text()) if path.exists() else {}


def _resolve(text, variables):
    for dummy in range(5):
        text = _VARIABLE.sub(lambda m: str(variables[m.group(1)]) if m.group(1) in variables else m.group(0), text)
        text = _SHARED.sub(lambda m: str(_controls.SHARED[m.group(1)]), text)
    return text


def backed_up_files():
    found = set()
    for path in sorted(ROOT.glob("roles/*/tasks/*.yml")):
        role = path.parts[-3]
        variables = _role_vars(role)
        for task in _tasks(yaml.safe_load(path.read_text())):
            for module, args in task.items():
                if not isinstance(args, dict) or args.get("backup") is not True:
                    continue
                target = args.get("dest") or args.get("path")
                if target in USER_NAMED:
                    continue
                loop = task.get("loop", [None])
                if isinstance(loop, str):
                    loop = yaml.safe_load(_resolve(loop, variables)) if _VARIABLE.fullmatch(loop.strip()) else loop
                for item in loop if isinstance(loop, list) else [None]:
                    resolved = _resolve(target, variables)
                    if item is not None:
                        resolved = resolved.replace("{{ item }}", str(item))
                    found.add(resolved)
    return found


def test_the_baseline_prunes_exactly_the_files_the_roles_back_up():
    listed = set(_role_vars("baseline")["__baseline_replaced_files"])
    found = backed_up_files()
    assert all(name.startswith("/") and "{{" not in name for name in found), found
    assert found == listed, dict(not_listed=sorted(found - listed), not_backed_up=sorted(listed - found))
