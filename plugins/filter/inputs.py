# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the typed input layer: the canonical value a template writes, the host's intent judged whole,
the role switches read as booleans, and single values checked by kind."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _intent
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy

FORMS = ("text", "postfix", "size")


def canonical(value, variable, form="text", optouts=None):
    """VALUE of the role variable VARIABLE as its canonical value, in FORM; an error naming VARIABLE when the
    input layer refuses it. OPTOUTS: the controls the site switched off, which widen a bounded variable."""
    if variable not in _input_types.TYPES:
        raise AnsibleFilterError("canonical: %r is not a typed role variable (one of %s)"
                                 % (variable, ", ".join(sorted(_input_types.TYPES))))
    if form not in FORMS:
        raise AnsibleFilterError("canonical: form must be one of %s, not %r" % (", ".join(FORMS), form))
    try:
        return _input_types.rendered(variable, value, form, optouts or ())
    except _inputs.Refusal as refusal:
        raise AnsibleFilterError(str(refusal))


def intent_problems(values, roles):
    """Every problem with the host's intent as a whole: VALUES are the roles' variables, ROLES the roles that run."""
    if not isinstance(values, dict) or not isinstance(roles, (list, tuple)):
        raise AnsibleFilterError("intent_problems: give the mapping of the roles' variables and the list of roles")
    return _intent.intent_problems(values, roles)


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


def intent_switch(value, variable):
    """VALUE as a boolean, or an error naming VARIABLE when it is neither a boolean nor a word for one."""
    try:
        return _mail_policy.switch(value, variable)
    except ValueError as error:
        raise AnsibleFilterError(str(error))


class FilterModule:
    """The typed input layer's filters."""

    def filters(self):
        return {"canonical": canonical, "intent_problems": intent_problems, "intent_switch": intent_switch,
                "mail_input_problems": mail_input_problems}
