# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the baseline role: its input checks and the listening services nobody allowed."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _baseline_inputs


def baseline_input_problems(values):
    """Every problem with the baseline role's inputs."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("baseline_input_problems: the input must be a mapping of the role's variables")
    return _baseline_inputs.baseline_problems(values)


def stray_listeners(listeners, allowed):
    """The listeners beyond loopback whose unit and process are not in ALLOWED."""
    if not isinstance(listeners, list) or not isinstance(allowed, list):
        raise AnsibleFilterError("stray_listeners: listeners and allowed must be lists")
    return _baseline_inputs.stray_listeners(listeners, allowed)


def old_backups(files, kept, originals):
    """The backups in FILES beyond the newest KEPT of each file in ORIGINALS."""
    if not isinstance(files, list) or not isinstance(originals, list):
        raise AnsibleFilterError("old_backups: files and originals must be lists")
    if not isinstance(kept, int) or kept < 1:
        raise AnsibleFilterError("old_backups: kept must be a number from 1, not %r" % (kept,))
    return _baseline_inputs.old_backups(files, kept, originals)


def journal_check(lines, configured):
    """journald's messages since its restart judged against the SystemMaxUse it was given (bytes)."""
    if not isinstance(lines, list) or isinstance(configured, bool) or not isinstance(configured, int):
        raise AnsibleFilterError("journal_check: give journald's message lines and the configured size in bytes")
    return _baseline_inputs.journal_check(lines, configured)


class FilterModule:
    """Baseline filters."""

    def filters(self):
        return {"baseline_input_problems": baseline_input_problems, "stray_listeners": stray_listeners,
                "old_backups": old_backups, "journal_check": journal_check}
