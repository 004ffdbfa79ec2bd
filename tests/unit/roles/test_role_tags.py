# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every step of a role carries tags a site can select it by: the role's name and the families of the
controls it applies (mail_tls, mail_alias, ...); the input checks also carry `inputs` and every tag of
their role, so a run limited to some tags still checks the inputs first."""
from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
FAMILY_TAGS = set("mail_%s" % family.lower() for family in _controls.FAMILIES)


def _steps(role):
    return yaml.safe_load((ROOT / "roles" / role / "tasks" / "main.yml").read_text())


@pytest.mark.parametrize("role", ROLES)
def test_every_step_is_tagged_with_its_role_and_real_control_families(role):
    for step in _steps(role):
        tags = step.get("tags") or []
        assert role in tags, step["name"]
        assert set(tags) - {role, "inputs"} <= FAMILY_TAGS, (step["name"], tags)


@pytest.mark.parametrize("role", ROLES)
def test_the_input_check_runs_whatever_tags_are_chosen(role):
    steps = _steps(role)
    every_tag = set(tag for step in steps for tag in step.get("tags") or [])
    checks = [step for step in steps if str(step.get("ansible.builtin.import_tasks")) == "validate.yml"]
    assert checks and set(checks[0]["tags"]) == every_tag and "inputs" in every_tag


@pytest.mark.parametrize("role", ROLES)
def test_a_dynamic_step_hands_its_tags_to_the_tasks_it_includes(role):
    # include_tasks (which costs one skipped task, not one per task, when the role does not run on a host)
    # tags only itself; apply gives the included tasks the same tags, so a run limited by tags reaches them.
    for step in _steps(role):
        include = step.get("ansible.builtin.include_tasks")
        if include is not None:
            assert isinstance(include, dict) and include["apply"]["tags"] == step["tags"], step["name"]
