# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the mailbox role: its input checks and the junk scripts it writes."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mailbox_inputs


def mailbox_input_problems(values):
    """Every problem with the mailbox role's inputs."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("mailbox_input_problems: the input must be a mapping of the role's variables")
    return _mailbox_inputs.mailbox_problems(values)


def mailbox_junk_scripts(values):
    """{user: Sieve script} for every user with a spam threshold."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("mailbox_junk_scripts: the input must be a mapping of the role's variables")
    try:
        return _mailbox_inputs.junk_scripts(values)
    except _inputs.Refusal as refusal:
        raise AnsibleFilterError("mailbox_junk_scripts: %s" % refusal)


class FilterModule:
    """Local delivery filters."""

    def filters(self):
        return {"mailbox_input_problems": mailbox_input_problems, "mailbox_junk_scripts": mailbox_junk_scripts}
