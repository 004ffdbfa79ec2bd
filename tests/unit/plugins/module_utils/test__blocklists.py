# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS blocklists (RFC 5782) from scripted answers: the name asked for IPv4 and IPv6, a listing with its
reason, a clear address, a blocklist that refuses, resolvers that fail; and MAIL-DNS-009 judging them."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _blocklists

from test__fcrdns import table  # scripted DNS answers

V4 = "192.0.2.25"
V6 = "2001:db8::25"
Q4 = "25.2.0.192.bl.example.net"


def test_the_name_asked_is_the_address_backwards_under_the_zone():
    assert _blocklists.query_name(V4, "bl.example.net.") == Q4
    assert _blocklists.query_name(V6, "bl.example.net") == (
        "5.2.0.0." + "0.0.0.0." * 5 + "8.b.d.0.1.0.0.2.bl.example.net")


def test_a_listed_address_comes_with_its_code_and_the_blocklist_s_reason():
    lookup = table({(Q4, "A"): ("ok", ["127.0.0.2"]), (Q4, "TXT"): ("ok", ['"Listed: spam trap hits, see https://bl.example.net/q?192.0.2.25"'])})
    result = _blocklists.check(V4, "bl.example.net", lookup, ["r1"])
    assert result["listed"] is True and result["codes"] == ["127.0.0.2"]
    assert result["reason"] == "Listed: spam trap hits, see https://bl.example.net/q?192.0.2.25"


def test_no_record_means_not_listed():
    assert _blocklists.check(V4, "bl.example.net", table({}), ["r1"])["listed"] is False


@pytest.mark.parametrize("code, problem", [("127.255.255.254", "a query through a public resolver"),
                                           ("127.255.255.255", "too many queries"),
                                           ("192.0.2.1", "outside 127.0.0.0/8")])
def test_a_refusal_or_an_odd_answer_is_unknown_never_clear(code, problem):
    result = _blocklists.check(V4, "zen.example.net", table({(Q4.replace("bl.", "zen."), "A"): ("ok", [code])}), ["r1"])
    assert result["listed"] is None and problem in result["problem"]


def test_resolvers_that_never_answer_leave_the_listing_unknown():
    lookup = table({}, failures={"r1": ["timeout"] * 5})
    result = _blocklists.check(V4, "bl.example.net", lookup, ["r1"], retries=1)
    assert result["listed"] is None and "no resolver answered" in result["problem"]


def judged(listings):
    evidence = {"fcrdns": dict(addresses=[], host_name=None, helo=None, blocklists=listings, blocklists_asked=True)}
    return cat.evaluate(evidence, "mx", source=cat.DNS, only=("MAIL-DNS-009",))[0]


def listing(zone, listed, **extra):
    return dict(dict(address=V4, zone=zone, query="", listed=listed, codes=["127.0.0.2"] if listed else [], reason="",
                     problem=""), **extra)


def test_the_control_fails_a_listing_naming_the_address_the_list_and_its_reason():
    finding = judged([listing("clean.example", False), listing("bl.example.net", True, reason="spam trap hits")])
    assert finding["status"] == "fail"
    assert finding["actual"] == "192.0.2.25 is listed by bl.example.net (127.0.0.2): spam trap hits"


def test_the_control_passes_when_no_list_knows_the_address_and_errs_when_one_cannot_tell():
    assert judged([listing("clean.example", False)])["actual"] == "192.0.2.25 listed by none of clean.example"
    finding = judged([listing("zen.example", None, problem="zen.example refused to answer")])
    assert finding["status"] == "error" and "refused to answer" in finding["note"]


def test_without_blocklists_the_control_is_not_judged():
    evidence = {"fcrdns": dict(addresses=[], host_name=None, helo=None, blocklists=[], blocklists_asked=False)}
    assert cat.evaluate(evidence, "mx", source=cat.DNS, only=("MAIL-DNS-009",))[0]["status"] == "not_applicable"
