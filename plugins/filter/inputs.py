# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the typed input layer: the canonical value a template writes, and the host's intent judged whole."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _intent

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


class FilterModule:
    """The typed input layer's filters."""

    def filters(self):
        return {"canonical": canonical, "intent_problems": intent_problems}
