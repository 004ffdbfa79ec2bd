# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sender authentication: the records the mail_auth role writes from the input layer, and the
judges of what DNS answers (pyspf and dkimpy doing the reading), against an in-memory zone.

The properties: a hostile value never reaches a record except as the value the layer read; SPF is
judged as receivers evaluate it (the lookup limit included); a key record matches only the key
it was made from; DMARC finds the parent's policy and fails p=none, partial pct and unauthorised
report addresses.
"""
from __future__ import annotations

import base64
import ipaddress
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_auth_inputs

BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
MX4, MX6 = ipaddress.ip_address("192.0.2.25"), ipaddress.ip_address("2001:db8::25")


def _public_key(bits=2048):
    pem = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%d" % bits],
                         capture_output=True, check=True).stdout
    out = subprocess.run(["openssl", "pkey", "-pubout", "-text_pub"], input=pem, capture_output=True, check=True).stdout
    return _mailhost.public_key(out.decode())


KEY, KEY_BITS = _public_key()
OTHER_KEY = _public_key()[0]


class Zone(object):
    """TXT records by name, answered as the module's lookup and as pyspf's DNSLookup."""

    def __init__(self, records):
        self.records = dict(records)

    def lookup(self, name, rdtype):
        if rdtype != "TXT":
            return dict(status="nodata", records=[])
        if name not in self.records:
            return dict(status="nxdomain", records=[])
        return dict(status="ok", records=list(self.records[name]))

    def spf(self, name, qtype, *args, **kwargs):
        if qtype not in ("TXT", "SPF"):
            return []
        return [((name, qtype), [s.encode() for s in _mail_auth.txt_strings(t)]) for t in self.records.get(name, [])]


def _values(**changes):
    values = dict(mail_auth_domains=["dept.example.org"], mail_auth_host_name="mx.dept.example.org",
                  mail_auth_egress_addresses=[str(MX4), str(MX6)], mail_auth_dkim_selector="mail",
                  mail_auth_dkim_next_selector="", mail_auth_dkim_retired_selectors=[], mail_auth_dkim_key_bits=2048,
                  mail_auth_spf_senders=[], mail_auth_spf_all="-all", mail_auth_dmarc_policy="quarantine",
                  mail_auth_dmarc_alignment="relaxed", mail_auth_report_address="", mail_auth_trusted_networks=[],
                  mail_auth_resolvers=[], mail_auth_dns_ttl=3600, mail_auth_publish=False, mail_auth_spf_reject=False,
                  mail_auth_dmarc_reject=False, mail_auth_dnssec=True, mail_auth_mta_sts=False,
                  mail_auth_mta_sts_mode="testing", mail_auth_mta_sts_mx=["mx.dept.example.org"],
                  mail_auth_mta_sts_max_age=604800, mail_auth_mta_sts_cert_file="", mail_auth_mta_sts_key_file="",
                  postfix_tls_cert_file="")
    values.update(changes)
    return values


def _zone_of(values, keys=(("dept.example.org", "mail", None),)):
    keys = [dict(domain=d, selector=s, key=k or KEY) for d, s, k in keys]
    return Zone(((r["name"], [r["text"]]) for r in _mail_auth_inputs.records(dict(values, public_keys=keys))))


# --- The records, written from the input layer ---------------------------------------------------------

def test_the_records_of_a_domain_say_what_the_inputs_say():
    records = dict((r["name"], r) for r in _mail_auth_inputs.records(dict(
        _values(mail_auth_spf_senders=["198.51.100.0/24", "_spf.example.com", "203.0.113.7"],
                mail_auth_report_address="dmarc@dept.example.org", mail_auth_dmarc_alignment="strict"),
        public_keys=[dict(domain="dept.example.org", selector="mail", key=KEY)])))
    assert records["dept.example.org"]["text"] == ("v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 ip4:198.51.100.0/24 "
                                                   "include:_spf.example.com ip4:203.0.113.7 -all")
    assert records["mx.dept.example.org"]["text"] == "v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 -all"
    assert records["mail._domainkey.dept.example.org"]["text"] == "v=DKIM1; h=sha256; k=rsa; s=email; p=" + KEY
    assert records["_dmarc.dept.example.org"]["text"] == \
        "v=DMARC1; p=quarantine; rua=mailto:dmarc@dept.example.org; adkim=s; aspf=s"
    assert records["_smtp._tls.dept.example.org"]["text"] == "v=TLSRPTv1; rua=mailto:dmarc@dept.example.org"


def test_a_long_key_record_is_cut_into_strings_a_txt_record_can_hold():
    key, bits = _public_key(4096)
    record = [r for r in _mail_auth_inputs.records(dict(_values(), public_keys=[
        dict(domain="dept.example.org", selector="mail", key=key)])) if "_domainkey" in r["name"]][0]
    assert bits == 4096 and len(record["strings"]) > 2
    assert all(len(s) <= 255 for s in record["strings"]) and "".join(record["strings"]) == record["text"]
    assert record["value"] == " ".join('"%s"' % s for s in record["strings"])
    assert record["line"] == 'mail._domainkey.dept.example.org. 3600 IN TXT ' + record["value"]


def test_retired_selectors_and_other_domains_keys_are_not_published():
    names = [r["name"] for r in _mail_auth_inputs.records(dict(
        _values(mail_auth_dkim_retired_selectors=["old"]),
        public_keys=[dict(domain="dept.example.org", selector="old", key=KEY),
                     dict(domain="dept.example.org", selector="next", key=OTHER_KEY),
                     dict(domain="other.example.org", selector="mail", key=KEY),
                     dict(domain="dept.example.org", selector="bad", key="not base64!")]))]
    assert "next._domainkey.dept.example.org" in names
    assert not [n for n in names if n.startswith(("old.", "bad.")) or "other.example.org" in n]


# Text a value may carry into a record: separators of SPF, DMARC and zone files, line breaks, macros.
riders = st.one_of(st.sampled_from([" +all", "; p=none", "\n", "\"", " ", "%{i}", ",mailto:x@evil.example", "!10m",
                                    "a:evil.example", "\\", "é"]), st.text(min_size=1, max_size=10))


@BOUNDED
@given(st.sampled_from(["mail_auth_spf_senders", "mail_auth_report_address", "mail_auth_dkim_selector",
                        "mail_auth_domains", "mail_auth_egress_addresses"]), riders, st.booleans())
def test_text_riding_on_a_value_is_refused_or_never_reaches_a_record(variable, rider, front):
    good = {"mail_auth_spf_senders": ["_spf.example.com"], "mail_auth_report_address": "dmarc@dept.example.org",
            "mail_auth_dkim_selector": "mail", "mail_auth_domains": ["dept.example.org"],
            "mail_auth_egress_addresses": ["192.0.2.25"]}[variable]
    item = good[0] if isinstance(good, list) else good
    text = rider + item if front else item + rider
    values = _values(**{variable: [text] if isinstance(good, list) else text})
    if _mail_auth_inputs.mail_auth_problems(values):
        with pytest.raises(_inputs.Refusal) as refused:
            _mail_auth_inputs.records(dict(values, public_keys=[]))
        assert variable in str(refused.value)
        return
    for record in _mail_auth_inputs.records(dict(values, public_keys=[dict(domain="dept.example.org", selector="mail",
                                                                           key=KEY)])):
        assert all(0x20 <= ord(c) <= 0x7e and c not in '"\\' for c in record["text"]), record
        assert "+all" not in record["text"] and "%{" not in record["text"] and record["text"].count("v=") == 1


def test_the_role_refuses_what_its_audit_would_fail_and_raw_spf():
    assert _mail_auth_inputs.mail_auth_problems(_values()) == []
    problems = " | ".join(_mail_auth_inputs.mail_auth_problems(_values(
        mail_auth_dmarc_policy="none", mail_auth_spf_senders=["+all"], mail_auth_report_address="a,b@example.org",
        mail_auth_dkim_retired_selectors=["mail"], mail_auth_dkim_key_bits=1024, mail_auth_publish=True)))
    for said in ("mail_auth_dmarc_policy none", "MAIL-AUTH-006", "mail_auth_spf_senders: '+all' is neither",
                 "mail_auth_report_address", "mail_auth_dkim_retired_selectors names mail",
                 "mail_auth_dkim_key_bits", "mail_auth_publish needs the RFC 2136 settings"):
        assert said in problems, (said, problems)
    optout = [dict(id="MAIL-AUTH-006", reason="collecting reports before enforcing")]
    assert _mail_auth_inputs.mail_auth_problems(_values(mail_auth_dmarc_policy="none"), optout) == []
    assert "mail_auth_trusted_networks (mailsec_trusted_networks)" in " ".join(
        _mail_auth_inputs.mail_auth_problems(_values(mail_auth_trusted_networks=["0.0.0.0/0"])))
    assert "ten DNS lookups" in " ".join(_mail_auth_inputs.mail_auth_problems(_values(
        mail_auth_spf_senders=["_spf%d.example.com" % i for i in range(11)])))
    assert _mail_auth_inputs.mail_auth_problems(_values(mail_auth_spf_senders=["_spf%d.example.com" % i for i in range(10)])) == []


# --- SPF, as receivers evaluate it ---------------------------------------------------------------------

def test_spf_passes_for_every_egress_address_and_fails_for_another():
    zone = _zone_of(_values())
    verdict = _mail_auth.judge_spf("dept.example.org", [MX4, MX6], zone.spf, zone.lookup, "mx.dept.example.org")
    assert verdict["problems"] == [] and [r["result"] for r in verdict["results"]] == ["pass", "pass"]
    assert verdict["all"] == "-all"
    stranger = _mail_auth.judge_spf("dept.example.org", [ipaddress.ip_address("203.0.113.9")], zone.spf, zone.lookup)
    assert stranger["results"][0]["result"] == "fail" and "203.0.113.9: SPF fail" in stranger["problems"][0]


@pytest.mark.parametrize("records, said", [
    ([], "has no SPF record"),
    (["v=spf1 ip4:192.0.2.25 -all", "v=spf1 -all"], "has 2 SPF records"),
    (["v=spf1 ip4:192.0.2.25 +all"], "ends in +all"),
    (["v=spf1 ip4:192.0.2.25"], "?all (none given)"),
    (["v=spf1 ip4:192.0.2.0/24 moo -all"], "SPF permerror"),
])
def test_spf_faults_are_named(records, said):
    zone = Zone({"dept.example.org": records})
    verdict = _mail_auth.judge_spf("dept.example.org", [MX4], zone.spf, zone.lookup)
    assert said in " ".join(verdict["problems"]), verdict


def test_spf_beyond_ten_lookups_is_a_permanent_error_for_receivers():
    zone = Zone(dict([("dept.example.org", ["v=spf1 include:a0.example.org -all"])]
                     + [("a%d.example.org" % i, ["v=spf1 include:a%d.example.org -all" % (i + 1)]) for i in range(11)]
                     + [("a11.example.org", ["v=spf1 ip4:192.0.2.25 -all"])]))
    verdict = _mail_auth.judge_spf("dept.example.org", [MX4], zone.spf, zone.lookup)
    assert verdict["results"][0]["result"] == "permerror", verdict


# --- DKIM key records ------------------------------------------------------------------------------------

def test_the_published_key_matches_only_the_signing_key():
    zone = _zone_of(_values())
    good = _mail_auth.judge_dkim("dept.example.org", "mail", zone.lookup, KEY)
    assert good["problems"] == [] and good["matches"] and good["bits"] == KEY_BITS == 2048
    other = _mail_auth.judge_dkim("dept.example.org", "mail", zone.lookup, OTHER_KEY)
    assert other["matches"] is False and "not the public half" in other["problems"][0]


@pytest.mark.parametrize("text, said", [
    (None, "has no DKIM key record"),
    ("v=DKIM1; k=rsa; p=", "revokes it"),
    ("v=DKIM1; k=rsa; t=y; p=" + KEY, "t=y marks the key as a test"),
    ("v=DKIM1; k=ed25519; p=" + KEY, "k=ed25519"),
    ("v=DKIM1; k=rsa; p=" + _public_key(1024)[0], "has 1024 bits"),
    ("v=DKIM1; k=rsa; p=QUJD", "not an RSA public key"),
    ("v=DKIM1; k=rsa; p=x; p=y", "not a tag=value list"),
])
def test_key_record_faults_are_named(text, said):
    zone = Zone({} if text is None else {"mail._domainkey.dept.example.org": [text]})
    verdict = _mail_auth.judge_dkim("dept.example.org", "mail", zone.lookup)
    assert said in " ".join(verdict["problems"]), verdict


# --- DMARC and TLS-RPT ------------------------------------------------------------------------------------

def test_dmarc_is_found_at_the_domain_or_its_parent_and_alignment_is_judged():
    zone = Zone({"_dmarc.dept.example.org": ["v=DMARC1; p=none; sp=reject; rua=mailto:postmaster@dept.example.org"]})
    own = _mail_auth.judge_dmarc("dept.example.org", zone.lookup, ["dept.example.org"], "dept.example.org")
    assert own["policy"] == "none" and "p=none only asks for reports" in " ".join(own["problems"])
    child = _mail_auth.judge_dmarc("lab.dept.example.org", zone.lookup, ["lab.dept.example.org"], None)
    unaligned = _mail_auth.judge_dmarc("lab.dept.example.org", zone.lookup, [], None)
    assert "aligns neither by DKIM (signed as nothing) nor by SPF" in " ".join(unaligned["problems"]), unaligned
    assert child["name"] == "_dmarc.dept.example.org" and child["policy"] == "reject" and child["problems"] == []
    strict = Zone({"_dmarc.dept.example.org": ["v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:a@dept.example.org"]})
    apart = _mail_auth.judge_dmarc("lab.dept.example.org", strict.lookup, ["dept.example.org"], "dept.example.org")
    assert "aligns neither by DKIM" in " ".join(apart["problems"]), apart


@pytest.mark.parametrize("record, said", [
    ("v=DMARC1; p=reject; pct=20; rua=mailto:a@dept.example.org", "pct=20"),
    ("v=DMARC1; p=reject", "no rua= report address"),
    ("v=DMARC1; p=reject; rua=mailto:dmarc@reports.example.net", "need dept.example.org._report._dmarc.reports.example.net"),
    ("v=DMARC1; p=block; rua=mailto:a@dept.example.org", "p=block is not none, quarantine or reject"),
])
def test_dmarc_faults_are_named(record, said):
    zone = Zone({"_dmarc.dept.example.org": [record]})
    assert said in " ".join(_mail_auth.judge_dmarc("dept.example.org", zone.lookup)["problems"])


def test_reports_to_another_domain_pass_with_its_authorisation():
    zone = Zone({"_dmarc.dept.example.org": ["v=DMARC1; p=reject; rua=mailto:dmarc@reports.example.net"],
                 "dept.example.org._report._dmarc.reports.example.net": ["v=DMARC1"]})
    assert _mail_auth.judge_dmarc("dept.example.org", zone.lookup)["problems"] == []


def test_tlsrpt_needs_one_record_with_a_report_address():
    assert _mail_auth.judge_tlsrpt("dept.example.org", _zone_of(_values()).lookup)["problems"] == []
    bad = Zone({"_smtp._tls.dept.example.org": ["v=TLSRPTv1; rua=ftp://x.example.org/"]})
    assert "neither a mailto: nor an https: URI" in " ".join(_mail_auth.judge_tlsrpt("dept.example.org", bad.lookup)["problems"])
    assert "no TLS-RPT record" in " ".join(_mail_auth.judge_tlsrpt("dept.example.org", Zone({}).lookup)["problems"])


def test_a_resolver_that_does_not_answer_is_said_so():
    def silent(name, rdtype):
        return dict(status="timeout", records=[], error="no reply within 5s")
    assert "no answer (no reply within 5s)" in _mail_auth.judge_dmarc("dept.example.org", silent)["problems"][0]


# --- The catalogue's verdicts on the evidence ------------------------------------------------------------

def _sender_findings(zone, keys):
    domains = [dict(domain="dept.example.org",
                    spf=_mail_auth.judge_spf("dept.example.org", [MX4, MX6], zone.spf, zone.lookup),
                    dkim=[_mail_auth.judge_dkim("dept.example.org", s, zone.lookup, k) for s, k in keys],
                    dmarc=_mail_auth.judge_dmarc("dept.example.org", zone.lookup, ["dept.example.org"] if keys else [],
                                                 "dept.example.org"),
                    tlsrpt=_mail_auth.judge_tlsrpt("dept.example.org", zone.lookup),
                    mta_sts=dict(domain="dept.example.org", published=False, problems=[]))]
    return dict((f["id"], f) for f in _controls.evaluate({"sender": dict(domains=domains)}, "mx", source=_controls.SENDER))


def test_the_sender_controls_pass_on_sound_records_and_fail_with_evidence():
    sound = _sender_findings(_zone_of(_values()), [("mail", KEY)])
    assert sorted(sound) == ["MAIL-AUTH-004", "MAIL-AUTH-005", "MAIL-AUTH-006", "MAIL-AUTH-007", "MAIL-AUTH-008"]
    # MTA-STS is optional: a domain without a policy has none to judge.
    assert sound.pop("MAIL-AUTH-008")["status"] == "not_applicable"
    assert all(f["status"] == "pass" for f in sound.values()), sound
    assert "192.0.2.25 pass" in sound["MAIL-AUTH-004"]["actual"]
    wrong = _sender_findings(_zone_of(_values(mail_auth_dmarc_policy="none")), [("mail", OTHER_KEY)])
    assert wrong["MAIL-AUTH-005"]["status"] == "fail" and "not the public half" in wrong["MAIL-AUTH-005"]["actual"]
    assert wrong["MAIL-AUTH-006"]["status"] == "fail" and "p=none" in wrong["MAIL-AUTH-006"]["actual"]
    unsigned = _sender_findings(_zone_of(_values()), [])
    assert unsigned["MAIL-AUTH-005"]["status"] == "fail" and "no signing key" in unsigned["MAIL-AUTH-005"]["actual"]
    assert _controls.evaluate({}, "mx", source=_controls.SENDER)[0]["status"] == "error"
    assert _controls.evaluate({}, "relay_client", source=_controls.SENDER)[0]["status"] == "not_applicable"


# --- What the host shows of OpenDKIM ---------------------------------------------------------------------

def test_opendkim_tables_and_public_keys_are_read_from_their_text():
    keys, signing = _mailhost.opendkim_tables(
        "# comment\nmail._domainkey.dept.example.org dept.example.org:mail:/etc/dkimkeys/dept.example.org/mail.private\n"
        "broken line\n", "dept.example.org mail._domainkey.dept.example.org\n*@x.example.org other # note\n")
    assert keys == [dict(name="mail._domainkey.dept.example.org", domain="dept.example.org", selector="mail",
                         path="/etc/dkimkeys/dept.example.org/mail.private")]
    assert signing == [dict(pattern="dept.example.org", name="mail._domainkey.dept.example.org"),
                       dict(pattern="*@x.example.org", name="other")]
    assert _mailhost.dataset_path("file:/etc/opendkim/key.table") == "/etc/opendkim/key.table"
    assert _mailhost.dataset_path("refile:/etc/x") == "/etc/x" and _mailhost.dataset_path("/etc/y") == "/etc/y"
    assert _mailhost.dataset_path("mysql://u@h/db") is None and _mailhost.dataset_path(None) is None
    assert _mailhost.public_key("garbage") == (None, None)
    assert base64.b64decode(KEY)[:2] == b"\x30\x82"
    assert _mailhost.parse_key_values("Socket\t\tinet:8891@127.0.0.1\nMode sv\n") == dict(socket="inet:8891@127.0.0.1", mode="sv")
