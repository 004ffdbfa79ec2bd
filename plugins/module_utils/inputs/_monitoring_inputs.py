# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The monitoring role's input checks, and what its templates write: the mail monitor's settings, the
fail2ban jail for failed SMTP AUTH, and the exporter's listening address, all from values the input
layer accepted (never the strings as given)."""

from __future__ import annotations

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types

TYPED = ("monitoring_mail", "monitoring_summary_time", "monitoring_check_minutes", "monitoring_window_minutes",
         "monitoring_queue_limit", "monitoring_refusal_limit", "monitoring_auth_failure_limit", "monitoring_repeat_hours",
         "monitoring_fail2ban", "monitoring_fail2ban_max_failures", "monitoring_fail2ban_find_minutes",
         "monitoring_fail2ban_ban_minutes", "monitoring_fail2ban_ignore_networks", "monitoring_exporter",
         "monitoring_exporter_address", "monitoring_exporter_port")
# Loopback is never banned: the host's own clients (webmail, the monitor) log in from there.
LOOPBACK = ("127.0.0.0/8", "::1/128")


def monitoring_problems(values):
    """Problems with the monitoring role's VALUES (name to value), each naming the variable."""
    problems = []
    for name in TYPED:
        problems.extend(_input_types.problems(name, values.get(name)))
    if problems:
        return problems
    window = _input_types.parse("monitoring_window_minutes", values["monitoring_window_minutes"])
    every = _input_types.parse("monitoring_check_minutes", values["monitoring_check_minutes"])
    if window < every:
        problems.append("monitoring_window_minutes (%d) is shorter than monitoring_check_minutes (%d): refusals and "
                        "failed logins between two rounds would never be counted" % (window, every))
    return problems


def _value(values, name):
    return _input_types.parse(name, values[name])


def monitor_settings(values):
    """The mail monitor's settings file (evidence/_monitoring.py reads it on the host)."""
    return dict(mail=_value(values, "monitoring_mail"), queue_limit=_value(values, "monitoring_queue_limit"),
                refusal_limit=_value(values, "monitoring_refusal_limit"),
                auth_failure_limit=_value(values, "monitoring_auth_failure_limit"),
                window_minutes=_value(values, "monitoring_window_minutes"),
                repeat_hours=_value(values, "monitoring_repeat_hours"))


def jail_settings(values):
    """The fail2ban jail's settings: failures, their window and the ban in minutes, and the networks never banned
    (loopback, then the site's), as text fail2ban reads."""
    ignored = list(LOOPBACK) + [str(net) for net in _value(values, "monitoring_fail2ban_ignore_networks")]
    return dict(max_failures=_value(values, "monitoring_fail2ban_max_failures"),
                find_minutes=_value(values, "monitoring_fail2ban_find_minutes"),
                ban_minutes=_value(values, "monitoring_fail2ban_ban_minutes"),
                ignore=list(dict.fromkeys(ignored)))


def exporter_listen(values):
    """The exporter's --web.listen-address: ADDRESS:PORT, an IPv6 address in brackets."""
    address = str(_value(values, "monitoring_exporter_address"))
    port = _value(values, "monitoring_exporter_port")
    return "[%s]:%d" % (address, port) if ":" in address else "%s:%d" % (address, port)
