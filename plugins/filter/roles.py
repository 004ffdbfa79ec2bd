# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role interface, written once: each role's variables are the options of its argument spec."""

from __future__ import annotations

import functools
import os

import yaml
from ansible.errors import AnsibleFilterError

ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


def role_options(role):
    """The variables of the collection's role ROLE, in the order its meta/argument_specs.yml lists them."""
    if not isinstance(role, str) or not role.replace("_", "").isalnum():
        raise AnsibleFilterError("role_options: %r is not a role name" % (role,))
    return list(_spec_options(role))


@functools.lru_cache(maxsize=None)
def _spec_options(role):
    """The option names of ROLE's spec, read once per process (the inputs are templated many times a run)."""
    path = os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml")
    try:
        with open(path) as handle:
            spec = yaml.safe_load(handle)
        return tuple(spec["argument_specs"]["main"]["options"])
    except (OSError, KeyError, TypeError, yaml.YAMLError) as error:
        raise AnsibleFilterError("role_options: cannot read the argument spec of role %s: %s" % (role, error))


class FilterModule:
    """Role interface filters."""

    def filters(self):
        return {"role_options": role_options}
