# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Structured values as the templates write them: the site's main.cf settings, firewall allow
entries and extra rules, Dovecot passwd-file lines. Generated hostile values are either refused
naming the variable, or what is written parses back to exactly the accepted value."""
from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _firewall_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _submission
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import site_setting_lines
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._postfix_settings import parse_main_cf

BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
PRINTABLE = re.compile(r"^[ -~]*\Z")
riders = st.one_of(
    st.sampled_from(["\nsmtpd_authorized_xclient_hosts = static:all", "\n", "\r\n", "\x00", "\t", " ", "é",
                     "\u2028", ":", "; accept", "} accept", "# x", "\" accept", "\\", "{", "}"]),
    st.text(min_size=1, max_size=12))
parameter_names = st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z")
texts = st.one_of(st.text(max_size=20), st.builds(lambda a, r, b: a + r + b, st.text(max_size=6), riders,
                                                  st.text(max_size=6)))
setting_values = st.one_of(texts, st.integers(-10, 10 ** 9), st.booleans(), st.none(), st.floats(allow_nan=False),
                           st.lists(st.one_of(texts, st.integers(0, 100)), max_size=3))


# --- postfix_extra_settings ----------------------------------------------------------------------------

@BOUNDED
@given(st.one_of(parameter_names, texts), setting_values)
def test_a_site_setting_is_refused_or_parses_back_to_exactly_its_value(name, value):
    try:
        lines = site_setting_lines({name: value})
    except ValueError as error:
        assert str(error).startswith("postfix_extra_settings"), str(error)
        return
    assert len(lines) == 1 and PRINTABLE.match(lines[0]), lines
    parsed = parse_main_cf("\n".join(lines) + "\n")
    if isinstance(value, bool):
        expected = "yes" if value else "no"
    elif isinstance(value, list):
        expected = ", ".join(str(item).strip() for item in value)
    else:
        expected = str(value).strip()
    assert parsed == {name: expected}


@pytest.mark.parametrize("extra, refused", [
    ({"smtpd_banner": "x\nsmtpd_authorized_xclient_hosts = static:all"}, "line break"),
    ({"a\nb": "x"}, "not a Postfix parameter name"),
    ({"smtpd_banner": {"nested": 1}}, "a mapping"),
    ({"smtpd_banner": 1.5}, "give text"),
])
def test_site_settings_that_would_add_lines_are_refused(extra, refused):
    with pytest.raises(ValueError, match=refused):
        site_setting_lines(extra)


def test_site_settings_are_written_in_one_form_sorted_by_name():
    assert site_setting_lines({"smtputf8_enable": False, "smtpd_banner": "  $myhostname ESMTP ",
                               "relay_domains": ["a.example", " b.example"], "default_process_limit": 50}) == [
        "default_process_limit = 50", "relay_domains = a.example, b.example", "smtpd_banner = $myhostname ESMTP",
        "smtputf8_enable = no"]


# --- firewall_allow and firewall_extra_input_rules ------------------------------------------------------

allow_entries = st.fixed_dictionaries(
    {"name": st.one_of(st.just("backup"), texts), "port": st.one_of(st.integers(-1, 70000), texts, st.just("9100")),
     "sources": st.lists(st.one_of(st.sampled_from(["192.0.2.0/24", "2001:db8::/48", "198.51.100.7"]), texts),
                         min_size=0, max_size=3)},
    optional={"protocol": st.one_of(st.sampled_from(["tcp", "udp"]), texts)})


@BOUNDED
@given(allow_entries)
def test_an_allow_entry_is_refused_or_written_from_its_parsed_parts(entry):
    try:
        rules = _firewall_inputs.allow_rules([entry], ssh_port=22)
    except ValueError as error:
        assert str(error).startswith("firewall_allow"), str(error)
        return
    (rule,) = rules
    assert re.match(r"^[a-z0-9][a-z0-9_-]{0,30}\Z", rule["name"]) and rule["protocol"] in ("tcp", "udp")
    assert isinstance(rule["port"], int) and 1 <= rule["port"] <= 65535
    for family, version in (("ipv4", 4), ("ipv6", 6)):
        for element in rule[family]:
            assert ipaddress.ip_network(element).version == version, element


def test_an_allow_entry_for_ssh_from_everyone_is_refused_by_the_writer_too():
    with pytest.raises(ValueError, match="firewall_allow"):
        _firewall_inputs.allow_rules([{"name": "ssh", "port": 2222, "sources": ["0.0.0.0/0"]}], ssh_port=2222)


@BOUNDED
@given(st.builds(lambda a, r, b: a + r + b, st.sampled_from(["tcp dport 9100 ip saddr 192.0.2.0/24 ", " "]),
                 riders, st.sampled_from(["accept", " accept", ""])))
def test_an_extra_rule_is_refused_or_written_as_one_statement(rule):
    try:
        (written,) = _firewall_inputs.extra_rules([rule], ssh_port=22)
    except ValueError as error:
        assert str(error).startswith("firewall_extra_input_rules"), str(error)
        return
    assert PRINTABLE.match(written) and written == written.strip() and not set(written) & set(";#")
    assert written.count("{") == written.count("}")


# --- Dovecot passwd-file lines -----------------------------------------------------------------------------

HASH = "{SHA512-CRYPT}$6$abcdefgh$" + "A" * 86


@BOUNDED
@given(st.one_of(st.just("alice"), texts),
       st.one_of(st.just(HASH), st.builds(lambda r: HASH + r, riders), st.builds(lambda r: r + HASH, riders)))
def test_a_passwd_line_is_refused_without_the_hash_or_holds_exactly_two_fields(name, password_hash):
    try:
        line = _submission.passwd_line(name, password_hash)
    except ValueError as error:
        assert str(error).startswith("postfix_submission_users"), str(error)
        assert HASH[14:] not in str(error)
        return
    assert PRINTABLE.match(line) and line.split(":") == [name, password_hash]


def test_a_hash_with_a_colon_would_rename_the_login_and_is_refused():
    with pytest.raises(ValueError, match="not shown") as error:
        _submission.passwd_line("alice", HASH + ":0:0::/root")
    assert "$6$" not in str(error.value)
