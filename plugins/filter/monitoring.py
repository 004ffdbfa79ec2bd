# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the monitoring role: its input checks and the settings its templates write."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _monitoring_inputs


def _mapping(values, name):
    if not isinstance(values, dict):
        raise AnsibleFilterError("%s: the input must be a mapping of the role's variables" % name)
    return values


def monitoring_input_problems(values):
    """Every problem with the monitoring role's inputs, each naming the variable."""
    return _monitoring_inputs.monitoring_problems(_mapping(values, "monitoring_input_problems"))


def monitoring_plan(values):
    """The monitor's settings, the fail2ban jail and the exporter's address, from inputs the checks accepted."""
    values = _mapping(values, "monitoring_plan")
    try:
        return dict(monitor=_monitoring_inputs.monitor_settings(values), jail=_monitoring_inputs.jail_settings(values),
                    exporter_listen=_monitoring_inputs.exporter_listen(values))
    except _inputs.Refusal as refusal:
        raise AnsibleFilterError("monitoring_plan: %s" % refusal)


class FilterModule:
    """Monitoring filters."""

    def filters(self):
        return {"monitoring_input_problems": monitoring_input_problems, "monitoring_plan": monitoring_plan}
