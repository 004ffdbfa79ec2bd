# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that give templates the typed input layer's canonical values, never the user's strings."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils import _intent

_NETWORK_FORMS = {"cidr": str, "postfix": _inputs.postfix_network}


def _canonical(parse, value, variable, *args, **kwargs):
    try:
        return parse(value, variable, *args, **kwargs)
    except _inputs.Refusal as refusal:
        raise AnsibleFilterError(str(refusal))


def canonical_networks(value, variable="networks", form="cidr"):
    """VALUE (a list of networks or addresses) as canonical network texts in the given FORM."""
    if form not in _NETWORK_FORMS:
        raise AnsibleFilterError("canonical_networks: form must be %s, not %r" % (" or ".join(_NETWORK_FORMS), form))
    parsed = _canonical(_inputs.networks, value, variable, bare_address=True, postfix_brackets=True)
    return [_NETWORK_FORMS[form](network) for network in parsed]


def canonical_name(value, variable="name"):
    """VALUE as a canonical (lower-case, ASCII) fully qualified DNS name."""
    return _canonical(_inputs.hostname, value, variable)


def canonical_url(value, variable="url"):
    """VALUE as a canonical http(s) URL: scheme and host in lower case, the scheme kept."""
    return _canonical(_inputs.url, value, variable)


def canonical_size(value, variable="size"):
    """VALUE (a byte count, or digits with K, M, G or T) as the shortest exact size text: 2G, 500M."""
    return _inputs.render_size(_canonical(_inputs.size, value, variable))


def intent_problems(values, roles):
    """Every problem with the host's intent as a whole: VALUES are the roles' variables, ROLES the roles that run."""
    if not isinstance(values, dict) or not isinstance(roles, (list, tuple)):
        raise AnsibleFilterError("intent_problems: give the mapping of the roles' variables and the list of roles")
    return _intent.intent_problems(values, roles)


class FilterModule:
    """Canonical values of the typed input layer."""

    def filters(self):
        return {"canonical_name": canonical_name, "canonical_networks": canonical_networks,
                "canonical_size": canonical_size, "canonical_url": canonical_url, "intent_problems": intent_problems}
