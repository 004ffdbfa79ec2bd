# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The typed input layer and the role checks built on it, with generated hostile values.

Each property says: a hostile value is either refused naming its variable, or what the layer
returns (and so what a template writes) carries nothing but the canonical value.
"""
from __future__ import annotations

import base64
import ipaddress

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.filter.inputs import FilterModule
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _border
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _baseline_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _filter_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _firewall_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _identity_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _intent
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import role_input_problems
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._postfix_settings import parse_main_cf

# Bounded and deterministic, so `make units` stays quick and CI sees the same examples every run.
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FILTERS = FilterModule().filters()

# --- Generated values of each hostile class ---------------------------------------------------------------

ipv4 = st.integers(0, 2 ** 32 - 1).map(ipaddress.IPv4Address)
ipv6 = st.integers(0, 2 ** 128 - 1).map(ipaddress.IPv6Address)
networks = st.one_of(
    st.tuples(ipv4, st.integers(0, 32)).map(lambda t: ipaddress.ip_network("%s/%d" % t, strict=False)),
    st.tuples(ipv6, st.integers(0, 128)).map(lambda t: ipaddress.ip_network("%s/%d" % t, strict=False)))
# Text a value may carry: line breaks, Postfix and nft syntax, format directives, non-ASCII, NUL.
riders = st.one_of(
    st.sampled_from(["\nsmtpd_authorized_xclient_hosts = static:all", " 0.0.0.0/0", "\n", "\r\n", "\x00", "\t",
                     "%v%v", "; accept", "} accept", " static:all", "é", "\u2028", "$(id)", "#"]),
    st.text(min_size=1, max_size=12))


def _written(network, rider, place):
    """A network written with RIDER in PLACE: after a zone '%', after the prefix, in front, as a netmask."""
    address, prefix = str(network.network_address), network.prefixlen
    return {
        "zone": "%s%%%s/%d" % (address, rider, prefix),
        "suffix": "%s/%d%s" % (address, prefix, rider),
        "prefix": "%s%s/%d" % (rider, address, prefix),
        "netmask": "%s/%s" % (address, network.netmask),
    }[place]


hostile_networks = st.builds(_written, networks, riders, st.sampled_from(["zone", "suffix", "prefix", "netmask"]))
mapped_networks = st.tuples(ipv4, st.integers(96, 128)).map(
    lambda t: "::ffff:%s/%d" % (ipaddress.ip_network("%s/%d" % (t[0], t[1] - 96), strict=False).network_address, t[1]))
# Fully canonical only: the strings the layer may return for a network.
_CANONICAL_CHARS = set("0123456789abcdef:./[]")


def _refused_naming(call, variable):
    with pytest.raises(_inputs.Refusal) as refused:
        call()
    assert str(refused.value).startswith(variable), str(refused.value)
    return str(refused.value)


# --- Class 1: strings that parse but carry text -----------------------------------------------------------

@BOUNDED
@given(hostile_networks)
def test_a_network_with_anything_around_it_is_refused_or_is_only_the_network(text):
    try:
        net = _inputs.network(text, "mailsec_trusted_networks", postfix_brackets=True)
    except _inputs.Refusal as refusal:
        assert str(refusal).startswith("mailsec_trusted_networks")
        return
    for rendered in (str(net), _inputs.postfix_network(net)):
        assert set(rendered) <= _CANONICAL_CHARS, rendered
    assert getattr(net.network_address, "scope_id", None) is None
    # what was accepted is exactly what was written, without a single extra character
    assert text == "%s/%d" % (net.network_address, net.prefixlen) or ipaddress.ip_network(text) == net


@BOUNDED
@given(networks)
def test_every_plain_network_is_accepted_and_rendered_so_that_postfix_and_nft_read_it_back(net):
    if net.version == 6 and net.prefixlen >= 96 and (net.subnet_of(_inputs.IPV4_MAPPED) or (
            net.subnet_of(_inputs.IPV4_COMPATIBLE) and int(net.network_address) > 1)):
        _refused_naming(lambda: _inputs.network(str(net), "v"), "v")
        return
    parsed = _inputs.network(str(net), "v", postfix_brackets=True)
    assert parsed == net
    assert _inputs.network(_inputs.postfix_network(parsed), "v", postfix_brackets=True) == net
    assert FILTERS["canonical"]([str(net)], "postfix_trusted_networks", "postfix") == [_inputs.postfix_network(net)]


@BOUNDED
@given(mapped_networks)
def test_ipv4_written_as_ipv6_is_refused_with_the_ipv4_form_to_write(text):
    message = _refused_naming(lambda: _inputs.network(text, "firewall_admin_networks"), "firewall_admin_networks")
    assert "written as IPv6" in message and "; write " in message


def test_the_review_s_open_relay_values_are_refused_by_the_postfix_role():
    good = dict(_good_postfix())
    for value in ("2001:db8::%x 0.0.0.0/0/64", "2001:db8::%a\nsmtpd_authorized_xclient_hosts = static:all/64",
                  "::ffff:0.0.0.0/96", "[::ffff:10.0.0.0]/104", "10.0.0.0/255.0.0.0"):
        problems = role_input_problems(dict(good, postfix_trusted_networks=[value]), {})
        assert problems and problems[0].startswith("postfix_trusted_networks"), (value, problems)


@BOUNDED
@given(st.lists(st.one_of(hostile_networks, networks.map(str), mapped_networks), min_size=1, max_size=4))
def test_whatever_the_postfix_role_accepts_writes_one_mynetworks_line_of_networks(values):
    problems = role_input_problems(dict(_good_postfix(), postfix_trusted_networks=values,
                                        postfix_wide_trust_reason="lab"), {})
    if any(p.startswith("postfix_trusted_networks") for p in problems):
        return
    rendered = FILTERS["canonical"](values, "postfix_trusted_networks", "postfix")
    main_cf = "mynetworks = 127.0.0.0/8 %s\nsmtpd_relay_restrictions = reject_unauth_destination\n" % " ".join(rendered)
    settings_read = parse_main_cf(main_cf)
    assert set(settings_read) == {"mynetworks", "smtpd_relay_restrictions"}
    assert all(ipaddress.ip_network(w.strip("[]").replace("]", "")) for w in settings_read["mynetworks"].split())


@BOUNDED
@given(st.lists(st.one_of(hostile_networks, networks.map(str)), min_size=1, max_size=3))
def test_the_firewall_sets_hold_only_networks(values):
    problems = _firewall_inputs.firewall_problems(_good_firewall(firewall_admin_networks=values))
    if any(p.startswith("firewall_admin_networks") for p in problems):
        return
    for family in ("ipv4", "ipv6"):
        for element in _firewall_inputs.family_networks(values, family):
            assert set(element) <= _CANONICAL_CHARS


@BOUNDED
@given(st.one_of(st.builds(lambda a, r: "%s%%%s" % (a, r), st.one_of(ipv4, ipv6), riders),
                 st.builds(lambda a, r: "%s%s" % (a, r), st.one_of(ipv4, ipv6), riders)))
def test_an_address_with_text_is_refused(text):
    try:
        parsed = _inputs.address(text, "mailsec_egress_addresses")
    except _inputs.Refusal as refusal:
        assert str(refusal).startswith("mailsec_egress_addresses")
        return
    assert str(parsed) == text.lower() or ipaddress.ip_address(text) == parsed


# A good value of every typed role variable, to which generated text is added.
GOOD_TYPED = {
    "postfix_hostname": "mx.example.org", "postfix_domains": ["example.org"],
    "postfix_trusted_networks": ["192.0.2.0/24"], "postfix_relayhost": "[hub.example.org]:25",
    "postfix_root_alias": "admin@example.org", "spamassassin_trusted_networks": ["2001:db8::/48"],
    "spamassassin_reject_message": "Refused as spam", "clamav_private_mirror": "https://mirror.example.org/db",
    "clamav_reject_message": "Virus %v found", "clamav_report_hostname": "mx", "baseline_journal_max_use": "2G",
    "baseline_unattended_upgrades_mail": "root", "firewall_admin_networks": ["192.0.2.7"],
    "firewall_smtp_sources": ["0.0.0.0/0"], "firewall_submission_sources": ["::/0"],
    "firewall_outbound_smtp_ports": [2525], "border_firewall_campus_networks": ["10.0.0.0/8"],
    "firewall_outbound_smtp_users": ["postfix"], "firewall_smtp_rate_limit": "30/minute", "firewall_ssh_port": "22",
    "border_firewall_log_rate": "10/minute", "baseline_unattended_upgrades_reboot_time": "02:30",
    "postfix_mode": "mx", "postfix_inet_protocols": "all", "postfix_tls_min_protocol": "TLSv1.2",
    "postfix_tls_cert_file": "/etc/ssl/certs/mail.pem", "postfix_tls_key_file": "/etc/ssl/private/mail.key",
    "postfix_message_size_limit": 26214400, "postfix_recipient_limit": 100,
    "postfix_client_connection_count_limit": 20, "postfix_client_connection_rate_limit": 60,
    "postfix_backups_kept": 5, "postfix_wide_trust_reason": "the campus network, ticket 1234",
    "spamassassin_required_score": 5.0, "spamassassin_reject_score": 15, "spamassassin_max_children": 5,
    "clamav_signature_source": "official", "clamav_freshclam_checks": 12, "clamav_max_message_size": 26214400,
    "baseline_log_retention_days": 90, "firewall_mode": "mx",
    "postfix_submission_auth_rate_limit": 10, "postfix_submission_message_rate_limit": 60,
    "mail_auth_domains": ["dept.example.org"], "mail_auth_host_name": "mx.dept.example.org",
    "mail_auth_egress_addresses": ["192.0.2.25"], "mail_auth_dkim_selector": "mail2026",
    "mail_auth_dkim_next_selector": "mail2027", "mail_auth_dkim_retired_selectors": ["mail2025"],
    "mail_auth_dkim_key_bits": 2048, "mail_auth_spf_senders": ["_spf.example.com"], "mail_auth_spf_all": "-all",
    "mail_auth_dmarc_policy": "reject", "mail_auth_dmarc_alignment": "relaxed",
    "mail_auth_report_address": "dmarc-reports@dept.example.org", "mail_auth_trusted_networks": ["192.0.2.0/24"],
    "mail_auth_resolvers": ["192.0.2.53"], "mail_auth_dns_ttl": 3600, "mail_auth_mta_sts_mode": "enforce",
    "mail_auth_mta_sts_mx": ["mx.dept.example.org", "*.mx.dept.example.org"], "mail_auth_mta_sts_max_age": 604800,
    "mail_auth_mta_sts_cert_file": "/etc/ssl/mta-sts.pem", "mail_auth_mta_sts_key_file": "/etc/ssl/private/mta-sts.key",
    "mailbox_junk_thresholds": {"alice": 5, "bob": 12}, "mailbox_junk_folder": "Junk",
    "clamav_filter_mode": "reject", "postfix_filter_mode": "sanitize", "mimedefang_filter_mode": "sanitize",
    "mimedefang_worm_signatures": ["*.Worm.*"], "mimedefang_report_hostname": "mx.dept.example.org",
    "backup_repository": "sftp:backup@store.example.org:/srv/restic/mx",
    "backup_sftp_host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOWdEygD2aD08kqjeBEng7nfQ8vAbkX+8+9RmijTQ9d3",
    "backup_sftp_port": 22, "backup_host_name": "mx.dept.example.org", "backup_times": ["02:30"],
    "backup_check_day": "Sun", "backup_check_time": "04:30", "backup_check_read_percent": 5, "backup_keep_daily": 7,
    "backup_keep_weekly": 5, "backup_keep_monthly": 12, "backup_extra_paths": ["/srv/archive"],
    "backup_restore_snapshot": "1a2b3c4d",
    "advisories_mail": "admin@dept.example.org", "advisories_source": "https://mirror.example.org/debsecan",
    "advisories_time": "06:00",
    "monitoring_mail": "alice", "monitoring_summary_time": "06:30", "monitoring_check_minutes": 5,
    "monitoring_window_minutes": 15, "monitoring_queue_limit": 200, "monitoring_refusal_limit": 100,
    "monitoring_auth_failure_limit": 20, "monitoring_repeat_hours": 6, "monitoring_fail2ban": True,
    "monitoring_fail2ban_max_failures": 5, "monitoring_fail2ban_find_minutes": 10, "monitoring_fail2ban_ban_minutes": 60,
    "monitoring_fail2ban_ignore_networks": ["192.0.2.0/24"], "monitoring_exporter": False,
    "monitoring_exporter_address": "127.0.0.1", "monitoring_exporter_port": 9154,
}


def test_every_typed_variable_has_a_good_example():
    assert set(GOOD_TYPED) == set(_input_types.TYPES)


def _with_rider(good, rider, front):
    if isinstance(good, list):
        item = good[0]
        return [(rider + str(item)) if front else (str(item) + rider)]
    return (rider + str(good)) if front else (str(good) + rider)


@BOUNDED
@given(st.sampled_from(sorted(GOOD_TYPED)), riders, st.booleans())
def test_every_typed_variable_refuses_text_riding_on_its_value_or_writes_only_the_value(variable, rider, front):
    value = _with_rider(GOOD_TYPED[variable], rider, front)
    try:
        written = _input_types.rendered(variable, value, "postfix" if "networks" in variable else "text")
    except _inputs.Refusal as refusal:
        assert str(refusal).startswith(variable), str(refusal)
        return
    for item in written if isinstance(written, list) else [written]:
        text = str(item)
        assert all(0x20 <= ord(c) <= 0x7e for c in text), (variable, value, text)
        # what was accepted is part of the value written, not dropped on the way
        assert not set(rider.strip().lower()) - set(text.lower()), (variable, value, text)


# --- Class 2: text that changes the target format ---------------------------------------------------------

names = st.from_regex(r"\A[a-z][a-z0-9-]{0,10}[a-z0-9](\.[a-z][a-z0-9]{0,8}){1,3}\Z")


@BOUNDED
@given(names, riders)
def test_a_host_name_with_text_is_refused_or_is_only_the_name(name, rider):
    for text in (name + rider, rider + name):
        try:
            parsed = _inputs.hostname(text, "mailsec_fqdn")
        except _inputs.Refusal as refusal:
            assert str(refusal).startswith("mailsec_fqdn")
            continue
        assert parsed == text.lower() and all(c.isalnum() or c in ".-" for c in parsed)


@BOUNDED
@given(st.text(max_size=40), st.sampled_from([("clamav_reject_message", ("%v",), ""),
                                              ("spamassassin_reject_message", (), '"\\%$')]))
def test_reply_text_is_one_line_of_printable_ascii_without_the_format_s_own_characters(text, target):
    variable, directives, forbidden = target
    try:
        parsed = _inputs.reject_text(text, variable, directives=directives, forbidden=forbidden)
    except _inputs.Refusal as refusal:
        assert str(refusal).startswith(variable)
        return
    assert all(0x20 <= ord(c) <= 0x7e for c in parsed)
    assert not set(parsed) & set(forbidden)
    assert parsed.count("%") == parsed.count("%v") <= 1


def test_clamav_milter_directives_are_limited_to_one_virus_name():
    assert _inputs.reject_text("Virus %v found", "m", directives=("%v",)) == "Virus %v found"
    for bad in ("%v and %v", "100% sure", "%s", "a\nb"):
        _refused_naming(lambda bad=bad: _inputs.reject_text(bad, "clamav_reject_message", directives=("%v",)),
                        "clamav_reject_message")


@pytest.mark.parametrize("given_url, canonical", [
    ("https://Mirror.Example.org/clamav", "https://mirror.example.org/clamav"),
    ("http://192.0.2.5:8080", "http://192.0.2.5:8080"),
    ("HTTPS://[2001:db8::5]/db", "https://[2001:db8::5]/db"),
])
def test_a_mirror_url_keeps_its_scheme(given_url, canonical):
    assert FILTERS["canonical"](given_url, "clamav_private_mirror") == canonical


@pytest.mark.parametrize("bad", ["mirror.example.org", "ftp://mirror.example.org", "https://mirror.example.org/a b",
                                 "https://mirror.example.org\nPrivateMirror evil", "https://[fe80::1%eth0]/",
                                 "https://user@mirror.example.org/"])
def test_a_mirror_url_with_anything_else_is_refused(bad):
    problems = _filter_inputs.clamav_problems(dict(_good_clamav(), clamav_signature_source="mirror",
                                                   clamav_private_mirror=bad), 8192)
    assert any(p.startswith("clamav_private_mirror") for p in problems), problems


def test_a_password_hash_with_a_field_separator_is_refused():
    from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _submission
    values = dict(postfix_submission_enabled=True, postfix_submission_auth_backend="passwd_file",
                  postfix_submission_auth_rate_limit=10, postfix_submission_message_rate_limit=60,
                  postfix_mode="mx", postfix_domains=["example.org"],
                  postfix_submission_users=[dict(name="alice", password_hash="{SHA512-CRYPT}$6$abc:0:0::/root:")])
    problems = _submission.input_problems(values)
    assert any("password_hash must be a Dovecot hash" in p for p in problems), problems


# A pattern's '$' also matches before a final line break; every check must refuse that line break.
TRAILING_BREAK_CASES = [
    (lambda v: _firewall_inputs.firewall_problems(_good_firewall(**v)), "firewall_smtp_rate_limit", "30/minute"),
    (lambda v: _firewall_inputs.firewall_problems(_good_firewall(**v)), "firewall_outbound_smtp_users", ["postfix"]),
    (lambda v: _firewall_inputs.firewall_problems(_good_firewall(**v)), "firewall_ruleset_path",
     "/etc/nftables.d/mailsec.nft"),
    (lambda v: _baseline_inputs.baseline_problems(_good_baseline(**v)), "baseline_unattended_upgrades_reboot_time",
     "02:30"),
    (lambda v: _baseline_inputs.baseline_problems(_good_baseline(**v)), "baseline_unattended_upgrades_mail", "root"),
    (lambda v: _baseline_inputs.baseline_problems(_good_baseline(**v)), "baseline_allowed_listeners", ["sshd"]),
    (lambda v: _baseline_inputs.baseline_problems(_good_baseline(**v)), "baseline_journal_max_use", "2G"),
    (lambda v: role_input_problems(dict(_good_postfix(), **v), {}), "postfix_hostname", "mx.example.org"),
    (lambda v: role_input_problems(dict(_good_postfix(), **v), {}), "postfix_relayhost", "[hub.example.org]:25"),
    (lambda v: role_input_problems(dict(_good_postfix(), **v), {}), "postfix_root_alias", "admin@example.org"),
    (lambda v: role_input_problems(dict(_good_postfix(), **v), {}), "postfix_tls_cert_file", "/etc/ssl/a.pem"),
    (lambda v: _filter_inputs.clamav_problems(dict(_good_clamav(), **v), 8192), "clamav_reject_message", "Virus %v"),
]


@pytest.mark.parametrize("check, variable, good", TRAILING_BREAK_CASES, ids=[c[1] for c in TRAILING_BREAK_CASES])
def test_a_value_with_a_final_line_break_is_refused(check, variable, good):
    changes = {variable: good}
    if variable == "postfix_tls_cert_file":
        changes["postfix_tls_key_file"] = "/etc/ssl/a.key"
    assert not any(p.startswith(variable) for p in check(changes)), check(changes)
    broken = [good[0] + "\n"] if isinstance(good, list) else good + "\n"
    assert any(variable in p for p in check(dict(changes, **{variable: broken}))), variable


# --- Class 3 and 6: networks that add up, escape hatches --------------------------------------------------

def test_admin_networks_each_within_bounds_that_add_up_are_refused_for_the_host():
    values = dict(firewall_admin_networks=["10.0.0.0/8", "11.0.0.0/8"], firewall_ssh_port=22,
                  firewall_allow=[dict(name="ssh2", port=22, sources=["12.0.0.0/8"])])
    problems = _intent.intent_problems(values, ["firewall"])
    assert problems and "together open SSH to" in problems[0]
    assert _intent.intent_problems(dict(firewall_admin_networks=["10.0.0.0/8"], firewall_ssh_port=22,
                                        firewall_allow=[]), ["firewall"]) == []


def test_trusted_networks_of_postfix_and_spamassassin_are_judged_together():
    values = dict(postfix_trusted_networks=["10.1.0.0/16"], spamassassin_trusted_networks=["10.2.0.0/16"],
                  postfix_trust_ceiling={"ipv4": 16, "ipv6": 48}, postfix_wide_trust_reason="")
    assert "more than the ceiling of one /16" in _intent.intent_problems(values, ["postfix", "spamassassin"])[0]
    assert _intent.intent_problems(values, ["postfix"]) == []
    assert _intent.intent_problems(dict(values, postfix_wide_trust_reason="two labs"), ["postfix", "spamassassin"]) == []


def test_networks_whose_mail_is_signed_unchecked_count_against_the_trust_ceiling():
    values = dict(postfix_trusted_networks=["10.1.0.0/16"], mail_auth_trusted_networks=["0.0.0.0/1"],
                  postfix_trust_ceiling={"ipv4": 16, "ipv6": 48}, postfix_wide_trust_reason="")
    problems = _intent.intent_problems(values, ["postfix", "mail_auth"])
    assert problems and "mail_auth_trusted_networks" in problems[0], problems
    assert _intent.intent_problems(dict(values, mail_auth_trusted_networks=["10.1.0.0/16"]), ["postfix", "mail_auth"]) == []


@pytest.mark.parametrize("sources, protocols, refused", [
    (["::/0"], "all", True), (["::/0"], "ipv4", True), (["0.0.0.0/0"], "ipv6", True),
    (["0.0.0.0/0"], "all", False), (["0.0.0.0/0", "::/0"], "all", False), (["::/0"], "ipv6", False),
    (["192.0.2.0/24"], "all", False),
])
def test_an_mx_that_takes_mail_over_ipv4_needs_an_ipv4_source_in_its_firewall(sources, protocols, refused):
    values = dict(firewall_mode="mx", firewall_smtp_sources=sources, postfix_inet_protocols=protocols)
    problems = _intent.intent_problems(values, ["postfix", "firewall"])
    assert bool(problems) is refused, problems
    assert not _intent.intent_problems(dict(values, firewall_mode="relay_client"), ["postfix", "firewall"])


def test_modes_that_differ_between_roles_are_refused():
    problems = _intent.intent_problems(dict(mailsec_mode="mx", postfix_mode="mx", firewall_mode="relay_client"),
                                       ["postfix", "firewall"])
    assert problems and "mode differs" in problems[0] and "firewall_mode = 'relay_client'" in problems[0]
    assert _intent.intent_problems(dict(mailsec_mode="mx", postfix_mode="mx", firewall_mode="relay_client"),
                                   ["postfix"]) == []


@pytest.mark.parametrize("rule, why", [
    ("accept", "accepts every packet"),
    ("counter accept", "accepts every packet"),
    ("tcp dport 22 accept", "accepts the SSH port 22"),
    ("tcp dport { 80, 22 } accept", "accepts the SSH port 22"),
    ("tcp dport ssh counter accept", "accepts the SSH port 22"),
])
def test_raw_rules_that_open_more_than_the_role_promises_are_refused(rule, why):
    problems = _firewall_inputs.firewall_problems(_good_firewall(firewall_extra_input_rules=[rule]))
    assert any(p.startswith("firewall_extra_input_rules") and why in p for p in problems), problems


@pytest.mark.parametrize("rule", ["tcp dport 8080 ip saddr 192.0.2.0/24 accept", "udp dport 161 drop",
                                  "tcp dport 2222 ip saddr 192.0.2.0/24 accept"])
def test_raw_rules_that_match_something_else_are_kept(rule):
    assert _firewall_inputs.firewall_problems(_good_firewall(firewall_extra_input_rules=[rule])) == []


def test_an_allow_entry_for_the_ssh_port_from_everywhere_is_refused():
    entry = dict(name="ssh-all", port=22, sources=["0.0.0.0/0"])
    problems = _firewall_inputs.firewall_problems(_good_firewall(firewall_allow=[entry]))
    assert any("opens SSH to every address" in p for p in problems), problems
    entry = dict(name="web", port=443, sources=["0.0.0.0/0"])
    assert _firewall_inputs.firewall_problems(_good_firewall(firewall_allow=[entry])) == []


def test_an_empty_registry_is_refused_in_enforce_mode_only():
    values = dict(border_firewall_mode="enforce", border_firewall_campus_networks=["192.0.2.0/24"],
                  border_firewall_ports=[25, 465, 587], border_firewall_log_rate="", border_firewall_persist=True,
                  border_firewall_ruleset_path="/etc/nftables.d/mailsec-border.nft", border_firewall_registry=[])
    assert any("registry is empty" in p for p in _border.border_problems(values))
    assert not any("registry is empty" in p for p in _border.border_problems(dict(values, border_firewall_mode="monitor")))


@pytest.mark.parametrize("size, refused", [("2G", False), ("64M", False), ("1M", True), ("2g", True), ("2 G", True),
                                           ("2G\nStorage=volatile", True), (2 ** 31, False)])
def test_a_journal_size_too_small_to_keep_the_logs_is_refused(size, refused):
    problems = _baseline_inputs.baseline_problems(_good_baseline(baseline_journal_max_use=size))
    assert bool(problems) is refused, problems
    assert all(p.startswith("baseline_journal_max_use") for p in problems)


def test_canonical_size_writes_the_exact_size():
    assert FILTERS["canonical"]("2048M", "baseline_journal_max_use", "size") == "2G"
    assert FILTERS["canonical"](1536 * 1024 * 64, "baseline_journal_max_use", "size") == "96M"
    with pytest.raises(AnsibleFilterError, match="^baseline_journal_max_use: '1M' is outside 64M to 1T"):
        FILTERS["canonical"]("1M", "baseline_journal_max_use", "size")


# --- Class 7: secrets in refusals ----------------------------------------------------------------------------

@BOUNDED
@given(st.binary(min_size=16, max_size=64))
def test_a_tsig_secret_in_the_wrong_variable_is_never_printed(raw):
    secret = base64.b64encode(raw).decode()
    if not _inputs.looks_secret(secret):
        return  # all one case, or no digit: not recognisable as a key (rare for 16 random bytes)
    values = dict(mail_identity_publish=True, mail_identity_dns_server=secret, mail_identity_dns_port=secret,
                  mail_identity_tsig_key_name=secret, mail_identity_tsig_key_algorithm=secret,
                  mail_identity_tsig_key_secret="short", mail_identity_forward_zone=secret,
                  mail_identity_reverse_zones=[secret])
    problems = _identity_inputs.publish_problems(values)
    assert problems and not any(secret in p for p in problems)


def test_a_secret_is_hidden_from_str_and_repr():
    value = _inputs.secret("c2VjcmV0LXNlY3JldC1zZWNyZXQ=", "k", lambda s: True, "a key")
    assert "c2Vj" not in str(value) + repr(value) and value.reveal().startswith("c2Vj")
    message = _refused_naming(lambda: _inputs.secret("hunter2", "k", lambda s: False, "a key"), "k")
    assert "hunter2" not in message


# --- Good values of each role, to change one input at a time ------------------------------------------------

def _good_postfix():
    return dict(postfix_mode="mx", postfix_hostname="mx.example.org", postfix_domains=["example.org"],
                postfix_trusted_networks=[], postfix_trust_ceiling={"ipv4": 16, "ipv6": 48},
                postfix_wide_trust_reason="", postfix_relayhost="", postfix_root_alias="",
                postfix_inet_protocols="all", postfix_tls_cert_file="", postfix_tls_key_file="",
                postfix_tls_min_protocol="TLSv1.2", postfix_reject_unknown_sender_domain=True,
                postfix_message_size_limit=10485760, postfix_recipient_limit=100,
                postfix_client_connection_count_limit=10, postfix_client_connection_rate_limit=30,
                postfix_extra_settings={}, postfix_drop_settings=[], postfix_backups_kept=5)


def _good_firewall(**changes):
    values = dict(firewall_mode="mx", firewall_submission_enabled=False, firewall_mta_sts_enabled=False, firewall_admin_networks=["192.0.2.0/24"],
                  firewall_ssh_port=22, firewall_smtp_sources=["0.0.0.0/0", "::/0"],
                  firewall_submission_sources=["0.0.0.0/0"], firewall_smtp_rate_limit="",
                  firewall_outbound_smtp_users=["postfix"], firewall_outbound_smtp_ports=[],
                  firewall_allow=[], firewall_extra_input_rules=[], firewall_log_refused=True, firewall_persist=True,
                  firewall_ruleset_path="/etc/nftables.d/mailsec.nft")
    values.update(changes)
    return values


def _good_clamav():
    return dict(clamav_signature_source="local", clamav_private_mirror="",
                clamav_local_signatures=[dict(name="local.hdb", content="x")], clamav_freshclam_checks=12,
                clamav_max_message_size=10485760, clamav_allow_low_memory=False,
                clamav_reject_message="Virus %v found; nothing was delivered", clamav_report_hostname="mx.example.org")


def _good_baseline(**changes):
    values = dict(baseline_unattended_upgrades=True, baseline_unattended_upgrades_start_timers=True,
                  baseline_disable_stray_services=False, baseline_unattended_upgrades_mail="root",
                  baseline_unattended_upgrades_reboot_time="", baseline_allowed_listeners=[],
                  baseline_log_retention_days=90, baseline_journal_max_use="2G", baseline_backups_kept=5)
    values.update(changes)
    return values


@BOUNDED
@given(st.one_of(ipv4, ipv6), riders)
def test_an_address_a_daemon_reports_is_read_without_its_zone_and_anything_else_is_none(address, rider):
    # SSH_CONNECTION and resolv.conf name a link-local peer with its interface after '%': the address
    # is what rules and checks compare. IPv4 written as IPv6 is read as the IPv4 address it is.
    expected = _inputs._embedded_ipv4(address) or address
    assert _inputs.read_address("%s%%%s" % (address, rider)) == expected
    mapped = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    assert _inputs.read_address("::ffff:%s" % mapped) == mapped
    assert _inputs.read_address(None) is None and _inputs.read_address(" %s" % address) is None
    assert _inputs.read_address("%s/24" % address) is None
