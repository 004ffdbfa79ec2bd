# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""mail_auth_info against a DNS server on a loopback address: real questions through dnspython and pyspf."""

from __future__ import annotations

import json
import subprocess

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.hardening.plugins.modules import mail_auth_info
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_dns import FakeDNSServer


def _key():
    pem = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                         capture_output=True, check=True).stdout
    out = subprocess.run(["openssl", "pkey", "-pubout", "-text_pub"], input=pem, capture_output=True, check=True).stdout
    return _mailhost.public_key(out.decode())[0]


KEY = _key()


def _zone(dkim_key=KEY, dmarc="v=DMARC1; p=reject; rua=mailto:postmaster@dept.example.org"):
    zone = {("dept.example.org", "TXT"): ['"v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 -all"', '"google-site-verification=x"'],
            ("_smtp._tls.dept.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:postmaster@dept.example.org"']}
    if dkim_key:
        zone[("mail._domainkey.dept.example.org", "TXT")] = [_mail_auth.quoted(_mail_auth.dkim_text(dkim_key))]
    if dmarc:
        zone[("_dmarc.dept.example.org", "TXT")] = ['"%s"' % dmarc]
    return zone


@pytest.fixture
def dns_server():
    started = []

    def _start(records):
        server = FakeDNSServer(records, address="127.0.0.2").start()
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


def run_module(capsys, **args):
    args.setdefault("timeout", 1)
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        mail_auth_info.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def _args(server, **more):
    args = dict(domains=["dept.example.org"], addresses=["192.0.2.25", "2001:db8::25"], helo="mx.dept.example.org",
                signing_keys=[dict(domain="dept.example.org", selector="mail", public_key=KEY, bits=2048)],
                resolvers=[server.address], port=server.port, mode="mx")
    args.update(more)
    return args


def test_sound_records_pass_every_sender_control(capsys, dns_server):
    server = dns_server(_zone())
    rc, result = run_module(capsys, **_args(server))
    assert rc == 0 and result["changed"] is False and result["passed"] is True, result["problems"]
    assert result["msg"] == "SPF, DKIM, DMARC and TLS-RPT sound for dept.example.org"
    findings = dict((f["id"], f) for f in result["findings"])
    assert sorted(findings) == ["MAIL-AUTH-004", "MAIL-AUTH-005", "MAIL-AUTH-006", "MAIL-AUTH-007", "MAIL-AUTH-008"]
    assert findings.pop("MAIL-AUTH-008")["status"] == "not_applicable"
    assert result["domains"][0]["mta_sts"]["published"] is False
    assert all(f["status"] == "pass" for f in findings.values()), findings
    assert ("dept.example.org", "TXT") in server.questions


def test_a_stale_key_a_missing_dmarc_record_and_an_unlisted_address_fail_with_evidence(capsys, dns_server):
    server = dns_server(_zone(dkim_key=_key(), dmarc=None))
    rc, result = run_module(capsys, **_args(server, addresses=["192.0.2.25", "198.51.100.9"]))
    findings = dict((f["id"], f) for f in result["findings"])
    assert result["passed"] is False
    assert findings["MAIL-AUTH-004"]["status"] == "fail" and "198.51.100.9: SPF fail" in findings["MAIL-AUTH-004"]["actual"]
    assert findings["MAIL-AUTH-005"]["status"] == "fail" and "not the public half" in findings["MAIL-AUTH-005"]["actual"]
    assert findings["MAIL-AUTH-006"]["status"] == "fail" and "no DMARC record" in findings["MAIL-AUTH-006"]["actual"]


def test_an_opted_out_dmarc_control_is_waived_with_its_reason(capsys, dns_server):
    server = dns_server(_zone(dmarc="v=DMARC1; p=none; rua=mailto:postmaster@dept.example.org"))
    rc, result = run_module(capsys, **_args(server, optouts=[dict(id="MAIL-AUTH-006", reason="reports studied until June")]))
    finding = [f for f in result["findings"] if f["id"] == "MAIL-AUTH-006"][0]
    assert finding["status"] == "waived" and "reports studied until June" in finding["note"]


@pytest.mark.parametrize("change, says", [
    (dict(domains=["dept.example.org."]), "domains"),
    (dict(signing_keys=[dict(domain="dept.example.org", selector="mail", public_key="-----BEGIN PRIVATE KEY-----")]),
     "signing_keys[].public_key"),
    (dict(addresses=["192.0.2.25%eth0"]), "addresses"),
])
def test_bad_options_are_refused_naming_them(capsys, dns_server, change, says):
    server = dns_server(_zone())
    rc, result = run_module(capsys, **_args(server, **change))
    assert rc == 1 and result["msg"].startswith(says), result["msg"]
