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


# --- MTA-STS as a sender meets it: a real HTTPS server and a real STARTTLS server on loopback --------------

def _pki(tmp_path, names):
    """A CA and a certificate it signed for NAMES, as PEM files in TMP_PATH."""
    def run(*argv):
        subprocess.run(list(argv), check=True, capture_output=True)
    ca, ca_key = tmp_path / "ca.pem", tmp_path / "ca.key"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", str(ca_key), "-out", str(ca))
    cert, key = tmp_path / "host.pem", tmp_path / "host.key"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=%s" % names[0],
        "-addext", "subjectAltName=" + ",".join("DNS:" + n for n in names),
        "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth",
        "-CA", str(ca), "-CAkey", str(ca_key), "-keyout", str(key), "-out", str(cert))
    return str(ca), str(cert), str(key)


class _TLSServers(object):
    """An HTTPS server answering the policy path and an SMTP server offering STARTTLS, on 127.0.0.2."""

    def __init__(self, cert, key, policy, content_type="text/plain", status=200, smtp_pair=None):
        import socket
        import ssl
        import threading
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.smtp_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.smtp_context.load_cert_chain(*(smtp_pair or (cert, key)))
        self.policy, self.content_type, self.status = policy, content_type, status
        self.sockets = []
        self.ports = {}
        for kind in ("https", "smtp"):
            sock = socket.socket()
            sock.bind(("127.0.0.2", 0))
            sock.listen(8)
            sock.settimeout(0.2)
            self.sockets.append(sock)
            self.ports[kind] = sock.getsockname()[1]
            threading.Thread(target=self._serve, args=(sock, kind), daemon=True).start()
        self.requests = []

    def _serve(self, sock, kind):
        import socket
        import ssl
        while sock.fileno() != -1:
            try:
                conn, _peer = sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(5)
            try:
                if kind == "https":
                    self._https(self.context.wrap_socket(conn, server_side=True))
                else:
                    self._smtp(conn)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    def _https(self, tls):
        request = b""
        while b"\r\n\r\n" not in request:
            data = tls.recv(4096)
            if not data:
                return
            request += data
        self.requests.append(request.split(b"\r\n")[0].decode())
        body = self.policy.encode()
        tls.sendall(b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                    % (self.status, self.content_type.encode(), len(body), body))

    def _smtp(self, conn):
        reader = conn.makefile("rb")
        conn.sendall(b"220 mx.dept.example.org ESMTP\r\n")
        while True:
            line = reader.readline().strip().upper()
            if line.startswith(b"EHLO"):
                conn.sendall(b"250-mx.dept.example.org\r\n250 STARTTLS\r\n")
            elif line == b"STARTTLS":
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                tls = self.smtp_context.wrap_socket(conn, server_side=True)
                tls.recv(1024)
                return
            else:
                return

    def stop(self):
        for sock in self.sockets:
            sock.close()


POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.dept.example.org\r\nmax_age: 604800\r\n"


def _sts_zone():
    return {("_mta-sts.dept.example.org", "TXT"): ['"v=STSv1; id=20261204"'],
            ("mta-sts.dept.example.org", "CNAME"): ["mx.dept.example.org."],
            ("mx.dept.example.org", "A"): ["127.0.0.2"],
            ("dept.example.org", "MX"): ["10 mx.dept.example.org."]}


def _judge_sts(server, ca, servers):
    import ssl
    from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _dns
    from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mta_sts
    lookup = _dns.make_record_lookup([server.address], 2, server.port)
    context = ssl.create_default_context(cafile=ca)
    return _mta_sts.judge("dept.example.org", lookup,
                          mail_auth_info.make_fetch(lookup, context, 2, port=servers.ports["https"]),
                          mail_auth_info.make_check_tls(lookup, context, 2, port=servers.ports["smtp"]))


def test_a_policy_served_over_verified_https_names_the_mx_and_its_certificate_passes(tmp_path, dns_server):
    ca, cert, key = _pki(tmp_path, ["mx.dept.example.org", "mta-sts.dept.example.org"])
    servers = _TLSServers(cert, key, POLICY)
    try:
        verdict = _judge_sts(dns_server(_sts_zone()), ca, servers)
    finally:
        servers.stop()
    assert verdict["problems"] == [], verdict
    assert verdict["mx_hosts"] == [dict(host="mx.dept.example.org", covered=True, tls="valid certificate")]
    assert servers.requests == ["GET /.well-known/mta-sts.txt HTTP/1.1"]


def test_a_certificate_for_other_names_fails_the_policy_host_or_the_mx(tmp_path, dns_server):
    ca, cert, key = _pki(tmp_path, ["www.dept.example.org"])
    servers = _TLSServers(cert, key, POLICY)
    try:
        verdict = _judge_sts(dns_server(_sts_zone()), ca, servers)
    finally:
        servers.stop()
    assert any("the certificate of mta-sts.dept.example.org (127.0.0.2) is not valid for it" in p
               for p in verdict["problems"]), verdict["problems"]
    (tmp_path / "good").mkdir()
    good_ca, good_cert, good_key = _pki(tmp_path / "good", ["mx.dept.example.org", "mta-sts.dept.example.org"])
    (tmp_path / "mx").mkdir()
    # the MX offers a certificate for another name, from a CA senders do not trust
    servers = _TLSServers(good_cert, good_key, POLICY, smtp_pair=_pki(tmp_path / "mx", ["www.dept.example.org"])[1:])
    try:
        bad_mx = _judge_sts(dns_server(_sts_zone()), good_ca, servers)
    finally:
        servers.stop()
    assert any(p.startswith("MX mx.dept.example.org: no TLS with a certificate valid for its name at 127.0.0.2")
               for p in bad_mx["problems"]), bad_mx["problems"]


def test_an_untrusted_ca_and_another_media_type_are_named(tmp_path, dns_server):
    _ca, cert, key = _pki(tmp_path, ["mx.dept.example.org", "mta-sts.dept.example.org"])
    (tmp_path / "other").mkdir()
    other_ca = _pki(tmp_path / "other", ["elsewhere.example"])[0]
    servers = _TLSServers(cert, key, POLICY, content_type="text/html")
    try:
        untrusted = _judge_sts(dns_server(_sts_zone()), other_ca, servers)
    finally:
        servers.stop()
    assert any("not valid for it" in p and "certificate" in p for p in untrusted["problems"]), untrusted["problems"]
    servers = _TLSServers(cert, key, POLICY, content_type="text/html")
    try:
        html = _judge_sts(dns_server(_sts_zone()), _ca, servers)
    finally:
        servers.stop()
    assert any("not text/plain" in p for p in html["problems"]), html["problems"]
