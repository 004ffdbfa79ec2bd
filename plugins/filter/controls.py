# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that read the control catalogue, so roles write what the audit expects."""

from __future__ import annotations

import copy

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls


def control_settings(mode, optouts=None):
    """The main.cf settings of the controls the postfix role implements for MODE, grouped by control,
    without the controls switched off in OPTOUTS ({id, reason})."""
    try:
        return _controls.role_settings(mode, optouts)
    except ValueError as error:
        raise AnsibleFilterError("control_settings: %s" % error)


def shared_value(name):
    """A value the roles and the audit share, owned by the catalogue (the mail ports, the TLS floor, the
    memory ClamAV needs), so a role never spells it again."""
    try:
        return copy.deepcopy(_controls.SHARED[name])
    except (KeyError, TypeError):
        raise AnsibleFilterError("shared_value: %r is not a shared value (one of %s)"
                                 % (name, ", ".join(sorted(_controls.SHARED))))


class FilterModule:
    """Control catalogue filters."""

    def filters(self):
        return {"control_settings": control_settings, "shared_value": shared_value}
