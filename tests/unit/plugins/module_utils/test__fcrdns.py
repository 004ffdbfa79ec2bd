# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""FCrDNS verdicts from scripted DNS answers (the wire-level tests are in test_fcrdns_info.py)."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _fcrdns

V4 = "192.0.2.25"
V6 = "2001:db8::25"
PTR4 = "25.2.0.192.in-addr.arpa"
PTR6 = _fcrdns.reverse_name(V6)


def table(answers, failures=None):
    """A LOOKUP from ANSWERS {(qname, type): (status, records[, canonical])}; FAILURES maps a resolver
    to the statuses it returns in turn before it answers."""
    calls = []
    failures = dict((k, list(v)) for k, v in (failures or {}).items())

    def lookup(resolver, qname, rdtype):
        calls.append((resolver, qname, rdtype))
        pending = failures.get(resolver)
        if pending:
            return {"status": pending.pop(0), "error": "scripted"}
        status, records, canonical = (answers.get((qname, rdtype), ("nxdomain", [])) + (qname,))[:3]
        return {"status": status, "records": records, "canonical": canonical}

    lookup.calls = calls
    return lookup


GOOD = {
    (PTR4, "PTR"): ("ok", ["mx.dept.example.org."]),
    ("mx.dept.example.org", "A"): ("ok", [V4]),
    (PTR6, "PTR"): ("ok", ["mx.dept.example.org."]),
    ("mx.dept.example.org", "AAAA"): ("ok", [V6]),
}


@pytest.mark.parametrize("address", [V4, V6])
def test_an_address_whose_ptr_name_resolves_back_is_confirmed_and_the_helo_matches(address):
    result = _fcrdns.check_address(address, table(GOOD), ["r1"], helo="MX.Dept.Example.Org.")
    assert result["confirmed"] is True and result["helo_matches"] is True and result["reason"] is None
    assert result["ptr"] == ["mx.dept.example.org"] and result["name"] == "mx.dept.example.org"
    assert result["forward"] == {"mx.dept.example.org": [address]}


def test_no_ptr_record_names_the_reverse_name():
    result = _fcrdns.check_address(V4, table({}), ["r1"], helo="mx.dept.example.org")
    assert result["confirmed"] is False and result["helo_matches"] is False
    assert result["reason"] == "192.0.2.25 has no PTR record (25.2.0.192.in-addr.arpa: nxdomain)"


def test_a_ptr_name_that_points_elsewhere_says_where():
    answers = dict(GOOD)
    answers[("mx.dept.example.org", "A")] = ("ok", ["192.0.2.80"])
    result = _fcrdns.check_address(V4, table(answers), ["r1"])
    assert result["confirmed"] is False
    assert "the PTR name mx.dept.example.org resolves to 192.0.2.80, not to 192.0.2.25" in result["reason"]


def test_a_ptr_name_that_is_a_cname_is_not_confirmed_rfc1912():
    answers = dict(GOOD)
    answers[("mx.dept.example.org", "A")] = ("ok", [V4], "host.dept.example.org")
    result = _fcrdns.check_address(V4, table(answers), ["r1"])
    assert result["confirmed"] is False
    assert result["aliases"] == {"mx.dept.example.org": "host.dept.example.org"}
    assert "is an alias (CNAME) of host.dept.example.org; RFC 1912" in result["reason"]


def test_several_ptr_names_confirm_through_the_one_that_resolves_back_with_a_warning():
    answers = dict(GOOD)
    answers[(PTR4, "PTR")] = ("ok", ["www.dept.example.org.", "mx.dept.example.org."])
    answers[("www.dept.example.org", "A")] = ("ok", ["192.0.2.80"])
    result = _fcrdns.check_address(V4, table(answers), ["r1"], helo="mx.dept.example.org")
    assert result["confirmed"] is True and result["confirmed_names"] == ["mx.dept.example.org"]
    assert any("has 2 PTR records" in w for w in result["warnings"])


def test_a_helo_name_that_is_not_the_confirmed_name_is_the_reason():
    result = _fcrdns.check_address(V4, table(GOOD), ["r1"], helo="mail.dept.example.org")
    assert result["confirmed"] is True and result["helo_matches"] is False
    assert result["reason"] == ("the HELO name mail.dept.example.org is not the confirmed name of 192.0.2.25 "
                                "(mx.dept.example.org)")


def test_a_flapping_resolver_is_retried_and_raises_no_alarm():
    lookup = table(GOOD, failures={"r1": ["timeout", "servfail"]})
    result = _fcrdns.check_address(V4, lookup, ["r1"], retries=2)
    assert result["confirmed"] is True and result["warnings"] == []
    assert [c for c in lookup.calls if c[2] == "PTR"] == [("r1", PTR4, "PTR")] * 3


def test_a_resolver_that_stays_down_is_set_aside_when_another_answers():
    lookup = table(GOOD, failures={"r1": ["timeout"] * 20})
    result = _fcrdns.check_address(V4, lookup, ["r1", "r2"], retries=1)
    assert result["confirmed"] is True
    assert result["warnings"][0] == ("resolver r1 gave no answer to PTR 25.2.0.192.in-addr.arpa after 2 attempts "
                                     "(timeout): scripted")


def test_no_resolver_answering_is_not_a_confirmation():
    lookup = table(GOOD, failures={"r1": ["servfail"] * 9, "r2": ["timeout"] * 9})
    result = _fcrdns.check_address(V4, lookup, ["r1", "r2"], retries=1)
    assert result["confirmed"] is False
    assert result["reason"] == "no resolver answered PTR 25.2.0.192.in-addr.arpa (r1: servfail; r2: timeout)"


def test_resolvers_that_disagree_are_a_finding():
    lookup = table(GOOD)
    other = table({(PTR4, "PTR"): ("ok", ["old.dept.example.org."])})

    def split(resolver, qname, rdtype):
        return (other if resolver == "r2" else lookup)(resolver, qname, rdtype)

    result = _fcrdns.check_address(V4, split, ["r1", "r2"])
    assert result["confirmed"] is False
    assert result["reason"].startswith("the resolvers disagree on PTR 25.2.0.192.in-addr.arpa")


@pytest.mark.parametrize("name, address, generic", [
    ("host-192-0-2-25.pool.example.net", V4, True),
    ("25.2.0.192.dyn.example.net", V4, True),
    ("c0000219.cust.example.net", V4, True),
    ("dsl-1234-77.example.net", V4, True),
    ("mx.dept.example.org", V4, False),
    ("mail2.dept.example.org", V4, False),
    ("host-20010db8000000000000000000000025.example.net", V6, True),
    ("mx.dept.example.org", V6, False),
])
def test_generic_names(name, address, generic):
    assert bool(_fcrdns.generic_reasons(name, address)) is generic


def test_idn_names_compare_in_ascii_and_show_in_unicode():
    assert _fcrdns.normalize("MX.Bücher.Example.") == "mx.xn--bcher-kva.example"
    assert _fcrdns.display("mx.xn--bcher-kva.example") == "mx.bücher.example"
    answers = {(PTR4, "PTR"): ("ok", ["mx.xn--bcher-kva.example."]), ("mx.xn--bcher-kva.example", "A"): ("ok", [V4])}
    result = _fcrdns.check_address(V4, table(answers), ["r1"], helo="mx.bücher.example")
    assert result["confirmed"] is True and result["helo_matches"] is True


@pytest.mark.parametrize("name", ["", " ", "a..b", "x" * 64 + ".example.org", "bad\nname.example.org", None])
def test_unusable_names_normalize_to_none(name):
    assert _fcrdns.normalize(name) is None


def test_the_host_name_check_reports_addresses_aliases_and_missing_records():
    good = _fcrdns.check_name("mx.dept.example.org", table(GOOD), ["r1"])
    assert good["addresses"] == [V4, V6] and good["reason"] is None
    alias = _fcrdns.check_name("mail.dept.example.org", table({
        ("mail.dept.example.org", "A"): ("ok", [V4], "mx.dept.example.org"),
        ("mail.dept.example.org", "AAAA"): ("nodata", [], "mx.dept.example.org")}), ["r1"])
    assert alias["alias_of"] == "mx.dept.example.org" and "is an alias (CNAME)" in alias["reason"]
    missing = _fcrdns.check_name("gone.dept.example.org", table({}), ["r1"])
    assert missing["reason"] == "gone.dept.example.org has no A or AAAA record"
    assert _fcrdns.check_name("mx", table({}), ["r1"])["reason"] == "'mx' is not a fully qualified host name"
