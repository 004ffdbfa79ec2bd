# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the mail_auth role: its input checks, the DNS records it publishes and its MTA-STS policy."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_auth_inputs


def mail_auth_input_problems(values, optouts=None):
    """Every problem with the mail_auth role's inputs; OPTOUTS are the host intent's mailsec_control_optouts."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("mail_auth_input_problems: the input must be a mapping of the role's variables")
    return _mail_auth_inputs.mail_auth_problems(values, optouts or [])


def mail_auth_records(values, public_keys=None):
    """The SPF, DKIM, DMARC and TLS-RPT records of the role's inputs VALUES, with PUBLIC_KEYS (domain to base64
    public key of the signing selector) read from the host."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("mail_auth_records: the input must be a mapping of the role's variables")
    try:
        return _mail_auth_inputs.records(dict(values, public_keys=public_keys or {}))
    except _inputs.Refusal as refusal:
        raise AnsibleFilterError("mail_auth_records: %s" % refusal)


def mail_auth_mta_sts_policy(values):
    """The MTA-STS policy file of the role's inputs VALUES (RFC 8461 §3.2, CRLF line ends)."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("mail_auth_mta_sts_policy: the input must be a mapping of the role's variables")
    try:
        return _mail_auth_inputs.mta_sts_policy(values)
    except _inputs.Refusal as refusal:
        raise AnsibleFilterError("mail_auth_mta_sts_policy: %s" % refusal)


class FilterModule:
    """Sender authentication filters."""

    def filters(self):
        return {"mail_auth_input_problems": mail_auth_input_problems, "mail_auth_records": mail_auth_records,
                "mail_auth_mta_sts_policy": mail_auth_mta_sts_policy}
