# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The host's intent judged as a whole, once, before the first role changes anything.

Each role checks its own variables; what no single role can see is checked here, on the values
the roles will use (their defaults already resolved against the host's ``mailsec_*`` intent):
the modes agree, submission is on or off in Postfix and the firewall alike, and the networks
given for one purpose in several variables stay under one ceiling taken together, so that lists
each within bounds cannot add up to the Internet.
"""

from __future__ import annotations

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy

# Variables that must agree, when the roles that read them are in the play: (what, [variables]).
AGREEING = (
    ("the mail server's mode", ("mailsec_mode", "postfix_mode", "firewall_mode")),
    ("whether authenticated submission runs", ("postfix_submission_enabled", "firewall_submission_enabled")),
    ("what infected mail meets (the filter mode)",
     ("mailsec_filter_mode", "postfix_filter_mode", "clamav_filter_mode", "mimedefang_filter_mode")),
)
# Networks trusted to send without the checks strangers get: relaying (Postfix), skipping the spam
# filter (SpamAssassin), and being signed with the domain's key unchecked (mail_auth). Judged together
# under Postfix's ceiling and its written reason.
TRUST_VARIABLES = ("postfix_trusted_networks", "spamassassin_trusted_networks", "mail_auth_trusted_networks")
# Networks SSH is open to: the admin networks and any firewall_allow entry for the SSH port. Together at
# most one /8 (IPv4) or /32 (IPv6), like each of them alone.
ADMIN_CEILING = {4: policy.MIN_PREFIX[4], 6: policy.MIN_PREFIX[6]}


def _networks(value):
    """The networks of VALUE that the input layer reads (the roles report the others themselves)."""
    found = []
    for entry in value if isinstance(value, (list, tuple)) else []:
        try:
            found.append(str(_inputs.network(entry, "n", bare_address=True, postfix_brackets=True)))
        except _inputs.Refusal:
            continue
    return found


def _agreement_problems(values):
    problems = []
    for what, names in AGREEING:
        given = [(name, values[name]) for name in names if name in values]
        if len(set(repr(value) for _name, value in given)) > 1:
            problems.append("%s differs between %s; set it once (the roles follow the mailsec_* intent) so "
                            "that they agree" % (what, ", ".join("%s = %s" % (n, policy.describe(v)) for n, v in given)))
    return problems


def _trust_problems(values):
    present = [name for name in TRUST_VARIABLES if name in values]
    if len(present) < 2:
        return []
    union = []
    for name in present:
        union.extend(_networks(values[name]))
    ceiling = values.get("postfix_trust_ceiling") or {}
    ceiling = dict((4 if key == "ipv4" else 6, prefix) for key, prefix in ceiling.items()
                   if key in ("ipv4", "ipv6") and policy.whole(prefix, 8, 128)) if isinstance(ceiling, dict) else {}
    reason = values.get("postfix_wide_trust_reason") or ""
    return policy.trust_problems(union, " and ".join(present), ceiling=ceiling, reason=reason,
                                 reason_variable="postfix_wide_trust_reason")


def _admin_problems(values):
    if "firewall_admin_networks" not in values:
        return []
    union = _networks(values["firewall_admin_networks"])
    ssh_port = values.get("firewall_ssh_port")
    allow = values.get("firewall_allow") if isinstance(values.get("firewall_allow"), (list, tuple)) else []
    for entry in allow:
        if isinstance(entry, dict) and entry.get("port") == ssh_port and entry.get("protocol", "tcp") == "tcp":
            union.extend(_networks(entry.get("sources")))
    problems = []
    for item in policy.trust_excess(union, ceiling=ADMIN_CEILING):
        problems.append("firewall_admin_networks (mailsec_admin_networks) and the firewall_allow entries for the SSH "
                        "port together open SSH to %d IPv%d addresses, as many as a /%d; together they may cover "
                        "at most one /%d: list the admin networks only"
                        % (item["count"], item["version"], item["prefix"], ADMIN_CEILING[item["version"]]))
    return problems


def _smtp_source_problems(values):
    """An mx whose firewall admits no source of the address family its mail comes over."""
    if values.get("firewall_mode") != "mx" or "firewall_smtp_sources" not in values:
        return []
    families = set(_inputs.read_network(n).version for n in _networks(values["firewall_smtp_sources"]))
    listens = {"all": {4, 6}, "ipv4": {4}, "ipv6": {6}}.get(values.get("postfix_inet_protocols"), set())
    # IPv4 is where the Internet's mail comes from: an mx that listens there must admit it. IPv6 alone is
    # required only of an IPv6-only Postfix (many sites take no IPv6 mail at all).
    missing = "IPv4" if 4 in listens and 4 not in families else "IPv6" if listens == {6} and 6 not in families else ""
    if not families or not missing:
        return []
    return ["firewall_smtp_sources lists only %s networks, so no mail over %s, which Postfix takes "
            "(postfix_inet_protocols %s), could reach this mx; add %s, or the networks that may send it mail"
            % ("IPv6" if 6 in families else "IPv4", missing, values.get("postfix_inet_protocols"),
               "0.0.0.0/0" if missing == "IPv4" else "::/0")]


def intent_problems(values, roles):
    """Every problem with the host's intent as a whole, from VALUES (the roles' variables as the roles will
    read them) for the ROLES that run on the host: the variables of other roles are left out."""
    values = dict((name, value) for name, value in values.items()
                  if name.startswith("mailsec_") or any(name.startswith(role + "_") for role in roles))
    return _agreement_problems(values) + _trust_problems(values) + _admin_problems(values) + _smtp_source_problems(values)
