# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Every input of the postfix role checked together, before anything changes on a host.

``role_input_problems(values, names)`` takes the role's variables (``postfix_*``) and, for each,
the name of the variable the user actually set (``mailsec_fqdn`` when ``postfix_hostname`` still
carries its value), and returns one sentence per problem. It checks types, ranges, syntax, the
values Postfix itself would refuse at start-up, and the effect of the inputs taken together: the
union of trusted networks, extra settings that decide relaying, alias loops.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _filters
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _submission
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._postfix_settings import setting_risks

# Why each limit has its smallest value (the range itself is the variable's type, _input_types).
LIMITS = {
    "postfix_message_size_limit": "RFC 5321 (section 4.5.3.1.7) requires accepting messages of 64 KB",
    "postfix_recipient_limit": "RFC 5321 (section 4.5.3.1.8) requires accepting 100 recipients per message",
    "postfix_client_connection_count_limit": "0 would switch the limit off",
    "postfix_client_connection_rate_limit": "0 would switch the limit off",
    "postfix_backups_kept": "the previous configuration must stay available to put back",
}
# Postfix's defaults for the limits message_size_limit must not exceed (0 means no limit).
MAILBOX_LIMITS = {"mailbox_size_limit": 51200000, "virtual_mailbox_limit": 51200000}
# Local names that lead back to root: aliasing root to one of them loops.
ROOT_NAMES = ("root", "postmaster", "mailer-daemon")

_PARAMETER_NAME = re.compile(r"^[a-z][a-z0-9_]*\Z")


class _Checker:
    def __init__(self, values, names):
        self.values = values
        self.names = names or {}
        self.problems = []

    def name(self, key):
        return self.names.get(key) or key

    def add(self, key, text):
        self.problems.append("%s%s" % (self.name(key), text))

    def extend(self, problems):
        self.problems.extend(problems)

    def typed(self, key):
        """The canonical value of KEY (its type in _input_types), or None with the refusal added."""
        try:
            return _input_types.parse(key, self.values.get(key), self.name(key))
        except _inputs.Refusal as refusal:
            self.problems.append(str(refusal))
            return None

    def integer(self, key):
        value = self.values.get(key)
        minimum, maximum = (_input_types.TYPES[key][1][bound] for bound in ("low", "high"))
        optouts = self.values.get("postfix_control_optouts") or []
        if key in _input_types.ROLE_RANGES and not _controls.optout_problems(optouts) and \
                _controls.BOUNDS[key][0] in [item["id"] for item in optouts]:
            minimum, maximum = _input_types.ROLE_RANGES[key]
        why = LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(key, " must be a whole number, not %s" % (
                policy.describe(value) if isinstance(value, str) else policy.type_name(value)))
            return None
        if value < minimum:
            self.add(key, ": %d is too small; use at least %d (%s)" % (value, minimum, why))
            return None
        if value > maximum:
            self.add(key, ": %d is above %d, %s" % (value, maximum, _ceiling_reason(key, maximum)))
            return None
        return value


def _ceiling_reason(key, maximum):
    """Why KEY may not exceed MAXIMUM: the control that bounds it in the catalogue, or Postfix itself."""
    if key in _controls.BOUNDS and _controls.bound(key)[1] == maximum:
        control = _controls.BY_ID[_controls.BOUNDS[key][0]]
        return "the most %s (%s) passes; the audit would fail it" % (control.id, control.title.lower())
    return "the largest number Postfix can read"


def _setting_bound_problems(name, value, variable):
    """Problems with site setting NAME = VALUE where the catalogue bounds it or a role variable sets it."""
    owners = dict((entry[1], owner) for owner, entry in _controls.BOUNDS.items())
    if name in owners and owners[name].startswith("postfix_"):
        return ["%s.%s is written by the role from %s; set it there, where it is checked against %s"
                % (variable, name, owners[name], _controls.BOUNDS[owners[name]][0])]
    if name not in _controls.SETTING_BOUNDS:
        return []
    control, dummy, dummy, unit = _controls.SETTING_BOUNDS[name]
    number = _postfix_time(value) if unit == "seconds" else _postfix_number(value)
    if number is None or not _controls.within(number, name):
        return ["%s.%s = %s must be %s%s; %s fails %s (%s)" % (
            variable, name, policy.describe(value), _controls.bound_text(name), " (in %s)" % unit if unit else "",
            "a weaker value" if number is not None else "a value Postfix cannot read as such", control,
            _controls.BY_ID[control].title.lower())]
    return []


def _postfix_number(value):
    text = str(value).strip()
    return int(text) if text.isdigit() and not isinstance(value, bool) else None


def _postfix_time(value):
    match = re.match(r"^([0-9]+)([smhdw]?)\Z", str(value).strip()) if not isinstance(value, bool) else None
    if not match:
        return None
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]


def _local_targets(values):
    """Names mail to which stays on this host: its own name, its mail domains, localhost."""
    targets = set(["localhost", "localhost.localdomain"])
    if isinstance(values.get("postfix_hostname"), str):
        targets.add(values["postfix_hostname"].lower())
    if values.get("postfix_mode") != "relay_client" and isinstance(values.get("postfix_domains"), (list, tuple)):
        targets.update(str(d).lower() for d in values["postfix_domains"])
    return targets


def _check_names(check, mode):
    check.extend(policy.fqdn_problems(check.values.get("postfix_hostname"), check.name("postfix_hostname")))
    domains = check.values.get("postfix_domains")
    check.extend(policy.domain_problems(domains, check.name("postfix_domains")))
    if mode == "mx" and isinstance(domains, (list, tuple)) and not domains:
        check.add("postfix_domains", " must list the domains this server receives mail for in mx mode")


def _check_trust(check):
    networks = check.values.get("postfix_trusted_networks")
    reason_key = "postfix_wide_trust_reason"
    reason = check.typed(reason_key) or ""
    ceiling = check.values.get("postfix_trust_ceiling") or {}
    if not isinstance(ceiling, dict) or set(ceiling) - set(("ipv4", "ipv6")) or not all(
            isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
            for k, v in ceiling.items() for lo, hi in [(8, 32) if k == "ipv4" else (32, 128)]):
        check.add("postfix_trust_ceiling", " must be a mapping such as {ipv4: 16, ipv6: 48}: prefix lengths from "
                                           "8 to 32 (ipv4) and 32 to 128 (ipv6)")
        ceiling = {}
    ceiling = dict((4 if k == "ipv4" else 6, v) for k, v in ceiling.items())
    problems = policy.network_problems(networks, check.name("postfix_trusted_networks"))
    check.extend(problems)
    if not problems:
        check.extend(policy.trust_problems(networks, check.name("postfix_trusted_networks"), ceiling=ceiling,
                                           reason=reason, reason_variable=check.name(reason_key)))
    return reason, ceiling


def _check_relayhost(check, mode):
    key = "postfix_relayhost"
    relayhost = check.values.get(key, "")
    if relayhost == "":
        if mode == "relay_client":
            check.add(key, " must name the hub, e.g. '[hub.example.org]:25', when the mode is relay_client")
        return
    try:
        canonical = _input_types.parse(key, relayhost, check.name(key))
    except _inputs.Refusal as refusal:
        check.problems.append(str(refusal))
        return
    host = canonical.rpartition("]")[0][1:] if canonical.startswith("[") else canonical.partition(":")[0]
    address = host[5:] if host.startswith("IPv6:") else host
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = None
    if (ip is not None and (ip.is_loopback or ip.is_unspecified)) or host in _local_targets(
            dict(check.values, postfix_domains=[])):
        check.add(key, ": %s is this host itself, so mail would loop; name the department's hub"
                  % policy.describe(relayhost))


def _check_root_alias(check):
    key = "postfix_root_alias"
    alias = check.values.get(key, "")
    if alias == "":
        return
    problems = policy.address_problems(alias, check.name(key))
    if problems:
        check.extend(problems)
        return
    local, _at, domain = alias.rpartition("@") if "@" in alias else (alias, "", "")
    if local.lower() in ROOT_NAMES and (not domain or domain.lower() in _local_targets(check.values)):
        check.add(key, ": %s leads back to root on this host (postmaster goes to root), so root's mail would loop "
                       "and bounce; give the administrator's own mailbox, e.g. hostmaster@example.org"
                  % policy.describe(alias))


def _check_tls(check):
    cert_key, key_key = "postfix_tls_cert_file", "postfix_tls_key_file"
    cert, key = check.typed(cert_key), check.typed(key_key)
    if cert is not None and key is not None and bool(cert) != bool(key):
        check.problems.append("%s and %s must be set together (or both left empty for a self-signed certificate)"
                              % (check.name(cert_key), check.name(key_key)))


def _check_limits(check, extra):
    for key in LIMITS:
        value = check.integer(key)
        if key != "postfix_message_size_limit" or value is None:
            continue
        for name, default in MAILBOX_LIMITS.items():
            limit = extra.get(name, default) if isinstance(extra, dict) else default
            try:
                limit = int(str(limit).strip())
            except ValueError:
                continue
            if 0 < limit < value:
                check.add(key, ": %d is larger than %s (%d); Postfix refuses to deliver locally then; lower it or "
                               "raise %s in postfix_extra_settings" % (value, name, limit, name))


def _check_extra(check, reason, ceiling):
    key = "postfix_extra_settings"
    extra = check.values.get(key, {})
    check.extend(policy.restriction_problems(extra, check.name(key)))
    if not isinstance(extra, dict):
        return {}
    for name, value in extra.items():
        if not isinstance(name, str) or policy.setting_shape_problems(name, value, ""):
            continue
        check.extend(_setting_bound_problems(name, value, check.name(key)))
        for item in setting_risks(name, value, ceiling):
            if item["acknowledgeable"] and reason:
                continue
            check.problems.append("%s.%s %s; %s" % (
                check.name(key), name, item["reason"],
                "say why in %s to accept it" % check.name("postfix_wide_trust_reason")
                if item["acknowledgeable"] else "remove it"))
    return extra


def site_setting_lines(extra, variable="postfix_extra_settings"):
    """The main.cf lines of the site's settings EXTRA (name to value), in name order, each value in one
    form: yes/no, whole numbers, list items joined by ', ', text without surrounding white space.

    ValueError naming VARIABLE for a setting whose name or shape the role check refuses."""
    if not isinstance(extra, dict):
        raise ValueError("%s must be a mapping of main.cf parameter names to values" % variable)
    lines = []
    for name in sorted(extra, key=str):
        value = extra[name]
        problems = policy.setting_shape_problems(name, value, variable)
        if problems:
            raise ValueError("; ".join(problems))
        if isinstance(value, bool):
            written = "yes" if value else "no"
        elif isinstance(value, (list, tuple)):
            written = ", ".join(str(item).strip() for item in value)
        else:
            written = str(value).strip()
        lines.append(("%s = %s" % (name, written)).rstrip())
    return lines


def _check_drop(check):
    key = "postfix_drop_settings"
    drop = check.values.get(key, [])
    if not isinstance(drop, (list, tuple)) or not all(isinstance(n, str) and _PARAMETER_NAME.match(n) for n in drop):
        check.add(key, " must be a list of main.cf parameter names, e.g. [virtual_alias_maps]")


def _check_content_filters(check, mode):
    """Content filters (mailsec_filters), the site's own milters and the attachment policy."""
    if "postfix_filters" in check.values:
        check.extend(_filters.filter_problems(check.values["postfix_filters"], mode, check.name("postfix_filters")))
    if "postfix_filter_mode" in check.values:
        filter_mode = check.values["postfix_filter_mode"]
        check.extend(_input_types.problems("postfix_filter_mode", filter_mode, check.name("postfix_filter_mode")))
        if filter_mode == "sanitize" and "clamav" not in (check.values.get("postfix_filters") or []):
            check.add("postfix_filter_mode", ": sanitize mode removes what clamd finds, so it needs clamav in %s "
                      "(the clamav and mimedefang roles run first); add it, or use reject mode" % check.name("postfix_filters"))
    if "postfix_extra_milters" in check.values:
        check.extend(_filters.extra_milter_problems(check.values["postfix_extra_milters"],
                                                    check.name("postfix_extra_milters")))
    if "postfix_mail_auth" in check.values:
        auth = check.values["postfix_mail_auth"]
        if not isinstance(auth, bool):
            check.add("postfix_mail_auth", " must be true or false, not %s" % policy.describe(auth))
        elif auth and mode in ("relay_client", "local_only"):
            check.add("postfix_mail_auth", ": sender authentication signs and checks the mail of an mx host; a %s host "
                      "hands its mail to a relay host, which signs it, so leave it false or use mode mx" % mode)
    if "postfix_mailbox" in check.values:
        mailbox = check.values["postfix_mailbox"]
        if not isinstance(mailbox, bool):
            check.add("postfix_mailbox", " must be true or false, not %s" % policy.describe(mailbox))
        elif mailbox and mode == "relay_client":
            check.add("postfix_mailbox", ": a relay_client host delivers nothing locally (its mail goes to the relay host), "
                      "so leave it false")
    if "postfix_attachment_policy" in check.values and not isinstance(check.values["postfix_attachment_policy"], bool):
        check.add("postfix_attachment_policy", " must be true or false, not %s"
                  % policy.describe(check.values["postfix_attachment_policy"]))
    for key in ("postfix_attachment_extra_extensions", "postfix_attachment_allowed_extensions"):
        if key in check.values:
            check.extend(_attachments.extension_problems(check.values[key], check.name(key)))
    if check.values.get("postfix_unscanned_size_reason"):
        check.extend(policy.text_problems(check.values["postfix_unscanned_size_reason"],
                                          check.name("postfix_unscanned_size_reason")))


def role_input_problems(values, names=None):
    """Every problem with the postfix role's inputs VALUES, each naming the variable from NAMES."""
    check = _Checker(values, names)
    if "postfix_control_optouts" in values:
        check.extend(_controls.optout_problems(values["postfix_control_optouts"], check.name("postfix_control_optouts")))
    mode = check.typed("postfix_mode")
    check.typed("postfix_inet_protocols")
    check.typed("postfix_tls_min_protocol")
    if not isinstance(values.get("postfix_reject_unknown_sender_domain"), bool):
        check.add("postfix_reject_unknown_sender_domain", " must be true or false, not %s"
                  % policy.describe(values.get("postfix_reject_unknown_sender_domain")))
    _check_names(check, mode)
    reason, ceiling = _check_trust(check)
    _check_relayhost(check, mode)
    _check_root_alias(check)
    _check_tls(check)
    extra = _check_extra(check, reason, ceiling)
    _check_limits(check, extra)
    _check_drop(check)
    _check_content_filters(check, mode)
    if "postfix_submission_enabled" in values:
        check.extend(_submission.input_problems(values, check.names))
    return check.problems
