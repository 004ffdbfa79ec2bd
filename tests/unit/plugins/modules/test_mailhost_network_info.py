# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.hardening.plugins.modules import mailhost_network_info
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import free_port


def run_module(capsys, **args):
    args.setdefault("timeout", 2.0)
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        mailhost_network_info.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def by_id(findings):
    return dict((f["id"], f) for f in findings)


def test_a_closed_server_with_a_modern_tls_floor_passes(capsys, smtp_server, tls_files):
    server = smtp_server("closed", tls_files=tls_files, tls_versions=("TLSv1_2", "TLSv1_3"))
    rc, result = run_module(capsys, host="mx.example.org", addresses=["127.0.0.1"], ports=[server.port])
    assert rc == 0 and result["changed"] is False
    target = result["targets"][0]
    assert target["relay"]["verdict"] == "closed"
    assert target["starttls_offered"] is True
    assert target["tls_versions"] == {"TLSv1": False, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": True}
    findings = by_id(result["findings"])
    for control in ("MAIL-RELAY-011", "MAIL-TLS-008", "MAIL-SMTPD-012", "MAIL-SMTPD-013", "MAIL-TLS-010"):
        assert findings[control]["status"] == "pass", findings[control]
    # the fake server greets as "ESMTP Postfix": the one control that fails, with the banner as evidence
    assert result["msg"].endswith("failed network controls: MAIL-SMTPD-011")
    assert "ESMTP Postfix" in findings["MAIL-SMTPD-011"]["actual"]


def test_an_open_relay_and_an_old_tls_version_fail_with_their_evidence(capsys, smtp_server, tls_files):
    server = smtp_server("open", tls_files=tls_files, tls_versions=("TLSv1", "TLSv1_3"))
    rc, result = run_module(capsys, host="mx.example.org", addresses=["127.0.0.1"], ports=[server.port],
                            tls_versions=["TLSv1", "TLSv1.2"])
    assert rc == 0
    findings = by_id(result["findings"])
    assert findings["MAIL-RELAY-011"]["status"] == "fail"
    assert "127.0.0.1:%d open; first accepted: " % server.port in findings["MAIL-RELAY-011"]["actual"]
    assert findings["MAIL-TLS-008"]["status"] == "fail"
    assert findings["MAIL-TLS-008"]["actual"] == "127.0.0.1:%d accepts TLSv1" % server.port
    assert "MAIL-RELAY-011" in result["msg"]


def test_a_hostile_banner_is_kept_as_text(capsys, smtp_server):
    server = smtp_server("banner_injection")
    rc, result = run_module(capsys, host="mx.example.org", addresses=["127.0.0.1"], ports=[server.port])
    assert rc == 0
    target = result["targets"][0]
    assert target["tls_versions"] is None  # no STARTTLS: nothing to shake hands with
    assert "<script>" in target["banner"]


def test_nothing_listening_is_reported_per_port_and_passes_relay(capsys):
    port = free_port()
    rc, result = run_module(capsys, host="lab.example.org", addresses=["127.0.0.1"], ports=[port], mode="local_only")
    assert rc == 0
    assert result["targets"] == []
    assert result["probed"][0]["answered"] is False
    assert "Connection refused" in result["probed"][0]["error"] or "refused" in result["probed"][0]["error"]
    assert by_id(result["findings"])["MAIL-RELAY-011"]["actual"] == "no listener answered on 127.0.0.1:%d" % port


@pytest.mark.parametrize("args, fragment", [
    (dict(addresses=["[127.0.0.1]"]), "addresses must be a bare IPv4 or IPv6 address"),
    (dict(ports=[0]), "ports must be between 1 and 65535"),
    (dict(ports=[]), "ports must list at least one port"),
    (dict(timeout=0), "timeout must be a number of seconds above 0"),
    (dict(probe_domain="a b"), "probe_domain contains characters"),
    (dict(host="mx\r\n.example.org"), "host contains characters"),
])
def test_unsafe_options_are_refused_before_any_connection(capsys, args, fragment):
    args.setdefault("host", "mx.example.org")
    args.setdefault("addresses", ["127.0.0.1"])
    rc, result = run_module(capsys, **args)
    assert rc == 1
    assert fragment in result["msg"]


def test_a_rate_limited_listener_is_an_error_never_a_pass(capsys, smtp_server):
    server = smtp_server("rate_limited")
    rc, result = run_module(capsys, host="mx.example.org", addresses=["127.0.0.1"], ports=[server.port],
                            timeout=1.0)
    assert rc == 0
    assert result["probed"][0]["answered"] is True
    target = result["targets"][0]
    assert target["relay"]["verdict"] == "error" and "421" in target["relay"]["error"]
    relay = by_id(result["findings"])["MAIL-RELAY-011"]
    assert relay["status"] == "error"
    assert "too many connections" in relay["note"]


def test_a_submission_port_is_probed_after_starttls(capsys, smtp_server, tls_files):
    server = smtp_server("tls_required", tls_files=tls_files, auth=("PLAIN",), auth_before_tls=False)
    rc, result = run_module(capsys, host="mx.example.org", addresses=["127.0.0.1"], ports=[server.port])
    assert rc == 0
    target = result["targets"][0]
    assert target["relay"]["tls"]["version"].startswith("TLS")  # the battery ran over TLS
    assert target["relay"]["verdict"] in ("closed", "auth_required")
    assert target["auth_offered_before_tls"] is False and target["auth_offered"] is True


def test_a_plain_only_submission_port_falls_back_to_plain_smtp(capsys, smtp_server):
    server = smtp_server("closed")
    rc, result = run_module(capsys, host="mx.example.org", addresses=["127.0.0.1"], ports=[server.port])
    assert rc == 0
    target = result["targets"][0]
    assert target["relay"]["verdict"] == "closed" and target["relay"]["tls"] is None
    assert target["starttls_offered"] is False and target["tls_versions"] is None
