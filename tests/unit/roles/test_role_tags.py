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


def _load(role, name):
    return yaml.safe_load((ROOT / "roles" / role / "tasks" / name).read_text())


def _steps(role):
    """The steps of tasks/main.yml, and of tasks/steps.yml where main.yml includes it as one step."""
    steps = _load(role, "main.yml")
    if (ROOT / "roles" / role / "tasks" / "steps.yml").exists():
        steps = steps + _load(role, "steps.yml")
    return steps


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
    # tags only itself; apply gives the included tasks tags, so a run limited by tags reaches them.
    for step in _steps(role):
        include = step.get("ansible.builtin.include_tasks")
        if include is None:
            continue
        assert isinstance(include, dict), step["name"]
        if include["file"] == "steps.yml":
            # The one step for the rest of the role: selected by any tag of the steps it imports, which
            # keep their own family tags and get the role's name from apply.
            inner = set(tag for inner_step in _load(role, "steps.yml") for tag in inner_step["tags"])
            assert set(step["tags"]) == inner and include["apply"]["tags"] == [role], step["name"]
        else:
            assert include["apply"]["tags"] == step["tags"], step["name"]


@pytest.mark.parametrize("role", sorted(r for r in ROLES if (ROOT / "roles" / r / "tasks" / "steps.yml").exists()))
def test_the_steps_after_the_input_check_are_one_include_of_static_imports(role):
    # A host the play does not run the role on skips one step; a host it runs on pays one include.
    main = _load(role, "main.yml")
    assert [str(step.get("ansible.builtin.import_tasks")) for step in main[:1]] == ["validate.yml"]
    assert [step.get("ansible.builtin.include_tasks", {}).get("file") for step in main[1:]] == ["steps.yml"]
    assert all("ansible.builtin.import_tasks" in step for step in _load(role, "steps.yml"))
