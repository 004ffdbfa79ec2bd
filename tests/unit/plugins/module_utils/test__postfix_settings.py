# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _postfix_settings as settings

MAIN_CF = """# comment
myhostname = mx.example.org
  # an indented comment is skipped too
smtpd_relay_restrictions = permit_mynetworks,
    reject_unauth_destination
mynetworks = 127.0.0.0/8
mynetworks = 127.0.0.0/8 192.0.2.0/24
not a setting line
empty =
"""


def test_main_cf_is_read_as_postfix_reads_it():
    assert settings.parse_main_cf(MAIN_CF) == {
        "myhostname": "mx.example.org",
        "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
        "mynetworks": "127.0.0.0/8 192.0.2.0/24",
        "empty": "",
    }


def test_marker_round_trip_wraps_long_lists():
    names = ["parameter_%02d" % i for i in range(30)]
    lines = settings.marker_lines(names, width=100)
    assert len(lines) > 1 and all(len(line) <= 100 for line in lines)
    assert all(line.startswith(settings.WRITTEN_MARKER) for line in lines)
    assert settings.written_names("\n".join(lines) + "\nmyhostname = x\n") == sorted(names)


@pytest.mark.parametrize("relay, recipient", [
    ("permit_mynetworks, reject_unauth_destination", ""),
    ("permit_mynetworks permit_sasl_authenticated defer_unauth_destination", ""),
    ("permit_sasl_authenticated, reject", ""),
    ("reject_rbl_client zen.example, permit_mynetworks, reject_unauth_destination", ""),
    ("", "permit_mynetworks, reject_unauth_destination, check_recipient_access hash:/x"),
])
def test_closed_relay_lists(relay, recipient):
    assert settings.relay_list_problems(relay, recipient) == []


@pytest.mark.parametrize("relay, recipient, fragment", [
    ("permit_mynetworks", "", "does not end with reject_unauth_destination"),
    ("permit, reject_unauth_destination", "", "smtpd_relay_restrictions: permit permits mail before the relay check"),
    ("check_helo_access hash:/x, reject_unauth_destination", "", "check_helo_access can return OK"),
    ("permit_mx_backup, reject_unauth_destination", "", "permit_mx_backup permits mail"),
    ("my_class, reject_unauth_destination", "", "not a restriction this check knows"),
    ("", "permit_mynetworks", "smtpd_recipient_restrictions does not end"),
    ("", "", "both empty"),
])
def test_open_relay_lists(relay, recipient, fragment):
    problems = settings.relay_list_problems(relay, recipient)
    assert len(problems) == 1 and fragment in problems[0]


POSTCONF_M = """smtp       inet  n       -       y       -       -       smtpd
2525       inet  n       -       y       -       -       smtpd -o mynetworks=0.0.0.0/0
pickup     unix  n       -       y       60      1       pickup
"""
POSTCONF_P = """2525/inet/mynetworks = 0.0.0.0/0
2525/inet/smtpd_relay_restrictions = permit_mynetworks
submission/inet/syslog_name = postfix/submission
broken line
"""


def test_master_services_and_overrides_are_parsed():
    services = settings.parse_services(POSTCONF_M)
    assert [(s["service"], s["type"], s["command"]) for s in services] == [
        ("smtp", "inet", "smtpd"), ("2525", "inet", "smtpd"), ("pickup", "unix", "pickup")]
    assert settings.parse_overrides(POSTCONF_P) == {
        "2525/inet": {"mynetworks": "0.0.0.0/0", "smtpd_relay_restrictions": "permit_mynetworks"},
        "submission/inet": {"syslog_name": "postfix/submission"},
    }


def test_service_overrides_that_open_the_relay_are_found():
    overrides = settings.parse_overrides(POSTCONF_P)["2525/inet"]
    found = settings.service_problems(overrides, {"smtpd_relay_restrictions": "permit_mynetworks, reject"})
    parameters = sorted(item["parameter"] for item in found)
    assert parameters == ["mynetworks", "smtpd_relay_restrictions"]
    assert not any(item["acknowledgeable"] for item in found)


def test_harmless_service_overrides_pass():
    overrides = {"syslog_name": "postfix/submission", "smtpd_tls_security_level": "encrypt",
                 "smtpd_relay_restrictions": "permit_sasl_authenticated,reject", "smtpd_tls_wrappermode": "no"}
    assert settings.service_problems(overrides, {}) == []


def test_dropped_settings_are_those_whose_effect_changes():
    live = {"myhostname": "mx", "virtual_alias_maps": "hash:/etc/postfix/virtual", "biff": "yes",
            "old_role_setting": "1", "recipient_delimiter": "+"}
    candidate = {"myhostname": "mx"}
    live_effective = {"virtual_alias_maps": "hash:/etc/postfix/virtual", "biff": "yes", "recipient_delimiter": "+"}
    candidate_effective = {"virtual_alias_maps": "$virtual_maps", "biff": "yes", "recipient_delimiter": ""}
    dropped = settings.dropped_settings(live, candidate, live_effective, candidate_effective,
                                        written_before=["old_role_setting"])
    assert [d["name"] for d in dropped] == ["recipient_delimiter", "virtual_alias_maps"]
    assert dropped[1] == dict(name="virtual_alias_maps", live="hash:/etc/postfix/virtual", after="$virtual_maps")


def test_unknown_dropped_parameter_counts_as_dropped():
    dropped = settings.dropped_settings({"my_own_table": "hash:/x"}, {}, {}, {})
    assert dropped == [dict(name="my_own_table", live="hash:/x", after=None)]


@pytest.mark.parametrize("name, service_type, expected", [
    ("smtp", "inet", dict(address=None, port=25)),
    ("2525", "inet", dict(address=None, port=2525)),
    ("127.0.0.1:2526", "inet", dict(address="127.0.0.1", port=2526)),
    ("[::1]:2527", "inet", dict(address="::1", port=2527)),
    ("submission", "inet", dict(address=None, port=587)),
    ("no-such-service", "inet", dict(address=None, port=None)),
    ("pickup", "unix", None),
])
def test_service_endpoint(name, service_type, expected):
    assert settings.service_endpoint(name, service_type) == expected
