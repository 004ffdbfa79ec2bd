# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the advisories role: its input checks."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types

VARIABLES = ("advisories_mail", "advisories_source", "advisories_time")


def advisories_input_problems(values):
    """Every problem with the advisories role's inputs, each naming the variable."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("advisories_input_problems: the input must be a mapping of the role's variables")
    problems = []
    for name in VARIABLES:
        problems.extend(_input_types.problems(name, values.get(name)))
    return problems


class FilterModule:
    """Advisories filters."""

    def filters(self):
        return {"advisories_input_problems": advisories_input_problems}
