# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""fcrdns_info against DNS servers on loopback addresses: real queries through dnspython."""

from __future__ import annotations

import json
import socket

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.hardening.plugins.modules import fcrdns_info
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_dns import FakeDNSServer

ZONE = {
    ("25.2.0.192.in-addr.arpa", "PTR"): ["mx.dept.example.org."],
    ("mx.dept.example.org", "A"): ["192.0.2.25"],
    ("mx.dept.example.org", "AAAA"): ["2001:db8::25"],
    ("5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR"): ["mx.dept.example.org."],
    ("26.2.0.192.in-addr.arpa", "PTR"): ["alias.dept.example.org."],
    ("alias.dept.example.org", "CNAME"): ["mx2.dept.example.org."],
    ("mx2.dept.example.org", "A"): ["192.0.2.26"],
    ("27.2.0.192.in-addr.arpa", "PTR"): ["host-192-0-2-27.pool.example.net."],
    ("host-192-0-2-27.pool.example.net", "A"): ["192.0.2.27"],
}


@pytest.fixture
def dns_servers():
    """Factory: ``dns_servers(["ok", "silent"])`` starts one server per behaviour on 127.0.0.2, .3, ...
    sharing one port; returns (addresses, port, servers)."""
    started = []

    def _start(behaviours, records=None):
        port, servers = 0, []
        for number, behaviour in enumerate(behaviours, start=2):
            server = FakeDNSServer(ZONE if records is None else records, behaviour, address="127.0.0.%d" % number, port=port).start()
            port = server.port
            servers.append(server)
        started.extend(servers)
        return [s.address for s in servers], port, servers

    yield _start
    for server in started:
        server.stop()


def run_module(capsys, **args):
    args.setdefault("timeout", 0.5)
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        fcrdns_info.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def by_id(findings):
    return dict((f["id"], f) for f in findings)


def test_a_confirmed_host_passes_every_dns_control_over_ipv4_and_ipv6(capsys, dns_servers):
    resolvers, port, unused = dns_servers(["ok", "ok"])
    rc, result = run_module(capsys, name="mx.dept.example.org", helo="mx.dept.example.org", resolvers=resolvers,
                            port=port, mode="mx")
    assert rc == 0 and result["changed"] is False and result["confirmed"] is True
    assert [a["address"] for a in result["addresses"]] == ["192.0.2.25", "2001:db8::25"]
    assert result["msg"] == "2 addresses forward-confirmed as mx.dept.example.org"
    findings = by_id(result["findings"])
    assert set(findings) == {"MAIL-DNS-002", "MAIL-DNS-003", "MAIL-DNS-007", "MAIL-DNS-008", "MAIL-DNS-009"}
    assert findings.pop("MAIL-DNS-009")["status"] == "not_applicable"   # no blocklists given
    assert all(f["status"] == "pass" for f in findings.values()), findings


def test_a_ptr_through_a_cname_and_a_generic_name_fail_with_their_evidence(capsys, dns_servers):
    resolvers, port, unused = dns_servers(["ok"])
    rc, result = run_module(capsys, addresses=["192.0.2.26", "192.0.2.27"], name="mx.dept.example.org",
                            helo="mx.dept.example.org", resolvers=resolvers, port=port, mode="mx")
    assert rc == 0 and result["confirmed"] is False
    alias, generic = result["addresses"]
    assert alias["aliases"] == {"alias.dept.example.org": "mx2.dept.example.org"} and not alias["confirmed"]
    assert generic["confirmed"] is True and generic["generic"]
    findings = by_id(result["findings"])
    assert findings["MAIL-DNS-003"]["status"] == "fail" and "RFC 1912" in findings["MAIL-DNS-003"]["actual"]
    assert findings["MAIL-DNS-002"]["status"] == "fail" and "embeds the address 192.0.2.27" in findings["MAIL-DNS-002"]["actual"]
    assert findings["MAIL-DNS-008"]["status"] == "fail" and "missing egress address 192.0.2.26, 192.0.2.27" in \
        findings["MAIL-DNS-008"]["actual"]


def test_nxdomain_and_servfail_are_told_apart(capsys, dns_servers):
    resolvers, port, unused = dns_servers(["ok"])
    rc, result = run_module(capsys, addresses=["192.0.2.99"], resolvers=resolvers, port=port)
    assert result["addresses"][0]["reason"] == "192.0.2.99 has no PTR record (99.2.0.192.in-addr.arpa: nxdomain)"
    resolvers, port, unused = dns_servers(["servfail"])
    rc, result = run_module(capsys, addresses=["192.0.2.25"], resolvers=resolvers, port=port, retries=0)
    assert result["addresses"][0]["reason"] == "no resolver answered PTR 25.2.0.192.in-addr.arpa (127.0.0.2: servfail)"


def test_a_silent_resolver_times_out_and_is_set_aside_when_another_answers(capsys, dns_servers):
    resolvers, port, unused = dns_servers(["silent", "ok"])
    rc, result = run_module(capsys, addresses=["192.0.2.25"], helo="mx.dept.example.org", resolvers=resolvers,
                            port=port, retries=1, timeout=0.3)
    assert rc == 0 and result["confirmed"] is True
    assert result["addresses"][0]["warnings"][0].startswith(
        "resolver 127.0.0.2 gave no answer to PTR 25.2.0.192.in-addr.arpa after 2 attempts (timeout)")


def test_a_flapping_resolver_alone_still_confirms_after_a_retry(capsys, dns_servers):
    resolvers, port, servers = dns_servers(["flap"])
    rc, result = run_module(capsys, addresses=["192.0.2.25"], resolvers=resolvers, port=port, retries=2, timeout=0.3)
    assert result["confirmed"] is True and result["addresses"][0]["warnings"] == []
    assert servers[0].questions[:2] == [("25.2.0.192.in-addr.arpa", "PTR")] * 2


def test_refused_is_reported_as_such(capsys, dns_servers):
    resolvers, port, unused = dns_servers(["refused"])
    rc, result = run_module(capsys, addresses=["192.0.2.25"], resolvers=resolvers, port=port, retries=0)
    assert result["addresses"][0]["resolvers"][0]["status"] == "refused"


@pytest.mark.parametrize("args, message", [
    ({"addresses": ["192.0.2.256"]}, "addresses must list bare IPv4 or IPv6 addresses; addresses: '192.0.2.256' is not a valid"),
    ({"addresses": ["fe80::1%eth0"]}, "addresses: 'fe80::1%eth0' has a zone ID"),
    ({"addresses": ["192.0.2.25"], "resolvers": ["dns.example"]}, "resolvers must list bare IPv4 or IPv6 addresses"),
    ({}, "give addresses, a name, or both"),
    ({"name": "bad name"}, "name must be a host name"),
    ({"addresses": ["192.0.2.25"], "timeout": 0}, "timeout must be a number of seconds above 0"),
    ({"addresses": ["192.0.2.25"], "retries": 11}, "retries must be from 0 to 10"),
])
def test_bad_arguments_are_refused_naming_the_option(capsys, args, message):
    rc, result = run_module(capsys, **args)
    assert rc == 1 and result["failed"] and message in result["msg"]


def test_system_resolvers_come_from_resolv_conf_lines():
    from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _dns
    text = "# local\nsearch example.org\nnameserver 192.0.2.53\nnameserver fe80::1%eth0 # link\nnameserver bad\n"
    assert _dns.system_resolvers(text) == ["192.0.2.53", "fe80::1"]
    assert socket.inet_pton(socket.AF_INET6, "fe80::1")


def test_no_resolver_answering_makes_the_dns_controls_errors_not_failures(capsys, dns_servers):
    resolvers, port, unused = dns_servers(["silent"])
    rc, result = run_module(capsys, addresses=["192.0.2.25"], helo="mx.dept.example.org", resolvers=resolvers,
                            port=port, retries=0, timeout=0.2, mode="mx")
    assert rc == 0 and result["confirmed"] is False and result["addresses"][0]["unresolved"] is True
    findings = by_id(result["findings"])
    for control in ("MAIL-DNS-002", "MAIL-DNS-003", "MAIL-DNS-007"):
        assert findings[control]["status"] == "error"
        assert "no resolver answered PTR 25.2.0.192.in-addr.arpa" in findings[control]["note"]
