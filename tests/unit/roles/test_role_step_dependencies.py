# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A run limited by tags (`--tags mail_alias`, as the README offers) runs some steps of a role and not
others. A step that reads what another step registered must either run whenever that step runs (its
tags are among the other step's) or read it with a default; otherwise the limited run stops on an
undefined variable (it did, in the postfix role, before this test)."""
from __future__ import annotations

import functools
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
_INCLUDE = ("ansible.builtin.import_tasks", "ansible.builtin.include_tasks")


def _file_tags(role):
    """{task file: the tags its step carries}, for the files main.yml and steps.yml name, and for the files
    those files include in turn (which run under the same tags)."""
    tasks = ROOT / "roles" / role / "tasks"
    tags = {}
    for top in ("main.yml", "steps.yml"):
        if not (tasks / top).exists():
            continue
        for step in yaml.safe_load((tasks / top).read_text()):
            for key in _INCLUDE:
                target = step.get(key)
                target = target.get("file") if isinstance(target, dict) else target
                if target and target != "steps.yml":
                    tags[target] = set(step.get("tags") or []) - {"inputs"}
    for name, own in list(tags.items()):
        for nested in re.findall(r"(?:import|include)_tasks:\s*(?:\n\s*file:\s*)?([\w./-]+\.yml)", (tasks / name).read_text()):
            tags.setdefault(nested, own)
    return tags


def _leaf_tasks(tasks, guards=""):
    """(task, the `when` text of the task and of every block around it) for each task in TASKS."""
    for task in tasks or []:
        when = guards + " " + str(task.get("when", ""))
        if "block" in task:
            for key in ("block", "rescue", "always"):
                yield from _leaf_tasks(task.get(key), when)
        else:
            yield task, when


@functools.lru_cache(maxsize=None)
def _leaves(path):
    return tuple(_leaf_tasks(yaml.safe_load(path.read_text())))


def _reads_unguarded(var, task, when):
    if re.search(r"\b%s\b(?:\.\w+)?\s+is\s+defined" % var, when):
        return False  # the task runs only when the result is there
    text = yaml.safe_dump(task) + when
    return any(not re.match(r"(?:\.\w+)?\s+is\s+(?:not\s+)?defined", text[m.end():])
               for m in re.finditer(r"\b%s\b(?!\s*\|\s*default)" % var, text))


def _cases():
    for role in ROLES:
        tasks = ROOT / "roles" / role / "tasks"
        tags = _file_tags(role)
        registered = {}
        for name in tags:
            for var in re.findall(r"register:\s*(\w+)", (tasks / name).read_text()):
                registered.setdefault(var, name)
        for var, source in registered.items():
            for name, reader_tags in tags.items():
                if name == source or re.search(r"register:\s*%s\b" % var, (tasks / name).read_text()):
                    continue
                if any(_reads_unguarded(var, task, when) for task, when in _leaves(tasks / name)):
                    yield pytest.param(role, var, source, name, reader_tags, tags[source], id="%s-%s-%s" % (role, var, name))


@pytest.mark.parametrize("role, var, source, reader, reader_tags, source_tags", list(_cases()))
def test_a_step_reads_another_steps_result_only_when_that_step_runs_with_it(role, var, source, reader, reader_tags, source_tags):
    assert reader_tags <= source_tags, (
        "%s reads %s, registered in %s; a run limited to %s skips %s. Tag %s like %s, or read it with a default"
        % (reader, var, source, sorted(reader_tags - source_tags), source, source, reader))


def test_the_postfix_role_is_checked():
    # The role whose limited runs failed: its steps' registered results are seen by this test.
    assert any(case.values[0] == "postfix" for case in _cases())
