# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that check mail-host intent before a role changes anything."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils import _mail_policy

_CHECKS = {
    "networks": _mail_policy.network_problems,
    "fqdn": _mail_policy.fqdn_problems,
    "domains": _mail_policy.domain_problems,
    "settings": _mail_policy.restriction_problems,
}


def mail_input_problems(value, kind, variable):
    """Return the problems of VALUE checked as KIND, each naming VARIABLE."""
    try:
        check = _CHECKS[kind]
    except KeyError:
        raise AnsibleFilterError("mail_input_problems: kind must be one of %s, not %r"
                                 % (", ".join(sorted(_CHECKS)), kind))
    return check(value, variable)


def postfix_networks(value):
    """Render CIDR networks for Postfix's mynetworks (IPv6 in brackets)."""
    return _mail_policy.postfix_networks(value)


class FilterModule:
    """Mail-host input checks."""

    def filters(self):
        return {
            "mail_input_problems": mail_input_problems,
            "postfix_networks": postfix_networks,
        }
