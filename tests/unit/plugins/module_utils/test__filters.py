# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _filters


def test_each_side_names_the_same_milter():
    clamav = _filters.endpoint("clamav")
    # Postfix names the socket relative to its queue directory, where smtpd works chrooted or not
    assert clamav["postfix"] == "unix:clamav/clamav-milter.ctl"
    assert clamav["libmilter"] == "unix:/var/spool/postfix/clamav/clamav-milter.ctl"
    assert (clamav["kind"], clamav["directory"], clamav["group"]) == ("unix", "/var/spool/postfix/clamav", "clamav")
    spamassassin = _filters.endpoint("spamassassin")
    assert spamassassin["postfix"] == "unix:spamass/spamass.sock"
    assert _filters.unix_path(_filters.milter_address(spamassassin["postfix"])[1]) == spamassassin["path"]
    assert _filters.milter_address(spamassassin["libmilter"]) == ("unix", "/var/spool/postfix/spamass/spamass.sock")
    opendkim = _filters.endpoint("opendkim")
    assert (opendkim["kind"], opendkim["postfix"], opendkim["libmilter"]) == ("inet", "inet:127.0.0.1:8891", "inet:8891@127.0.0.1")


def test_unknown_filter_is_an_error():
    with pytest.raises(ValueError, match="choose from clamav, spamassassin"):
        _filters.endpoint("amavis")


def test_virus_filter_comes_first_whatever_the_order_given():
    assert _filters.smtpd_milters(["spamassassin", "clamav"], ["unix:/run/opendkim.sock"]) == [
        "unix:clamav/clamav-milter.ctl", "unix:spamass/spamass.sock", "unix:/run/opendkim.sock"]
    assert _filters.smtpd_milters([]) == []


@pytest.mark.parametrize("filters, mode, expected", [
    (["clamav", "spamassassin"], "mx", []),
    ([], "relay_client", []),
    ("clamav", "mx", ["mailsec_filters must be a list naming content filters (clamav, spamassassin), not 'clamav'"]),
    (["amavis"], "mx", ["mailsec_filters: 'amavis' is not a content filter this collection runs; "
                        "choose from clamav, spamassassin"]),
    (["clamav", "clamav"], "mx", ["mailsec_filters names a filter twice"]),
    (["clamav"], "relay_client", ["mailsec_filters: content filters scan mail received from the Internet, which a "
                                  "relay_client host does not receive; leave it empty or use mode mx"]),
])
def test_filter_list_problems(filters, mode, expected):
    assert _filters.filter_problems(filters, mode, "mailsec_filters") == expected


@pytest.mark.parametrize("milter", ["inet:127.0.0.1:8891", "inet:[::1]:8891", "unix:/run/opendkim/opendkim.sock"])
def test_extra_milters_accepted(milter):
    assert _filters.extra_milter_problems([milter], "postfix_extra_milters") == []


@pytest.mark.parametrize("milter", ["127.0.0.1:8891", "inet:host", "unix:relative.sock", "inet:h:1 , x",
                                    "unix:/run/x.sock\nsmtpd_milters = ", 8891, None])
def test_extra_milters_refused_naming_the_variable(milter):
    problems = _filters.extra_milter_problems([milter], "postfix_extra_milters")
    assert len(problems) == 1 and problems[0].startswith("postfix_extra_milters: ")
    assert "\n" not in problems[0]


def test_extra_milters_not_a_list():
    assert _filters.extra_milter_problems("inet:127.0.0.1:8891", "postfix_extra_milters") == [
        "postfix_extra_milters must be a list of milter addresses such as inet:127.0.0.1:8891, "
        "not 'inet:127.0.0.1:8891'"]


@pytest.mark.parametrize("text, expected", [
    ("25M", 25 * 1024 * 1024), ("1024K", 1024 * 1024), ("1000", 1000), ("10mb", 10 * 1024 * 1024),
    (" 5 M ", 5 * 1024 * 1024), ("1G", None), ("", None), ("-1M", None), ("unlimited", None),
])
def test_clamav_sizes(text, expected):
    assert _filters.size_value(text) == expected


def test_grouped_milters_keep_their_own_options():
    assert _filters.postfix_milters("inet:127.0.0.1:7357, { inet:127.0.0.1:7358, default_action = accept, "
                                    "connect_timeout=10s } unix:/run/x.sock") == [
        dict(address="inet:127.0.0.1:7357", options={}),
        dict(address="inet:127.0.0.1:7358", options=dict(default_action="accept", connect_timeout="10s")),
        dict(address="unix:/run/x.sock", options={})]
    assert _filters.postfix_milters("") == []


@pytest.mark.parametrize("postfix, libmilter", [
    ("inet:127.0.0.1:7357", "inet:7357@127.0.0.1"),
    ("inet:[::1]:8891", "inet6:8891@[::1]"),
    ("inet:[::1]:8891", "inet6:8891@::1"),
    ("inet:Localhost:99", "inet:99@localhost"),
    ("unix:/run/milter.sock", "local:/run/milter.sock"),
    ("/run/milter.sock", "unix:/run/milter.sock"),
])
def test_both_ways_of_writing_a_socket_meet(postfix, libmilter):
    assert _filters.milter_address(postfix) is not None
    assert _filters.milter_address(postfix) == _filters.milter_address(libmilter)


@pytest.mark.parametrize("text", ["", "bogus", "inet:host", "inet:1@", "unix:", "relative/without/prefix"])
def test_unreadable_sockets(text):
    assert _filters.milter_address(text) is None
