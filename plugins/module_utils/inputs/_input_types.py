# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The type of every role variable whose value a template writes, defined once.

The role's input checks (``problems``) and the templates (the ``canonical`` filter) read the
same entry, so a template writes exactly what the check accepted, in its canonical form, and
never the user's string. An entry is the input layer's parser and its options; ``optional``
marks a variable whose empty string means "not set", ``nullable`` one whose null does.
"""

from __future__ import annotations

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mta_sts
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _filters
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs

# clamav-milter replaces one %v in RejectMsg with the virus name and refuses any other directive.
CLAMAV_REJECT_DIRECTIVES = ("%v",)
# spamass-milter's reply text goes into the unit's ExecStart in double quotes, where systemd gives
# '%' (specifiers), '$' (variables), '\\' (escapes) and '"' a meaning.
SYSTEMD_QUOTED_FORBIDDEN = '"\\%$'
# The journal must hold the retention period: a typo such as 2M for 2G keeps about a day.
MIN_JOURNAL = 64 * 1024 ** 2
# systemd's day names (OnCalendar=), in its order.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Postfix and ClamAV read sizes and limits as C ints: larger values stop them.
MAX_INT = 2 ** 31 - 1


def _bounded(kind, low, high, **options):
    """KIND with the range LOW to HIGH narrowed to the bounds the catalogue gives the variable
    (_controls.BOUNDS), so the role refuses what its own audit would fail; filled in below."""
    return kind, dict(options, low=low, high=high, bounded=True)


_DOMAIN_LIST = dict(parse=_inputs.hostname, example="['example.org']", what="domain name")
_TRUSTED = dict(postfix_brackets=True)
_SOURCES = dict(bare_address=True)
_USERS = dict(parse=_inputs.user_name, example="['postfix']", allow_empty=False)

TYPES = {
    # postfix
    "postfix_hostname": (_inputs.hostname, {}),
    "postfix_domains": (_inputs.a_list, _DOMAIN_LIST),
    "postfix_trusted_networks": (_inputs.networks, _TRUSTED),
    "postfix_relayhost": (_inputs.relayhost, dict(optional=True)),
    "postfix_root_alias": (_inputs.mail_address, dict(optional=True)),
    "postfix_mode": (_inputs.choice, dict(choices=_controls.MODES)),
    "postfix_inet_protocols": (_inputs.choice, dict(choices=("all", "ipv4", "ipv6"))),
    "postfix_tls_min_protocol": (_inputs.choice, dict(choices=_controls.TLS_ACCEPTED)),
    "postfix_tls_cert_file": (_inputs.path, dict(allow_empty=True)),
    "postfix_tls_key_file": (_inputs.path, dict(allow_empty=True)),
    # RFC 5321 (4.5.3.1.7 and 4.5.3.1.8): at least 64 KB messages and 100 recipients.
    "postfix_message_size_limit": _bounded(_inputs.integer, 65536, MAX_INT, unit="bytes"),
    "postfix_recipient_limit": _bounded(_inputs.integer, 100, MAX_INT),
    # 0 would switch a limit off.
    "postfix_client_connection_count_limit": _bounded(_inputs.integer, 1, MAX_INT),
    "postfix_client_connection_rate_limit": _bounded(_inputs.integer, 1, MAX_INT),
    "postfix_backups_kept": (_inputs.integer, dict(low=1, high=100)),
    "postfix_wide_trust_reason": (_inputs.text, dict(max_length=500, allow_empty=True)),
    "postfix_submission_auth_rate_limit": _bounded(_inputs.integer, 1, 100000,
                                                   unit="AUTH commands per client and minute"),
    "postfix_submission_message_rate_limit": _bounded(_inputs.integer, 1, 100000, unit="messages per client and minute"),
    # spamassassin
    "spamassassin_trusted_networks": (_inputs.networks, _TRUSTED),
    "spamassassin_reject_message": (_inputs.reject_text, dict(forbidden=SYSTEMD_QUOTED_FORBIDDEN)),
    "spamassassin_required_score": _bounded(_inputs.number, 0, 50),
    # spamass-milter reads -r as a whole number (atoi): 15.5 would silently refuse from 15.
    "spamassassin_reject_score": (_inputs.integer, dict(low=1, high=1000, nullable=True)),
    "spamassassin_max_children": (_inputs.integer, dict(low=1, high=100)),
    # clamav
    "clamav_private_mirror": (_inputs.url, {}),
    "clamav_reject_message": (_inputs.reject_text, dict(directives=CLAMAV_REJECT_DIRECTIVES)),
    "clamav_report_hostname": (_inputs.hostname, dict(qualified=False)),
    "clamav_signature_source": (_inputs.choice, dict(choices=("official", "mirror", "local"))),
    "clamav_freshclam_checks": (_inputs.integer, dict(low=1, high=50, unit="checks a day")),
    "clamav_max_message_size": (_inputs.integer, dict(low=65536, high=MAX_INT, unit="bytes")),
    # What a virus found at receipt does, the same in the three roles that act on it (mailsec_filter_mode).
    "clamav_filter_mode": (_inputs.choice, dict(choices=_filters.FILTER_MODES)),
    "postfix_filter_mode": (_inputs.choice, dict(choices=_filters.FILTER_MODES)),
    "mimedefang_filter_mode": (_inputs.choice, dict(choices=_filters.FILTER_MODES)),
    "mimedefang_worm_signatures": (_inputs.a_list, dict(parse=_inputs.signature_pattern, example="['*.Worm.*']")),
    "mimedefang_report_hostname": (_inputs.hostname, dict(qualified=False)),
    # mail_auth
    "mail_auth_domains": (_inputs.a_list, dict(_DOMAIN_LIST, allow_empty=False)),
    "mail_auth_host_name": (_inputs.hostname, {}),
    "mail_auth_egress_addresses": (_inputs.a_list, dict(parse=_inputs.address, example="['192.0.2.25', '2001:db8::25']",
                                                        allow_empty=False)),
    "mail_auth_dkim_selector": (_inputs.dns_label, {}),
    "mail_auth_dkim_next_selector": (_inputs.dns_label, dict(optional=True)),
    "mail_auth_dkim_retired_selectors": (_inputs.a_list, dict(parse=_inputs.dns_label, example="['mail2025']")),
    # RFC 8301: at least 1024 bits, 2048 recommended; DNS carries a 4096-bit key in one TXT record.
    "mail_auth_dkim_key_bits": (_inputs.integer, dict(low=_mail_auth.MIN_KEY_BITS, high=4096, unit="bits")),
    "mail_auth_spf_senders": (_inputs.a_list, dict(parse=_inputs.spf_sender, example="['192.0.2.0/24', '_spf.example.com']")),
    "mail_auth_spf_all": (_inputs.choice, dict(choices=("-all", "~all"))),
    "mail_auth_dmarc_policy": (_inputs.choice, dict(choices=("none", "quarantine", "reject"))),
    "mail_auth_dmarc_alignment": (_inputs.choice, dict(choices=("relaxed", "strict"))),
    "mail_auth_report_address": (_inputs.report_address, dict(optional=True)),
    "mail_auth_trusted_networks": (_inputs.networks, {}),
    "mail_auth_resolvers": (_inputs.a_list, dict(parse=_inputs.address, example="['192.0.2.53']")),
    "mail_auth_dns_ttl": (_inputs.integer, dict(low=60, high=604800, unit="seconds")),
    "mail_auth_mta_sts_mode": (_inputs.choice, dict(choices=("testing", "enforce"))),
    "mail_auth_mta_sts_mx": (_inputs.a_list, dict(parse=_inputs.mx_pattern, example="['mx.example.org', '*.mx.example.org']",
                                                  allow_empty=False)),
    # A day at least (senders refetch no sooner), at most the year RFC 8461 §3.2 allows.
    "mail_auth_mta_sts_max_age": (_inputs.integer, dict(low=86400, high=_mta_sts.MAX_AGE_LIMIT, unit="seconds")),
    "mail_auth_mta_sts_cert_file": (_inputs.path, dict(allow_empty=True)),
    # mailbox: a user's spam threshold is in SpamAssassin points, whole (Sieve compares whole numbers)
    "mailbox_junk_thresholds": (_inputs.a_mapping, dict(parse_key=_inputs.user_name, parse_value=_inputs.integer,
                                                        example="{alice: 5}", low=1, high=50, unit="points")),
    "mailbox_junk_folder": (_inputs.folder_name, {}),
    "mail_auth_mta_sts_key_file": (_inputs.path, dict(allow_empty=True)),
    # baseline
    "baseline_journal_max_use": (_inputs.size, dict(low=MIN_JOURNAL)),
    "baseline_unattended_upgrades_mail": (_inputs.mail_address, dict(optional=True)),
    "baseline_unattended_upgrades_reboot_time": (_inputs.time_of_day, dict(optional=True)),
    "baseline_log_retention_days": _bounded(_inputs.integer, 1, 3650, unit="days"),
    # advisories
    "advisories_mail": (_inputs.mail_address, {}),
    "advisories_source": (_inputs.advisory_source, dict(optional=True)),
    "advisories_time": (_inputs.time_of_day, {}),
    # monitoring
    "monitoring_mail": (_inputs.mail_address, {}),
    "monitoring_summary_time": (_inputs.time_of_day, {}),
    # The audit wants a round at most an hour old (evidence/_monitoring.py): every half hour at the least.
    "monitoring_check_minutes": (_inputs.integer, dict(low=1, high=30, unit="minutes")),
    "monitoring_window_minutes": (_inputs.integer, dict(low=1, high=1440, unit="minutes")),
    "monitoring_queue_limit": (_inputs.integer, dict(low=1, high=10 ** 7, unit="messages")),
    "monitoring_refusal_limit": (_inputs.integer, dict(low=1, high=10 ** 7, unit="refusals")),
    "monitoring_auth_failure_limit": (_inputs.integer, dict(low=1, high=10 ** 7, unit="failed logins")),
    "monitoring_repeat_hours": (_inputs.integer, dict(low=1, high=168, unit="hours")),
    "monitoring_fail2ban": (_inputs.boolean, {}),
    "monitoring_fail2ban_max_failures": (_inputs.integer, dict(low=1, high=100, unit="failed logins")),
    "monitoring_fail2ban_find_minutes": (_inputs.integer, dict(low=1, high=1440, unit="minutes")),
    "monitoring_fail2ban_ban_minutes": (_inputs.integer, dict(low=1, high=525600, unit="minutes")),
    "monitoring_fail2ban_ignore_networks": (_inputs.networks, _SOURCES),
    "monitoring_exporter": (_inputs.boolean, {}),
    "monitoring_exporter_address": (_inputs.address, {}),
    "monitoring_exporter_port": (_inputs.port, {}),
    # backup
    "backup_repository": (_inputs.restic_repository, {}),
    "backup_sftp_host_key": (_inputs.ssh_host_key, dict(optional=True)),
    "backup_sftp_port": (_inputs.port, {}),
    "backup_host_name": (_inputs.hostname, dict(qualified=False)),
    "backup_times": (_inputs.a_list, dict(parse=_inputs.time_of_day, example="['02:30']", allow_empty=False)),
    "backup_check_day": (_inputs.choice, dict(choices=WEEKDAYS)),
    "backup_check_time": (_inputs.time_of_day, {}),
    "backup_check_read_percent": (_inputs.integer, dict(low=0, high=100, unit="percent of the data")),
    "backup_keep_daily": (_inputs.integer, dict(low=1, high=3650, unit="daily snapshots")),
    "backup_keep_weekly": (_inputs.integer, dict(low=0, high=520, unit="weekly snapshots")),
    "backup_keep_monthly": (_inputs.integer, dict(low=0, high=1200, unit="monthly snapshots")),
    "backup_extra_paths": (_inputs.a_list, dict(parse=_inputs.path, example="['/srv/archive']")),
    "backup_restore_snapshot": (_inputs.snapshot_id, {}),
    # firewall and border
    "firewall_mode": (_inputs.choice, dict(choices=_controls.MODES)),
    "firewall_admin_networks": (_inputs.networks, _SOURCES),
    "firewall_smtp_sources": (_inputs.networks, _SOURCES),
    "firewall_submission_sources": (_inputs.networks, _SOURCES),
    "firewall_outbound_smtp_ports": (_inputs.ports, dict(allow_empty=True)),
    "firewall_outbound_smtp_users": (_inputs.a_list, _USERS),
    "firewall_smtp_rate_limit": (_inputs.rate, dict(optional=True)),
    "firewall_ssh_port": (_inputs.port, {}),
    "border_firewall_log_rate": (_inputs.rate, dict(optional=True)),
    "border_firewall_campus_networks": (_inputs.networks, _SOURCES),
}


# The role's own range of each bounded variable, before the catalogue narrows it: what the role
# accepts once the site switched the owning control off (mailsec_control_optouts).
ROLE_RANGES = {}


def _narrow_to_the_catalogue():
    for variable, (dummy, options) in TYPES.items():
        if options.pop("bounded", False):
            ROLE_RANGES[variable] = (options["low"], options["high"])
            low, high = _controls.bound(variable)
            options["low"] = options["low"] if low is None else max(options["low"], low)
            options["high"] = options["high"] if high is None else min(options["high"], high)


_narrow_to_the_catalogue()


def parse(variable, value, name=None, optouts=()):
    """VALUE of role variable VARIABLE as its canonical typed value; raises _inputs.Refusal naming NAME
    (the variable the user set, VARIABLE by default). An optional variable's empty string and a
    nullable one's null mean "not set" and are returned as they are. When OPTOUTS ({id, reason})
    switch off the control that bounds VARIABLE, the role's own range applies."""
    kind, options = TYPES[variable]
    options = dict(options)
    if variable in ROLE_RANGES and _controls.BOUNDS[variable][0] in [item.get("id") for item in optouts or []]:
        options["low"], options["high"] = ROLE_RANGES[variable]
    if (options.pop("optional", False) and value == "") or (options.pop("nullable", False) and value is None):
        return value
    return kind(value, name or variable, **options)


def problems(variable, value, name=None, optouts=()):
    """The refusal of VALUE for VARIABLE as a list of one sentence, or [] when the layer accepts it."""
    return _inputs.problems_of(lambda: parse(variable, value, name, optouts))


def rendered(variable, value, form="text", optouts=()):
    """VALUE of VARIABLE as a template writes it: networks as address/prefix (FORM ``postfix``: as
    Postfix lists them, IPv6 in brackets), sizes as 2G/500M (FORM ``size``), lists item by item, the
    rest as its canonical text or number."""
    canonical = parse(variable, value, optouts=optouts)
    if isinstance(canonical, tuple):
        return [_render_one(item, form) for item in canonical]
    return _render_one(canonical, form)


def _render_one(item, form):
    if hasattr(item, "prefixlen"):
        return _inputs.postfix_network(item) if form == "postfix" else str(item)
    if form == "size":
        return _inputs.render_size(item)
    return item
