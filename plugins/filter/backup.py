# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the backup role: its input checks and the plan its templates write."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _backup_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs


def backup_input_problems(values):
    """Every problem with the backup role's inputs."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("backup_input_problems: the input must be a mapping of the role's variables")
    return _backup_inputs.backup_problems(values)


def backup_plan(values):
    """The repository, schedule and retention the role writes, from inputs the checks accepted."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("backup_plan: the input must be a mapping of the role's variables")
    try:
        return _backup_inputs.backup_plan(values)
    except _inputs.Refusal as refusal:
        raise AnsibleFilterError("backup_plan: %s" % refusal)


class FilterModule:
    """Backup filters."""

    def filters(self):
        return {"backup_input_problems": backup_input_problems, "backup_plan": backup_plan}
