# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""MTA-STS (RFC 8461): the policy the role serves and its record, the policy a sender reads, and the
control that fails when a policy would stop mail."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mta_sts
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_auth_inputs

from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__mail_auth import _values

POLICY = _mta_sts.policy_text("enforce", ["mx.dept.example.org"], 604800)


class World(object):
    """DNS, the policy host and the MX hosts' TLS as a sender meets them."""

    def __init__(self, policy=POLICY, mx=("10 mx.dept.example.org.",), txt=None, status=200,
                 content_type="text/plain", fetch_error=None, tls_errors=None):
        self.txt = ["v=STSv1; id=%s" % _mta_sts.policy_id(policy)] if txt is None else txt
        self.mx, self.policy, self.status, self.content_type = list(mx), policy, status, content_type
        self.fetch_error, self.tls_errors = fetch_error, tls_errors or {}
        self.fetched, self.checked = [], []

    def lookup(self, name, rdtype):
        if name == "_mta-sts.dept.example.org" and rdtype == "TXT":
            return dict(status="ok" if self.txt else "nxdomain", records=list(self.txt))
        if name == "dept.example.org" and rdtype == "MX":
            return dict(status="ok", records=list(self.mx))
        return dict(status="nxdomain", records=[])

    def fetch(self, domain):
        self.fetched.append(domain)
        if self.fetch_error:
            return dict(error=self.fetch_error)
        return dict(status=self.status, content_type=self.content_type, body=self.policy.encode("ascii"))

    def check_tls(self, host):
        self.checked.append(host)
        return dict(error=self.tls_errors.get(host, ""))

    def judge(self):
        return _mta_sts.judge("dept.example.org", self.lookup, self.fetch, self.check_tls)


def _finding(verdict):
    domains = [dict(domain="dept.example.org", mta_sts=verdict)]
    return _controls.evaluate({"sender": dict(domains=domains)}, "mx", source=_controls.SENDER, only=["MAIL-AUTH-008"])[0]


# --- What the role writes ---------------------------------------------------------------------------------

def test_the_policy_is_written_as_rfc_8461_says_with_crlf_line_ends():
    assert POLICY == "version: STSv1\r\nmode: enforce\r\nmx: mx.dept.example.org\r\nmax_age: 604800\r\n"
    parsed, problems = _mta_sts.parse_policy(POLICY)
    assert problems == [] and parsed == dict(version="STSv1", mode="enforce", mx=["mx.dept.example.org"], max_age=604800)


def test_the_id_changes_exactly_when_the_policy_does():
    again = _mta_sts.policy_text("enforce", ["mx.dept.example.org"], 604800)
    testing = _mta_sts.policy_text("testing", ["mx.dept.example.org"], 604800)
    assert _mta_sts.policy_id(again) == _mta_sts.policy_id(POLICY) != _mta_sts.policy_id(testing)
    assert _mta_sts.txt_text(POLICY).startswith("v=STSv1; id=") and len(_mta_sts.policy_id(POLICY)) <= 32


def test_the_records_announce_the_policy_and_alias_its_host_to_this_host():
    records = _mail_auth_inputs.records(_values(mail_auth_mta_sts=True, mail_auth_mta_sts_mode="testing",
                                                mail_auth_mta_sts_cert_file="/etc/ssl/mta-sts.pem",
                                                mail_auth_mta_sts_key_file="/etc/ssl/private/mta-sts.key"))
    by_name = dict((r["name"], r) for r in records)
    policy = _mail_auth_inputs.mta_sts_policy(_values(mail_auth_mta_sts_mode="testing"))
    assert by_name["_mta-sts.dept.example.org"]["text"] == _mta_sts.txt_text(policy)
    assert by_name["_mta-sts.dept.example.org"]["kind"] == "v=STSv1"
    alias = by_name["mta-sts.dept.example.org"]
    assert alias["type"] == "CNAME" and alias["line"] == "mta-sts.dept.example.org. 3600 IN CNAME mx.dept.example.org."
    assert "_mta-sts.dept.example.org" not in [r["name"] for r in _mail_auth_inputs.records(_values())]


@pytest.mark.parametrize("changes, says", [
    (dict(mail_auth_mta_sts_cert_file=""), "mail_auth_mta_sts_cert_file is empty"),
    (dict(mail_auth_mta_sts_key_file=""), "mail_auth_mta_sts_key_file is empty"),
    (dict(mail_auth_mta_sts_mx=["other.example.org"]), "does not cover this host, mx.dept.example.org"),
    (dict(mail_auth_mta_sts_mx=["*.example.org"]), "does not cover this host"),
    (dict(mail_auth_mta_sts_mode="enforce"), "postfix_tls_cert_file"),
    (dict(mail_auth_mta_sts_mode="testing"), "postfix_tls_cert_file"),
    (dict(mail_auth_mta_sts_mode="none"), "mail_auth_mta_sts_mode"),
    (dict(mail_auth_mta_sts_max_age=31557601), "mail_auth_mta_sts_max_age"),
    (dict(mail_auth_mta_sts_max_age=60), "mail_auth_mta_sts_max_age"),
    (dict(mail_auth_mta_sts_mx=[]), "mail_auth_mta_sts_mx"),
    (dict(mail_auth_mta_sts_mx=["mx.*.example.org"]), "wildcard"),
    (dict(mail_auth_mta_sts_mx=["mx.dept.example.org\nmode: none"]), "mail_auth_mta_sts_mx"),
    (dict(mail_auth_mta_sts_cert_file="/etc/ssl/a cert.pem"), "mail_auth_mta_sts_cert_file"),
    (dict(mail_auth_mta_sts="yes"), "mail_auth_mta_sts must be true or false"),
])
def test_the_role_refuses_a_policy_that_would_stop_mail_or_go_unserved(changes, says):
    values = _values(mail_auth_mta_sts=True, mail_auth_mta_sts_cert_file="/etc/ssl/mta-sts.pem",
                     mail_auth_mta_sts_key_file="/etc/ssl/private/mta-sts.key")
    values.update(changes)
    problems = _mail_auth_inputs.mail_auth_problems(values)
    assert any(says in p for p in problems), problems


def test_the_role_accepts_a_sound_policy_and_enforce_with_the_sites_certificate():
    values = _values(mail_auth_mta_sts=True, mail_auth_mta_sts_cert_file="/etc/ssl/mta-sts.pem",
                     mail_auth_mta_sts_key_file="/etc/ssl/private/mta-sts.key", mail_auth_mta_sts_mode="enforce",
                     mail_auth_mta_sts_mx=["*.dept.example.org"], postfix_tls_cert_file="/etc/ssl/mx.pem")
    assert _mail_auth_inputs.mail_auth_problems(values) == []
    assert _mail_auth_inputs.mail_auth_problems(_values(mail_auth_mta_sts_mx=["other.example.org"])) == []


@settings(max_examples=150, deadline=None)
@given(rider=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12))
def test_text_riding_on_an_mx_name_never_reaches_the_policy(rider):
    for value in ("mx.dept.example.org" + rider, rider + "mx.dept.example.org"):
        try:
            parsed = _inputs.mx_pattern(value, "mail_auth_mta_sts_mx")
        except _inputs.Refusal as refusal:
            assert "mail_auth_mta_sts_mx" in str(refusal)
            continue
        policy = _mta_sts.policy_text("testing", [parsed], 86400)
        fields, problems = _mta_sts.parse_policy(policy)
        assert problems == [] and fields["mx"] == [parsed] and fields["mode"] == "testing"


def test_mx_patterns_match_as_rfc_8461_says():
    assert _mta_sts.mx_matches("mx.dept.example.org", "MX.dept.example.org.")
    assert _mta_sts.mx_matches("*.dept.example.org", "mx.dept.example.org")
    assert not _mta_sts.mx_matches("*.dept.example.org", "a.mx.dept.example.org")
    assert not _mta_sts.mx_matches("*.dept.example.org", "dept.example.org")
    assert not _mta_sts.mx_matches("mx.dept.example.org", "mx2.dept.example.org")


# --- What a sender reads ----------------------------------------------------------------------------------

def test_a_sound_policy_passes_the_control_with_its_evidence():
    world = World()
    verdict = world.judge()
    assert verdict["problems"] == [] and verdict["published"] and verdict["policy"]["mode"] == "enforce"
    assert world.checked == ["mx.dept.example.org"]
    finding = _finding(verdict)
    assert finding["status"] == "pass"
    assert "mx.dept.example.org listed (valid certificate)" in finding["actual"]


def test_no_record_means_no_policy_to_judge():
    world = World(txt=[])
    verdict = world.judge()
    assert verdict["published"] is False and verdict["problems"] == [] and world.fetched == []
    assert _finding(verdict)["status"] == "not_applicable"


@pytest.mark.parametrize("world, says", [
    # the positive controls: each fault a sender would stop at fails the control
    (World(mx=("10 mx.dept.example.org.", "20 backup.example.net.")), "MX backup.example.net is not among the policy's mx"),
    (World(tls_errors={"mx.dept.example.org": "no TLS with a certificate valid for its name"}),
     "MX mx.dept.example.org: no TLS with a certificate valid for its name"),
    (World(fetch_error="the certificate of mta-sts.dept.example.org is not valid for it: self-signed certificate"),
     "not valid for it"),
    (World(status=301), "answered HTTP 301"),
    (World(content_type="text/html"), "not text/plain"),
    (World(txt=["v=STSv1; id=2026-12-04"]), "id of 1 to 32 letters and digits"),
    (World(txt=["v=STSv1; id=a", "v=STSv1; id=b"]), "2 STSv1 records"),
    (World(policy="version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n"), "names no mx"),
    (World(policy="version: STSv1\r\nmode: strict\r\nmx: mx.dept.example.org\r\nmax_age: 604800\r\n"), "mode is strict"),
    (World(policy="version: STSv1\r\nmode: testing\r\nmx: mx.dept.example.org\r\nmax_age: 99999999999\r\n"), "max_age"),
    (World(policy="version: STSv2\r\nmode: testing\r\nmx: mx.dept.example.org\r\nmax_age: 86400\r\n"), "not STSv1"),
    (World(mx=()), "has no MX record"),
])
def test_a_policy_that_would_stop_mail_fails_with_the_reason(world, says):
    verdict = world.judge()
    assert any(says in p for p in verdict["problems"]), verdict["problems"]
    finding = _finding(verdict)
    assert finding["status"] == "fail" and says in finding["actual"]


def test_a_policy_being_withdrawn_is_not_held_to_its_mx():
    world = World(policy="version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n")
    verdict = world.judge()
    assert verdict["problems"] == [] and world.checked == []


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_policy_body_is_read_without_a_traceback(body):
    fields, problems = _mta_sts.parse_policy(body)
    assert isinstance(problems, list)
    assert all(isinstance(p, str) for p in problems)
    if not problems:
        assert fields["version"] == "STSv1" and fields["mode"] in _mta_sts.MODES


def test_the_policy_id_record_is_read_with_the_tag_value_parser():
    assert _mail_auth._tags("v=STSv1; id=20261204T0000")["id"] == "20261204T0000"
