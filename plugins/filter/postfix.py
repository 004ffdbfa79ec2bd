# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the postfix role: its input check, main.cf read and written, the submission files."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _postfix_settings
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _submission
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import role_input_problems
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import site_setting_lines


def postfix_input_problems(values, names=None):
    """Return every problem with the postfix role's inputs, naming the variables the user set."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("postfix_input_problems: the input must be a mapping of the role's variables")
    return role_input_problems(values, names or {})


def postfix_settings(text):
    """Parse main.cf text into a mapping of parameter names to values."""
    return _postfix_settings.parse_main_cf(str(text))


def postfix_written_marker(text):
    """The comment lines naming every parameter of main.cf text (the role's record of what it wrote)."""
    return _postfix_settings.marker_lines(_postfix_settings.parse_main_cf(str(text)))


def postfix_sender_logins(users, domains):
    """Lines of the submission sender login map: 'address login', one per address."""
    if not isinstance(users, (list, tuple)) or not isinstance(domains, (list, tuple)):
        raise AnsibleFilterError("postfix_sender_logins: give the list of accounts and the list of mail domains")
    return ["%s %s" % pair for pair in _submission.sender_logins(users, domains)]


def postfix_master_cf(live, block=""):
    """master.cf text with the role's submission block set to BLOCK (removed when empty)."""
    return _submission.master_cf(str(live), str(block or ""))


def postfix_site_settings(extra):
    """The main.cf lines of postfix_extra_settings EXTRA, each value in its one written form."""
    try:
        return site_setting_lines(extra)
    except ValueError as error:
        raise AnsibleFilterError("postfix_site_settings: %s" % error)


def dovecot_passwd_line(name, password_hash):
    """The Dovecot passwd-file line of login NAME with PASSWORD_HASH; the hash is never shown in an error."""
    try:
        return _submission.passwd_line(name, password_hash)
    except ValueError as error:
        raise AnsibleFilterError("dovecot_passwd_line: %s" % error)


class FilterModule:
    """Postfix role filters."""

    def filters(self):
        return {
            "dovecot_passwd_line": dovecot_passwd_line,
            "postfix_input_problems": postfix_input_problems,
            "postfix_master_cf": postfix_master_cf,
            "postfix_sender_logins": postfix_sender_logins,
            "postfix_settings": postfix_settings,
            "postfix_site_settings": postfix_site_settings,
            "postfix_written_marker": postfix_written_marker,
        }
