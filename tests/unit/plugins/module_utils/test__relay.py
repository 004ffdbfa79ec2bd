# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._relay import (
    REFUSING_REASONS,
    RelayProbe,
    RelayProbeError,
    auth_mechanisms,
    build_battery,
    classify_rcpt,
    clip,
    compute_verdict,
    demands_auth,
    identity_features,
    ip_literal,
    judge,
    proxy_header,
    refusal_reason,
    routes_locally,
    server_name_from_banner,
    summarize,
)
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._smtp import (
    SMTPClient,
    SMTPProtocolError,
    SMTPReply,
)

D = "relay-probe.example.net"
N_IDS = ["N%d" % i for i in range(1, 17)]
PERCENT_TESTS = ["N5", "N6", "N8"]
TIMEOUT = 2.0


def probe_for(server, timeout=TIMEOUT, **kwargs):
    kwargs.setdefault("probe_domain", D)
    return RelayProbe(lambda: SMTPClient(server.host, server.port, timeout=timeout),
                      target_ip="127.0.0.1", **kwargs)


def by_id(result):
    return dict((t["id"], t) for t in result["tests"])


# -- pure logic -----------------------------------------------------------------

class TestBattery:
    def test_nmap_table_exactly(self):
        battery = build_battery("192.0.2.1", "mx.example.org", "d.example", "f", "r")
        pairs = [(t["id"], t["mail_from"], t["rcpt_to"]) for t in battery if t["id"].startswith("N")]
        assert pairs == [
            ("N1", "", "r@d.example"),
            ("N2", "f@d.example", "r@d.example"),
            ("N3", "f@mx.example.org", "r@d.example"),
            ("N4", "f@[192.0.2.1]", "r@d.example"),
            ("N5", "f@[192.0.2.1]", "r%d.example@[192.0.2.1]"),
            ("N6", "f@[192.0.2.1]", "r%d.example@mx.example.org"),
            ("N7", "f@[192.0.2.1]", '"r@d.example"'),
            ("N8", "f@[192.0.2.1]", '"r%d.example"'),
            ("N9", "f@[192.0.2.1]", "r@d.example@[192.0.2.1]"),
            ("N10", "f@[192.0.2.1]", '"r@d.example"@[192.0.2.1]'),
            ("N11", "f@[192.0.2.1]", "r@d.example@mx.example.org"),
            ("N12", "f@[192.0.2.1]", "@[192.0.2.1]:r@d.example"),
            ("N13", "f@[192.0.2.1]", "@mx.example.org:r@d.example"),
            ("N14", "f@[192.0.2.1]", "d.example!r"),
            ("N15", "f@[192.0.2.1]", "d.example!r@[192.0.2.1]"),
            ("N16", "f@[192.0.2.1]", "d.example!r@mx.example.org"),
        ]

    def test_x_series_without_local_domain(self):
        battery = build_battery("192.0.2.1", "mx.example.org", "d.example", "f", "r")
        assert [t["id"] for t in battery] == N_IDS + ["X6", "X7a", "X7b"]
        helos = dict((t["id"], t["helo"]) for t in battery)
        assert helos["N1"] == "d.example"
        assert helos["X6"] == "localhost.localdomain"
        assert helos["X7a"] == "mx.example.org"
        assert helos["X7b"] == "[192.0.2.1]"
        for test in battery[-3:]:
            assert test["new_session"]
            assert (test["mail_from"], test["rcpt_to"]) == ("f@d.example", "r@d.example")

    def test_x_series_with_local_domain(self):
        battery = build_battery("192.0.2.1", "mx.example.org", "d.example", "f", "r", local_domain="l.example")
        tests = dict((t["id"], t) for t in battery)
        assert [t["id"] for t in battery] == N_IDS + ["X1", "X2", "X3", "X4a", "X4b", "X5", "X12", "X6", "X7a", "X7b"]
        assert tests["X1"]["mail_from"] == "postmaster@l.example"
        assert tests["X2"]["rcpt_to"] == "r%d.example@l.example"
        assert tests["X3"]["rcpt_to"] == "d.example!r@l.example"
        assert tests["X4a"]["rcpt_to"] == "r@d.example@l.example"
        assert tests["X4b"]["rcpt_to"] == '"r@d.example"@l.example'
        assert tests["X5"]["rcpt_to"] == "@l.example:r@d.example"
        assert tests["X12"]["kind"] == "recipient_check"
        assert tests["X12"]["rcpt_to"].endswith("@l.example")

    def test_unknown_server_name_falls_back_to_ip_literal(self):
        battery = build_battery("192.0.2.1", None, "d.example", "f", "r")
        assert battery[2]["mail_from"] == "f@[192.0.2.1]"

    def test_ipv6_literal(self):
        assert ip_literal("2001:db8::1") == "[IPv6:2001:db8::1]"
        assert ip_literal("192.0.2.7") == "[192.0.2.7]"
        battery = build_battery("2001:db8::1", "mx", "d.example", "f", "r")
        assert battery[3]["mail_from"] == "f@[IPv6:2001:db8::1]"

    @pytest.mark.parametrize("text, expected", [
        ("mx.example.org ESMTP Postfix", "mx.example.org"),
        ("[192.0.2.1] ready", "[192.0.2.1]"),
        ("mx.evil\\x1b[31m ESMTP", None),
        ("<script>alert(1)</script>", None),
        ("", None),
    ])
    def test_server_name_from_banner(self, text, expected):
        assert server_name_from_banner(text) == expected


class TestVerdict:
    @staticmethod
    def make(*statuses, **extra):
        return [dict(id="N%d" % i, kind="relay", status=s, code=extra.get("code"), dialogue=[])
                for i, s in enumerate(statuses, 1)]

    def test_open_lists_accepted(self):
        assert compute_verdict(self.make("refused", "accepted", "error", "accepted")) == ("open", ["N2", "N4"])

    def test_closed_needs_a_refusal(self):
        assert compute_verdict(self.make("refused", "skipped"))[0] == "closed"
        assert compute_verdict(self.make("skipped", "skipped"))[0] == "inconclusive"

    def test_errors_make_it_inconclusive(self):
        assert compute_verdict(self.make("refused", "error"))[0] == "inconclusive"
        assert compute_verdict([])[0] == "inconclusive"

    def test_530_means_auth_required(self):
        tests = self.make("skipped", "skipped")
        tests[0]["code"] = 530
        assert compute_verdict(tests)[0] == "auth_required"
        assert compute_verdict(self.make("refused"), auth_required_seen=True)[0] == "auth_required"

    def test_recipient_check_is_not_a_relay_test(self):
        tests = self.make("refused") + [dict(id="X12", kind="recipient_check", status="accepted", dialogue=[])]
        assert compute_verdict(tests) == ("closed", [])

    @pytest.mark.parametrize("code, status", [
        (250, "accepted"), (251, "accepted"), (252, "error"), (354, "error"),
        (450, "refused"), (554, "refused"), (421, "error"), (None, "error"),
    ])
    def test_classify_rcpt(self, code, status):
        assert classify_rcpt(code) == status

    def test_clip(self):
        assert clip("short") == "short"
        assert clip("x" * 5000) == "x" * 1000 + "...[clipped]"
        assert clip(None) is None

    def test_summarize_counts_relay_tests_and_recipient_checks_apart(self):
        tests = self.make("refused", "inconclusive", "skipped")
        tests.append(dict(id="X12", kind="recipient_check", status="refused", dialogue=[]))
        counts = summarize(tests)
        assert counts["relay"] == dict(accepted=0, refused=1, inconclusive=1, skipped=1, error=0, total=3)
        assert counts["recipient_check"] == dict(accepted=0, refused=1, inconclusive=0, skipped=0, error=0, total=1)

    def test_a_refusal_for_another_reason_is_not_closed(self):
        assert compute_verdict(self.make("refused", "inconclusive"))[0] == "inconclusive"

    def test_530_asking_for_starttls_is_not_auth_required(self):
        tests = self.make("skipped", "skipped")
        for test in tests:
            test.update(code=530, reply=STARTTLS_FIRST, reason="tls_required",
                        dialogue=[dict(command="MAIL FROM:<a@b>", code=530, reply=STARTTLS_FIRST)])
        assert compute_verdict(tests) == ("inconclusive", [])

    def test_530_asking_for_starttls_in_the_dialogue_only(self):
        tests = self.make("refused", "inconclusive")
        tests[1]["dialogue"] = [dict(command="RCPT TO:<r@d>", code=530, reply=STARTTLS_FIRST)]
        assert compute_verdict(tests)[0] == "inconclusive"
        tests[1]["dialogue"].append(dict(command="RCPT TO:<r@d>", code=530, reply="5.7.0 Authentication required"))
        assert compute_verdict(tests)[0] == "auth_required"

    def test_demands_auth(self):
        assert demands_auth(530, "5.7.0 Authentication required")
        assert demands_auth(530, None)
        assert not demands_auth(530, STARTTLS_FIRST)
        assert not demands_auth(554, "5.7.0 Authentication required")


STARTTLS_FIRST = "5.7.0 Must issue a STARTTLS command first"


POSTFIX_REPLIES = [
    (554, "5.7.1 <relaytest@relay-probe.example.net>: Relay access denied", "relay_denied"),
    (550, "5.7.1 Unable to relay", "relay_denied"),
    (550, "5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "relay_denied"),
    (553, "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", "relay_denied"),
    (550, "relay not permitted", "relay_denied"),
    (530, "5.7.0 Authentication required", "auth_required"),
    (530, STARTTLS_FIRST, "tls_required"),
    (530, "Must issue a STARTTLS command first", "tls_required"),
    (554, "5.7.0 TLS encryption required", "tls_required"),
    (538, "5.7.11 Encryption required for requested authentication mechanism", "tls_required"),
    (550, "5.1.1 <x@example.org>: Recipient address rejected: User unknown in local recipient table",
     "unknown_user"),
    (450, "4.1.2 <relaytest@relay-probe.example.net>: Recipient address rejected: Domain not found",
     "unknown_domain"),
    (554, "5.7.1 <relaytest@relay-probe.example.net>: Helo command rejected: Host not found", "helo_rejected"),
    (450, "4.7.1 <localhost.localdomain>: Helo command rejected: Host not found", "helo_rejected"),
    (553, "5.7.1 <postmaster@example.org>: Sender address rejected: not logged in", "sender_rejected"),
    (450, "4.7.25 Client host rejected: cannot find your hostname, [192.0.2.9]", "client_rejected"),
    (554, "5.7.1 <unknown[192.0.2.9]>: Client host rejected: Access denied", "client_rejected"),
    (501, "5.1.3 Bad recipient address syntax", "bad_address"),
    (450, "4.2.0 <relaytest@relay-probe.example.net>: Recipient address rejected: Greylisted", "temporary"),
    (554, "5.5.0 something else entirely", "other"),
]


class TestRefusalReasons:
    @pytest.mark.parametrize("code, text, reason", POSTFIX_REPLIES)
    def test_reason(self, code, text, reason):
        assert refusal_reason(code, text) == reason

    def test_tls_required_is_not_a_refusing_reason(self):
        assert "tls_required" not in REFUSING_REASONS
        battery = dict((t["id"], t) for t in build_battery("192.0.2.1", "mx", "d.example", "f", "r"))
        for test_id in ("N2", "N5", "X6"):
            assert judge(battery[test_id], 530, STARTTLS_FIRST) == ("inconclusive", "tls_required")

    def test_the_echoed_address_is_not_the_servers_words(self):
        """<relaytest@...> contains 'relay'; only the server's own words may say relay."""
        assert refusal_reason(550, "<relaytest@relay.example>: Recipient address rejected: Greylisted") == "other"

    def test_judge_by_trick(self):
        battery = dict((t["id"], t) for t in build_battery(
            "192.0.2.1", "mx.example.org", "d.example", "f", "r", local_domain="l.example"))
        helo = "5.7.1 <r@d.example>: Helo command rejected: Host not found"
        assert judge(battery["X6"], 554, helo) == ("refused", "helo_rejected")
        assert judge(battery["N2"], 554, helo) == ("inconclusive", "helo_rejected")
        sender = "5.7.1 <f@mx.example.org>: Sender address rejected: Access denied"
        assert judge(battery["N3"], 554, sender) == ("refused", "sender_rejected")
        assert judge(battery["N2"], 554, sender) == ("inconclusive", "sender_rejected")
        unknown = "5.1.1 <x>: Recipient address rejected: User unknown"
        assert judge(battery["N8"], 550, unknown) == ("refused", "unknown_user")  # unqualified: stays here
        assert judge(battery["X2"], 550, unknown) == ("refused", "unknown_user")  # ends at L
        assert judge(battery["N2"], 550, unknown) == ("inconclusive", "unknown_user")  # checked before relaying
        assert judge(battery["N2"], 450, "4.1.2 <x>: Domain not found") == ("inconclusive", "unknown_domain")
        assert judge(battery["N2"], 250, "2.1.5 Ok") == ("accepted", None)

    @pytest.mark.parametrize("address, local", [
        ("r@d.example", False), ('"r@d.example"', True), ("d.example!r", True),
        ("r%d.example@[192.0.2.1]", True), ("r@d.example@mx.example.org", True),
        ("@[192.0.2.1]:r@d.example", False), ('"r@d.example"@L.example', True),
    ])
    def test_routes_locally(self, address, local):
        assert routes_locally(address, {"[192.0.2.1]", "mx.example.org", "l.example"}) is local


class TestIdentityFeatures:
    def test_features_from_ehlo(self):
        assert identity_features(["PIPELINING", "XCLIENT NAME ADDR", "xforward name addr",
                                  "AUTH PLAIN ANONYMOUS", "AUTH=PLAIN ANONYMOUS"]) == [
            "XCLIENT", "XFORWARD", "AUTH ANONYMOUS"]
        assert identity_features(["AUTH PLAIN LOGIN", "SIZE 1000"]) == []

    def test_identity_tests_only_when_offered(self):
        plain = build_battery("192.0.2.1", "mx", "d.example", "f", "r")
        assert not any(t["id"].startswith(("XC", "XF", "XA")) for t in plain)
        battery = build_battery("192.0.2.1", "mx", "d.example", "f", "r",
                                offered=["XCLIENT", "XFORWARD", "AUTH ANONYMOUS"])
        tests = dict((t["id"], t) for t in battery)
        assert [t["id"] for t in battery][-4:] == ["XC1", "XC2", "XF1", "XA1"]
        assert tests["XC1"]["prelude"] == "XCLIENT NAME=localhost ADDR=127.0.0.1"
        assert tests["XC2"]["prelude"] == "XCLIENT NAME=localhost ADDR=192.0.2.1"
        assert tests["XF1"]["prelude"] == "XFORWARD NAME=localhost ADDR=127.0.0.1"
        assert tests["XA1"]["prelude"].startswith("AUTH ANONYMOUS ")
        assert all(tests[i]["new_session"] and tests[i]["rcpt_to"] == "r@d.example"
                   for i in ("XC1", "XC2", "XF1", "XA1"))

    def test_ipv6_claims(self):
        battery = build_battery("2001:db8::25", "mx", "d.example", "f", "r", offered=["XCLIENT"])
        assert battery[-2]["prelude"] == "XCLIENT NAME=localhost ADDR=IPV6:::1"
        assert battery[-1]["prelude"] == "XCLIENT NAME=localhost ADDR=IPV6:2001:db8::25"

    def test_auth_mechanisms(self):
        assert auth_mechanisms(["PIPELINING", "AUTH PLAIN LOGIN", "AUTH=LOGIN cram-md5", "SIZE 1000"]) == [
            "PLAIN", "LOGIN", "CRAM-MD5"]
        assert auth_mechanisms(["PIPELINING", "AUTHX PLAIN", "SIZE 1000"]) == []
        assert auth_mechanisms([]) == []

    def test_proxy_header(self):
        assert proxy_header("192.0.2.25", 25) == "PROXY TCP4 127.0.0.1 192.0.2.25 40025 25\r\n"
        assert proxy_header("2001:db8::25", 587) == "PROXY TCP6 ::1 2001:db8::25 40025 587\r\n"


class ScriptedClient:
    """Fake client: answers from a function and can drop the connection once."""

    instances = []

    def __init__(self, answer, drop_on=None):
        self.answer = answer
        self.drop_on = drop_on  # set of (instance number, command) that raise a disconnect
        self.connected = False
        self.extensions = []
        self.tls_version = None
        self.tls_cipher = None
        self.sent = []
        ScriptedClient.instances.append(self)
        self.number = len(ScriptedClient.instances)

    def connect(self):
        self.connected = True
        return SMTPReply(220, ["mx.example.org ESMTP"])

    def ehlo(self, name):
        self.extensions = ["PIPELINING", "XFORWARD NAME ADDR"]
        return SMTPReply(250, ["mx.example.org", "PIPELINING", "XFORWARD NAME ADDR"])

    def helo(self, name):
        return SMTPReply(250, ["mx.example.org"])

    def has_extension(self, name):
        return any(e.split()[0].upper() == name.upper() for e in self.extensions)

    def starttls(self):
        raise AssertionError("not used")

    def command(self, command):
        self.sent.append(command)
        if self.drop_on and (self.number, command) in self.drop_on:
            self.connected = False
            raise SMTPProtocolError("connection closed by the server", kind="disconnect")
        return self.answer(command)

    def quit(self):
        self.connected = False

    def close(self):
        self.connected = False


def postfix_like(command):
    if command.startswith("RCPT"):
        return SMTPReply(554, ["5.7.1 Relay access denied"])
    if command.startswith(("VRFY", "EXPN")):
        return SMTPReply(502, ["5.5.1 disabled"])
    return SMTPReply(250, ["2.0.0 Ok"])


class TestProbeWithFakeClient:
    def setup_method(self):
        ScriptedClient.instances = []

    def test_disconnect_mid_test_reconnects_once(self):
        probe = RelayProbe(lambda: ScriptedClient(postfix_like, drop_on={(1, "MAIL FROM:<antispam@%s>" % D)}),
                           target_ip="192.0.2.1", probe_domain=D)
        result = probe.run()
        n2 = by_id(result)["N2"]
        assert n2["status"] == "refused"
        assert n2["code"] == 554
        assert [step["command"] for step in n2["dialogue"]] == [
            "RSET", "MAIL FROM:<antispam@%s>" % D, None,
            "RSET", "MAIL FROM:<antispam@%s>" % D, "RCPT TO:<relaytest@%s>" % D]
        assert n2["dialogue"][1]["code"] is None
        assert "connection closed" in n2["dialogue"][1]["reply"]
        assert "reconnecting once" in n2["dialogue"][2]["reply"]
        assert n2["session"] == 2
        assert result["verdict"] == "closed"
        assert result["xclient_advertised"] is True
        assert not any(c.startswith("DATA") for client in ScriptedClient.instances for c in client.sent)

    def test_no_io_outside_the_client(self):
        """Every command went through a client; each session stayed under the error budget."""
        probe = RelayProbe(lambda: ScriptedClient(postfix_like), target_ip="192.0.2.1",
                           probe_domain=D, max_errors_per_session=4)
        result = probe.run()
        assert result["verdict"] == "closed"
        for client in ScriptedClient.instances:
            errors = sum(1 for c in client.sent if c.startswith(("RCPT", "VRFY", "EXPN")))
            assert errors < 4
        assert result["sessions"] == len(ScriptedClient.instances)

    def test_max_errors_lower_bound(self):
        with pytest.raises(ValueError):
            RelayProbe(lambda: None, target_ip="192.0.2.1", probe_domain=D, max_errors_per_session=3)

    def test_starttls_and_implicit_tls_exclude_each_other(self):
        with pytest.raises(ValueError, match="mutually exclusive"):
            RelayProbe(lambda: None, target_ip="192.0.2.1", probe_domain=D, starttls=True, implicit_tls=True)

    def test_starttls_demand_is_inconclusive_not_auth_required(self):
        def encrypt_only(command):
            if command.startswith("MAIL"):
                return SMTPReply(530, [STARTTLS_FIRST])
            return postfix_like(command)

        result = RelayProbe(lambda: ScriptedClient(encrypt_only), target_ip="192.0.2.1", probe_domain=D).run()
        assert result["verdict"] == "inconclusive"
        assert result["auth_required_seen"] is False
        relay = [t for t in result["tests"] if t["kind"] == "relay"]
        assert set((t["status"], t["reason"], t["code"]) for t in relay) == set([("skipped", "tls_required", 530)])


# -- against fake servers ---------------------------------------------------------

class TestProbeAgainstServers:
    def test_open_server(self, smtp_server):
        server = smtp_server("open")
        result = probe_for(server).run()
        assert result["verdict"] == "open"
        assert result["accepted"] == N_IDS + ["X6", "X7a", "X7b"]
        assert result["summary"]["relay"]["accepted"] == 19
        assert not server.data_seen

    def test_closed_server(self, smtp_server):
        server = smtp_server("closed")
        result = probe_for(server, local_domain="example.org").run()
        assert result["verdict"] == "closed"
        assert result["accepted"] == []
        tests = by_id(result)
        relay = [t for t in result["tests"] if t["kind"] == "relay"]
        assert all(t["status"] == "refused" and t["code"] == 554 for t in relay)
        assert "Relay access denied" in tests["N2"]["reply"]
        assert tests["X12"]["status"] == "refused" and tests["X12"]["code"] == 550
        assert [s["command"] for s in tests["N1"]["dialogue"]] == ["RSET", "MAIL FROM:<>", "RCPT TO:<relaytest@%s>" % D]
        assert result["vrfy"] == 502 and result["expn"] == 500
        assert result["server_name"] == "mx.example.org"
        assert result["xclient_advertised"] is False
        assert server.max_errors < 8

    def test_percent_hack_only(self, smtp_server):
        server = smtp_server("percent_hack_only")
        result = probe_for(server, local_domain="example.org").run()
        assert result["verdict"] == "open"
        assert result["accepted"] == PERCENT_TESTS + ["X2"]
        assert by_id(result)["N2"]["status"] == "refused"

    def test_tarpit_is_avoided_by_reconnecting(self, smtp_server):
        server = smtp_server("tarpit", tarpit_delay=5.0)
        result = probe_for(server, local_domain="example.org").run()
        assert result["verdict"] == "closed"
        assert result["summary"]["relay"]["error"] == 0
        assert result["sessions"] >= 5
        assert result["sessions"] == server.connections
        assert server.max_errors < 8  # never reached the tarpit (10) or the disconnect (20)

    def test_421_closing_is_survived(self, smtp_server):
        """A server stricter than max_errors_per_session says 421 and hangs up: the test is retried."""
        server = smtp_server("tarpit", soft_limit=2, hard_limit=3, tarpit_delay=0)
        result = probe_for(server).run()
        assert result["verdict"] == "closed"
        assert result["summary"]["relay"]["error"] == 0
        retried = [t for t in result["tests"] if any(s["code"] == 421 for s in t["dialogue"])]
        assert retried
        assert all(t["status"] == "refused" for t in retried)

    def test_auth_required(self, smtp_server):
        server = smtp_server("auth_required")
        result = probe_for(server).run()
        assert result["verdict"] == "auth_required"
        assert all(t["status"] == "skipped" and t["code"] == 530 for t in result["tests"])

    def test_xclient_offered_to_anyone_is_an_open_relay(self, smtp_server):
        server = smtp_server("xclient")
        result = probe_for(server, local_domain="example.org").run()
        assert result["xclient_advertised"] is True
        assert result["verdict"] == "open"
        assert result["accepted"] == ["XC1", "XC2"]
        xc1 = by_id(result)["XC1"]
        assert [s["command"] for s in xc1["dialogue"]] == [
            "XCLIENT NAME=localhost ADDR=127.0.0.1", "EHLO %s" % D, "RSET",
            "MAIL FROM:<antispam@%s>" % D, "RCPT TO:<relaytest@%s>" % D]
        assert by_id(result)["N2"]["status"] == "refused"
        # the impersonating sessions were never reused for another test
        sessions = [t["session"] for t in result["tests"]]
        assert sessions.count(xc1["session"]) == 1

    def test_xclient_refused_is_skipped_not_open(self, smtp_server):
        server = smtp_server("closed", extra_ehlo=["XCLIENT NAME ADDR PROTO HELO"])
        result = probe_for(server).run()
        assert result["xclient_advertised"] is True
        assert result["verdict"] == "closed"
        xc1 = by_id(result)["XC1"]
        assert (xc1["status"], xc1["reason"], xc1["code"]) == ("skipped", "feature_refused", 500)

    def test_xforward_does_not_open_a_postfix_like_server(self, smtp_server):
        server = smtp_server("xforward")
        result = probe_for(server).run()
        assert result["xclient_extensions"] == ["XFORWARD"]
        assert result["verdict"] == "closed"
        assert by_id(result)["XF1"]["status"] == "refused"

    def test_anonymous_auth_is_tried(self, smtp_server):
        server = smtp_server("anonymous_auth")
        result = probe_for(server).run()
        assert result["auth_anonymous_offered"] is True
        assert result["verdict"] == "open"
        assert result["accepted"] == ["XA1"]

    def test_proxy_protocol_listener_is_probed_through_a_forged_header(self, smtp_server):
        server = smtp_server("proxy", proxy_wait=0.5)
        result = probe_for(server, timeout=3.0).run()
        assert result["proxy_protocol"] == dict(required=True, header="PROXY TCP4 127.0.0.1 127.0.0.1 40025 25")
        assert result["verdict"] == "open"
        assert server.proxy_headers[0] == ""  # the silent first attempt: the server gave up waiting
        assert all(h.startswith("PROXY TCP4 127.0.0.1 ") for h in server.proxy_headers[1:])

    def test_no_proxy_header_when_not_allowed(self, smtp_server):
        server = smtp_server("proxy", proxy_wait=0.5)
        with pytest.raises(RelayProbeError, match="closed the session instead of greeting: 421 4.3.0"):
            probe_for(server, timeout=3.0, try_proxy_header=False).start()
        assert len(server.proxy_headers) == 1

    def test_refused_for_another_reason_is_inconclusive(self, smtp_server):
        server = smtp_server("closed", relay_reply="450 4.1.2 <{addr}>: Recipient address rejected: Domain not found")
        result = probe_for(server, local_domain="example.org").run()
        assert result["verdict"] == "inconclusive"
        n2 = by_id(result)["N2"]
        assert (n2["status"], n2["reason"]) == ("inconclusive", "unknown_domain")
        assert result["summary"]["relay"]["inconclusive"] > 0
        assert result["summary"]["recipient_check"]["refused"] == 1

    def test_helo_refusal_proves_only_the_helo_tricks(self, smtp_server):
        server = smtp_server("closed", relay_reply="554 5.7.1 <{addr}>: Helo command rejected: Host not found")
        result = probe_for(server).run()
        tests = by_id(result)
        assert result["verdict"] == "inconclusive"
        assert [tests[i]["status"] for i in ("X6", "X7a", "X7b")] == ["refused"] * 3
        assert tests["N2"]["status"] == "inconclusive"

    def test_disconnect_mid_battery(self, smtp_server):
        server = smtp_server("early_disconnect", after=6)
        result = probe_for(server).run()
        assert result["verdict"] == "closed"
        assert result["summary"]["relay"]["error"] == 0
        reconnected = [t["id"] for t in result["tests"] if any(s["command"] is None for s in t["dialogue"])]
        assert reconnected  # recorded in the dialogue
        assert result["sessions"] > 4

    def test_garbage_mid_battery_is_inconclusive(self, smtp_server):
        server = smtp_server("garbage", after=1)
        result = probe_for(server).run()
        assert result["verdict"] == "inconclusive"
        first = result["tests"][0]
        assert first["status"] == "error"
        assert "garbage reply" in first["reply"]
        assert all(t["status"] == "error" for t in result["tests"])
        assert result["sessions"] <= 3  # gave up instead of hammering the server

    def test_endless_line_mid_battery(self, smtp_server):
        server = smtp_server("endless_line", after=3)
        result = probe_for(server).run()
        assert result["verdict"] == "inconclusive"
        assert any("reply line too long" in (t["reply"] or "") for t in result["tests"])

    def test_first_session_failure_raises(self, smtp_server):
        server = smtp_server("early_disconnect", after=0)
        probe = probe_for(server)
        with pytest.raises(RelayProbeError, match="connection closed"):
            probe.start()

    def test_starttls_required_but_missing(self, smtp_server):
        server = smtp_server("closed")
        with pytest.raises(RelayProbeError, match="does not offer STARTTLS") as exc:
            probe_for(server, starttls=True).start()
        assert exc.value.stage == "starttls"

    def test_starttls_battery(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files)
        result = probe_for(server, starttls=True).run()
        assert result["verdict"] == "closed"
        assert result["starttls_offered"] is True
        assert result["tls"]["version"].startswith("TLS")
        assert "STARTTLS" not in result["ehlo_extensions"]
        assert server.commands_only.count("STARTTLS") == result["sessions"]
        assert "STARTTLS" in result["ehlo_extensions_before_tls"]
        assert result["auth_offered_before_tls"] is False
        assert result["auth_mechanisms"] == []


class TestImplicitTLS:
    def test_battery_over_implicit_tls(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files, implicit_tls=True)
        result = probe_for(server, implicit_tls=True, local_domain="example.org").run()
        assert result["verdict"] == "closed"
        assert result["summary"]["relay"] == dict(accepted=0, refused=25, inconclusive=0, skipped=0, error=0, total=25)
        assert result["tls"]["version"].startswith("TLS")
        assert result["tls"]["cipher"]
        assert result["banner"] == "220 mx.example.org ESMTP Postfix"
        assert result["starttls_offered"] is False
        assert result["ehlo_extensions_before_tls"] is None
        assert result["auth_offered_before_tls"] is None
        assert "STARTTLS" not in server.commands_only
        assert server.tls_handshakes == result["sessions"] == server.connections
        assert result["proxy_protocol"]["required"] is False

    def test_plain_server_fails_with_stage_implicit_tls(self, smtp_server):
        server = smtp_server("closed")
        with pytest.raises(RelayProbeError, match="^TLS handshake failed: ") as exc:
            probe_for(server, implicit_tls=True).start()
        assert exc.value.stage == "implicit_tls"
        assert "after a PROXY protocol header" in str(exc.value)
        # the client fails on the server's plain greeting, maybe before the server has read its PROXY line
        server.wait_until_served()
        assert server.connections == 2  # the second try sent a PROXY header
        assert "PROXY TCP4 127.0.0.1 127.0.0.1 40025 25" in server.commands_only
        assert not any(c.startswith(("EHLO", "HELO", "MAIL", "RCPT")) for c in server.commands_only)

    def test_plain_server_without_proxy_retry(self, smtp_server):
        server = smtp_server("closed")
        with pytest.raises(RelayProbeError, match="^TLS handshake failed: ") as exc:
            probe_for(server, implicit_tls=True, try_proxy_header=False).start()
        assert exc.value.stage == "implicit_tls"
        assert "PROXY" not in str(exc.value)
        assert server.connections == 1

    def test_proxy_listener_with_implicit_tls(self, smtp_server, tls_files):
        """Postfix smtps behind haproxy: the TLS hello is a bad header, so the header must go first."""
        server = smtp_server("proxy", tls_files=tls_files, implicit_tls=True, proxy_wait=0.5)
        result = probe_for(server, implicit_tls=True, timeout=3.0, port=465).run()
        assert result["proxy_protocol"] == dict(required=True, header="PROXY TCP4 127.0.0.1 127.0.0.1 40025 465")
        assert result["verdict"] == "open"
        assert result["tls"]["version"].startswith("TLS")
        assert not server.proxy_headers[0].startswith("PROXY")  # the first try sent the TLS hello at once
        assert all(h.startswith("PROXY TCP4 127.0.0.1 ") for h in server.proxy_headers[1:])
        assert server.tls_handshakes == result["sessions"] - 1 == len(server.proxy_headers) - 1


class TestTLSRequired:
    def test_postfix_encrypt_level_is_inconclusive(self, smtp_server):
        server = smtp_server("tls_required")
        result = probe_for(server).run()
        assert result["verdict"] == "inconclusive"
        assert result["auth_required_seen"] is False
        relay = [t for t in result["tests"] if t["kind"] == "relay"]
        assert all((t["status"], t["reason"], t["code"]) == ("skipped", "tls_required", 530) for t in relay)
        assert relay[0]["reply"] == STARTTLS_FIRST

    def test_postfix_encrypt_level_with_starttls_is_closed(self, smtp_server, tls_files):
        server = smtp_server("tls_required", tls_files=tls_files)
        result = probe_for(server, starttls=True).run()
        assert result["verdict"] == "closed"
        assert all(t["reason"] == "relay_denied" for t in result["tests"])


class TestAuthBeforeTLS:
    def test_auth_only_after_starttls(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files, auth=("PLAIN", "LOGIN"), auth_before_tls=False)
        result = probe_for(server, starttls=True).run()
        assert result["auth_offered_before_tls"] is False
        assert "STARTTLS" in result["ehlo_extensions_before_tls"]
        assert not any(e.startswith("AUTH") for e in result["ehlo_extensions_before_tls"])
        assert "AUTH PLAIN LOGIN" in result["ehlo_extensions"]
        assert result["auth_mechanisms"] == ["PLAIN", "LOGIN"]

    def test_auth_offered_before_starttls(self, smtp_server, tls_files):
        server = smtp_server("closed", tls_files=tls_files, auth=("PLAIN", "LOGIN"), auth_before_tls=True)
        result = probe_for(server, starttls=True).run()
        assert result["auth_offered_before_tls"] is True
        assert "AUTH PLAIN LOGIN" in result["ehlo_extensions_before_tls"]
        assert result["auth_mechanisms"] == ["PLAIN", "LOGIN"]
        assert result["verdict"] == "closed"

    def test_without_starttls_nothing_is_known_before_tls(self, smtp_server):
        server = smtp_server("closed", auth=("CRAM-MD5",))
        result = probe_for(server).run()
        assert result["ehlo_extensions_before_tls"] is None
        assert result["auth_offered_before_tls"] is None
        assert result["auth_mechanisms"] == ["CRAM-MD5"]
