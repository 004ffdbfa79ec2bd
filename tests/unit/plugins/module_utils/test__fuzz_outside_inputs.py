# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything the modules read from outside the collection, fuzzed: SMTP replies, DNS answers, postconf and
master.cf output, nft JSON, /proc tables and ip -j, registry entries, restic's JSON and environment file,
debsecan's history, the Dovecot passwd-file, fail2ban, journal and postqueue output, the filters' configuration
and systemctl show.

Each reader gets arbitrary text and bytes and, more often, near misses: the format it expects with random
fields (JSON of nft's shape with random types in each field, ``name = value`` lines with random names and
values, /proc/net/tcp lines with random hex, SMTP replies with random codes, continuations, lengths, NUL and
non-ASCII, DNS TXT records with random tags). It returns a value of its documented shape or raises the clean
error it documents, with a message naming the input; never a TypeError, KeyError, AttributeError, IndexError or
UnicodeError traceback. The readers that already had such a property (the proxy exchange, the MTA-STS policy
as bytes, the journal count, the TXT plan) keep theirs in their own files; here their structured near misses.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import re
import socket
import string
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _blocklists
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _dns
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _fcrdns
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mta_sts
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _txt_update
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _advisories
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _backup
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _filters
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _monitoring
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _nftables
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _passwords
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _postfix_settings
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _sanitize
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _relay
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _service_check
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _smtp
from ansible_collections.mailsec.hardening.plugins.modules import mailhost_info

from test__controls import NETWORK_OK, fixture, host_evidence  # a well-kept host, as the catalogue tests judge it
from test__proxy import FakeSocket as ScriptedSocket  # a peer that sends its chunks one per read (None: a timeout)

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                        HealthCheck.filter_too_much])
FEW = settings(FUZZ, max_examples=100)
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)

# --- What an outside source can send ---------------------------------------------------------------------

# Text with what breaks readers: NUL and control characters, non-ASCII digits (², ٣), separators, quotes.
NASTY = "\x00\t\r\n\x0b\x0c\x1b\x7f\x85\u2028 :;=,/#\"'[]{}()%@-_.²٣é\ufeff"
texts = st.one_of(st.text(max_size=40), st.text(alphabet=string.ascii_letters + string.digits + NASTY, max_size=40))
# What looks like a number to str.isdigit() or a careless eye: digits of other scripts, signs, overflow, hex, blanks.
digit_like = st.one_of(st.sampled_from(["²", "٣", "١٢", "𝟓", "0", "25", "-1", "+5", "65536", "99999999999999999999", " 25",
                                        "0x19", "1_0", "", "1e3", "25\x00"]), st.integers(-1, 10 ** 25).map(str))
# A JSON field of another type than the reader expects.
wrong_types = st.sampled_from([5, -1, 0, 1.5, True, False, "text", "", [], [1], ["a", 1], {}, {"a": 1}, None])
words = st.one_of(st.text(alphabet=string.ascii_letters + string.digits + "._-:/[]²٣", min_size=1, max_size=20),
                  digit_like.filter(lambda w: w.strip() and " " not in w), st.sampled_from(["nan", "inf"]))
numbers = st.one_of(st.integers(-2 ** 70, 2 ** 70), st.floats(allow_nan=True), st.sampled_from(["²", "1e999", "0"]))
# Any JSON value, nested a little.
json_values = st.recursive(st.one_of(wrong_types, st.integers(-2 ** 64, 2 ** 64), st.floats(allow_nan=False), texts),
                           lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
                           max_leaves=12)
# YAML can give any key type as well.
yaml_values = st.recursive(st.one_of(wrong_types, st.integers(), st.floats(), texts),
                           lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(st.one_of(texts, st.integers(), st.booleans(), st.none()),
                                                                   inner, max_size=4)),
                           max_leaves=12)
addresses = st.one_of(st.ip_addresses().map(str), st.sampled_from(["127.0.0.2", "127.255.255.254", "::ffff:192.0.2.1",
                                                                   "fe80::1%eth0", "192.0.2.1/24", "[::1]"]))


def lines_of(line):
    """Text of up to eight lines, each drawn from LINE."""
    return st.lists(line, max_size=8).map("\n".join)


def strings(value):
    """Every text inside VALUE (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


def clean(error, *names):
    """ERROR is one a reader documents, and its message names the input (one of NAMES)."""
    assert isinstance(error, ValueError), repr(error)
    assert any(name.lower() in str(error).lower() for name in names), (str(error), names)


# --- SMTP replies: the client, the relay battery and the service check ------------------------------------

class Server(object):
    """Hands out the scripted SESSIONS in turn, one per TCP connection; an empty one after the last."""

    def __init__(self, sessions):
        self.sessions = list(sessions)

    def __call__(self, _address, timeout=None):
        return ScriptedSocket(self.sessions.pop(0) if self.sessions else [])


reply_codes = st.one_of(st.sampled_from(["220", "221", "235", "250", "251", "252", "334", "354", "421", "450", "451",
                                         "500", "501", "502", "503", "530", "550", "553", "554"]),
                        st.integers(0, 999).map(str), st.text(alphabet="0123456789x- ", max_size=4))
reply_texts = st.one_of(texts, st.sampled_from([
    "mx.example.org ESMTP", "STARTTLS", "AUTH PLAIN LOGIN ANONYMOUS", "AUTH=PLAIN", "XCLIENT NAME ADDR", "XFORWARD",
    "5.7.1 Relay access denied", "5.7.0 Must issue a STARTTLS command first", "5.7.0 Authentication required",
    "5.1.1 <x@y>: Recipient address rejected: User unknown", "4.7.1 Helo command rejected", "2.0.0 Ok",
    "[IPv6:2001:db8::1] hello", "[192.0.2.1]", "é" * 5, "x" * 300]))
reply_lines = st.builds(lambda code, sep, text, end: (code + sep + text).encode("utf-8") + end, reply_codes,
                        st.sampled_from([" ", "-", "", "\t"]), reply_texts,
                        st.sampled_from([b"\r\n", b"\n", b"\r\n", b"\r", b""]))
chunks = st.one_of(st.lists(reply_lines, min_size=1, max_size=4).map(b"".join), st.binary(max_size=60), st.none(),
                   st.just(b"2" * 5000 + b"\r\n"), st.just(b"250-x\r\n" * 101))
GREETED = [b"220 mx.example.org ESMTP\r\n", b"250-mx.example.org\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"]
sessions = st.one_of(st.lists(chunks, max_size=8), st.lists(chunks, max_size=12).map(lambda rest: GREETED + rest))
KINDS = ("garbage", "too_long", "disconnect", "timeout", "refused", "tls", "state", "connect")


@FUZZ
@given(st.lists(chunks, max_size=10))
def test_any_smtp_reply_is_read_or_refused_with_its_beginning(script):
    client = _smtp.SMTPClient("192.0.2.25", 25, timeout=5)
    with mock.patch.object(_smtp.socket, "create_connection", Server([script])):
        try:
            for _step in range(12):
                reply = client.connect() if client.banner is None else client.read_reply()
                assert isinstance(reply.code, int) and 100 <= reply.code <= 599
                assert all(isinstance(line, str) and not re.search(r"[\x00-\x1f\x7f]", line) for line in reply.lines)
                assert "\n" not in str(reply) and "\r" not in reply.text
        except _smtp.SMTPProtocolError as error:
            assert error.kind in KINDS
            assert re.match(r"^(garbage reply|reply line too long|reply has too many lines|connection closed|timed out)",
                            str(error)), str(error)
            if "no 3-digit SMTP code" in str(error):
                assert re.search(r": (['\"]).*\1$", str(error))  # the reply's beginning, escaped
            assert not client.connected


@FUZZ
@given(texts, st.lists(texts, max_size=5), st.one_of(st.none(), st.integers(-1, 1000)))
def test_ehlo_lines_banners_and_refusals_are_read_into_their_shapes(text, extensions, code):
    assert _relay.server_name_from_banner(text) in (None, text.split(None, 1)[0] if text.split() else None)
    assert isinstance(_relay.extension_keyword(text), str)
    assert set(_relay.identity_features(extensions)) <= {"XCLIENT", "XFORWARD", "AUTH ANONYMOUS"}
    assert all(isinstance(m, str) and len(m) <= 64 + len("...[clipped]") for m in _relay.auth_mechanisms(extensions))
    reason = _relay.refusal_reason(code, text)
    assert reason in ("relay_denied", "auth_required", "tls_required", "helo_rejected", "sender_rejected",
                      "client_rejected", "unknown_user", "unknown_domain", "bad_address", "temporary", "other")
    status, _why = _relay.judge(dict(trick="recipient", routes_locally=False), code, text)
    assert status in _relay.STATUSES
    assert all(isinstance(e, str) and e == e.strip() and e for e in _smtp.parse_ehlo_extensions(
        _smtp.SMTPReply(code or 250, [text] + extensions)))


@FEW
@given(st.lists(sessions, max_size=30), st.sampled_from([None, "dept.example.org"]))
def test_the_relay_battery_against_any_server_ends_in_a_verdict_or_names_the_stage(script, local_domain):
    probe = _relay.RelayProbe(lambda: _smtp.SMTPClient("192.0.2.25", 25, timeout=5), "192.0.2.25", "probe.example.net",
                              local_domain=local_domain)
    with mock.patch.object(_smtp.socket, "create_connection", Server(script)):
        try:
            probe.start()
            result = probe.run()
        except _relay.RelayProbeError as error:
            assert error.stage in KINDS + ("session", "starttls", "implicit_tls") and str(error)
            return
    assert result["verdict"] in _relay.VERDICTS
    assert all(t["status"] in _relay.STATUSES for t in result["tests"])
    assert result["summary"]["relay"]["total"] == len([t for t in result["tests"] if t["kind"] == "relay"])
    assert all(isinstance(e, str) and len(e) <= 200 + len("...[clipped]") for e in result["ehlo_extensions"])
    assert not [text for text in strings(result) if re.search(r"[\x00-\x1f\x7f]", text)]  # the server's text escaped


@FUZZ
@given(sessions, st.sampled_from([None, "postmaster"]))
def test_the_service_check_against_any_server_names_the_step_that_failed(session, recipient):
    with mock.patch.object(_smtp.socket, "create_connection", Server([session])):
        result = _service_check.check_service(lambda h, p: _smtp.SMTPClient(h, p, timeout=5), "192.0.2.25", 25,
                                              "mx.example.org", recipient)
    assert result["stage"] in ("connect", "greeting", "ehlo", "mail", "rcpt", "done")
    assert result["healthy"] == (result["stage"] == "done")
    assert result["healthy"] or isinstance(result["error"], str) and result["error"]


# --- /proc tables and ip -j ---------------------------------------------------------------------------------

hex_words = st.one_of(st.text(alphabet="0123456789ABCDEFabcdef", max_size=34), words)
proc_lines = st.builds(
    lambda slot, address, port, remote, state, rest, inode: " %s: %s:%s %s %s %s %s" % (slot, address, port, remote, state, rest, inode),
    st.integers(0, 99), st.one_of(hex_words, st.sampled_from(["0100007F", "00000000", "0000000000000000FFFF00000100007F",
                                                             "00000000000000000000000001000000"])),
    st.one_of(hex_words, st.sampled_from(["0019", "024B", "FFFF", "10000", "-1", "0x19"])), hex_words,
    st.one_of(st.sampled_from(["0A", "07"]), hex_words), st.sampled_from(["00000000:00000000 00:00000000 00000000 0 0", "x"]),
    st.one_of(st.integers(-5, 2 ** 40).map(str), words))
proc_tables = st.one_of(st.text(max_size=200), st.lists(proc_lines, max_size=6).map(
    lambda lines: "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    + "\n".join(lines)))


@FUZZ
@given(proc_tables, st.sampled_from(["tcp", "udp"]))
def test_any_socket_table_gives_sockets_with_an_address_and_a_port(text, protocol):
    for item in _service_check.socket_table(text, protocol):
        assert _inputs.address(item["address"], "address") is not None
        assert 0 <= item["port"] <= 65535 and isinstance(item["inode"], int)
    for target in _service_check.targets_for(_service_check.listening(text, text, [25, 587])):
        assert target["port"] in (25, 587) and _inputs.address(target["host"], "host") is not None


ip_addr_info = st.fixed_dictionaries({}, optional=dict(scope=st.one_of(st.just("global"), json_values),
                                                       local=st.one_of(addresses, wrong_types, json_values),
                                                       family=st.sampled_from(["inet", "inet6", None])))
ip_links = st.fixed_dictionaries({}, optional=dict(addr_info=st.one_of(wrong_types, st.lists(ip_addr_info, max_size=3))))
ip_json = st.one_of(st.text(max_size=80), json_values.map(json.dumps), st.lists(ip_links, max_size=3).map(json.dumps))


@FUZZ
@given(ip_json, proc_tables, lines_of(st.builds(":".join, st.lists(st.one_of(texts, st.sampled_from(
    ["0", "name=systemd", "/system.slice/postfix.service", "/user.slice/x.scope"])), max_size=4))))
def test_ip_json_cgroups_and_the_port_range_read_into_their_shapes(ip, ranges, cgroup):
    assert all(isinstance(a, str) and a for a in _mailhost.global_addresses(ip))
    low, high = _mailhost.ephemeral_range(ranges)
    assert isinstance(low, int) and isinstance(high, int)
    unit = _mailhost.unit_of_cgroup(cgroup)
    assert unit == "" or re.match(r"^[^/]+\.(service|socket|scope)\Z", unit)


# --- DNS answers --------------------------------------------------------------------------------------------

statuses = st.sampled_from(["ok", "ok", "ok", "nxdomain", "nodata", "servfail", "timeout", "refused", "error"])
records = st.lists(st.one_of(texts, addresses, st.sampled_from(["mx.dept.example.org.", "xn--nxasmq6b.example.",
                                                               "xn--.example", "xn--a-ecp.ru", "a..b", "."])), max_size=3)


def answers(draw_answer):
    """A LOOKUP whose every answer is drawn: status, records, canonical name."""
    def lookup(*question):
        status, found, canonical = draw_answer()
        return dict(status=status, records=found, canonical=canonical if canonical is not None else question[-2])
    return lookup


dns_answers = st.tuples(statuses, records, st.one_of(st.none(), texts))


@FUZZ
@given(st.data(), addresses, st.one_of(st.none(), texts))
def test_fcrdns_of_any_answers_is_a_verdict_with_a_reason(data, address, helo):
    lookup = answers(lambda: data.draw(dns_answers))
    try:
        result = _fcrdns.check_address(address, lookup, ["192.0.2.53", "192.0.2.54"], helo=helo, retries=1)
    except ValueError as error:  # the address itself is not one: the caller's input, named
        clean(error, "address")
        return
    assert isinstance(result["confirmed"], bool) and isinstance(result["summary"], str)
    assert result["confirmed"] == (result["reason"] is None) or result["helo_matches"] is False
    assert all(isinstance(w, str) for w in result["warnings"])
    named = _fcrdns.check_name(data.draw(texts), lookup, ["192.0.2.53"], retries=0)
    assert named["reason"] is None or isinstance(named["reason"], str)
    assert all(isinstance(a, str) for a in named["addresses"])


@FUZZ
@given(texts)
def test_a_name_from_dns_is_normalized_or_refused_and_always_displayed(name):
    normal = _fcrdns.normalize(name)
    assert normal is None or (normal.isascii() and normal == normal.lower() and len(normal) <= 253)
    assert isinstance(_fcrdns.display(name), str)


@FUZZ
@given(st.data(), st.ip_addresses().map(str), st.sampled_from(["zen.example.org", "bl.example."]))
def test_a_blocklist_answer_is_listed_clear_or_unknown_with_the_problem(data, address, zone):
    lookup = answers(lambda: data.draw(st.tuples(statuses, st.lists(st.one_of(
        st.sampled_from(["127.0.0.2", "127.255.255.254", "127.255.255.1", "10.0.0.1", "::1"]), texts), max_size=3),
        st.none())))
    try:
        result = _blocklists.check(address, zone, lookup, ["192.0.2.53"], retries=0)
    except ValueError as error:  # the address asked about is the caller's input, refused by the input layer
        clean(error, "address")
        return
    assert result["listed"] in (True, False, None)
    assert result["listed"] is not None or result["problem"]
    assert isinstance(result["reason"], str) and len(result["reason"]) <= 300


# TXT records: the tag the judge looks for, then random tags with random values.
tag_names = st.one_of(st.sampled_from(["v", "p", "sp", "pct", "rua", "ruf", "adkim", "aspf", "k", "t", "h", "id", "s"]),
                      st.text(alphabet=string.ascii_letters + "_" + NASTY, max_size=5))
tag_values = st.one_of(texts, st.sampled_from(["reject", "none", "quarantine", "mailto:a@example.org", "mailto:x",
                                               "https://r.example", "100", "s", "y:s", "DKIM1", "rsa", "ed25519"]))
der = st.recursive(
    st.builds(lambda tag, body: bytes([tag, len(body)]) + body, st.sampled_from([2, 3, 4, 5, 6, 0x30]),
              st.binary(max_size=8)),
    lambda inner: st.builds(lambda parts, extra: b"\x30" + bytes([(len(b"".join(parts)) + extra) % 256]) + b"".join(parts),
                            st.lists(inner, max_size=3), st.sampled_from([0, 0, 1, -1, 0x80])),
    max_leaves=6)


def _tlv(tag, body, extra=0):
    return bytes([tag, (len(body) + extra) % 256]) + body


# SEQUENCE { SEQUENCE { OID, NULL }, BIT STRING { SEQUENCE { INTEGER, INTEGER } } } with each part drawn
def _spki(oid, null, modulus, exponent, extra):
    algorithm = _tlv(0x30, _tlv(6, oid) + _tlv(5, null))
    return _tlv(0x30, algorithm + _tlv(3, b"\0" + _tlv(0x30, _tlv(2, modulus) + _tlv(2, exponent))), extra)


spki = st.builds(_spki,
                 st.sampled_from([b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", b""]), st.one_of(st.just(b""), st.binary(max_size=3)),
                 st.binary(max_size=20), st.sampled_from([b"\x01\x00\x01", b"", b"\x80"]), st.sampled_from([0, 0, 0, 1, -1, 100]))
keys = st.one_of(st.binary(max_size=40), der, spki, st.builds(lambda head, tail: head + tail, der, st.binary(max_size=6))).map(
    lambda raw: base64.b64encode(raw).decode())
txt_records = st.builds(lambda head, tags: head + "".join("%s%s=%s" % (sep, k, v) for sep, k, v in tags),
                        st.sampled_from(["v=spf1", "v=DKIM1", "v=DMARC1", "v=TLSRPTv1", "v=STSv1", "", "v=dmarc1x"]),
                        st.lists(st.tuples(st.sampled_from(["; ", ";", " ", ""]), tag_names,
                                           st.one_of(tag_values, keys)), max_size=6))
zone_records = st.lists(st.one_of(txt_records, texts), max_size=3)


def zone(data):
    """The module's LOOKUP (name, rdtype) and pyspf's DNSLookup over records drawn when asked."""
    def lookup(_name, _rdtype):
        return dict(status=data.draw(statuses), records=data.draw(zone_records), error=data.draw(st.none() | texts))

    def spf_lookup(name, qtype, *_args, **_kwargs):
        if qtype in ("TXT", "SPF"):
            return [((name, qtype), [r.encode("utf-8")]) for r in data.draw(zone_records)]
        if qtype == "A":
            return [((name, qtype), "192.0.2.25")]
        return []

    return lookup, spf_lookup


@FUZZ
@given(st.data(), st.one_of(st.none(), st.lists(st.sampled_from(["dept.example.org", "example.org", "other.example"]))),
       st.one_of(st.none(), st.just("dept.example.org")), st.one_of(st.none(), keys))
def test_dkim_dmarc_and_tlsrpt_records_of_any_text_are_judged_with_the_problems_named(data, signing, spf_domain, key):
    lookup, _spf = zone(data)
    dkim = _mail_auth.judge_dkim("dept.example.org", "mail", lookup, public_key=key)
    assert dkim["bits"] is None or isinstance(dkim["bits"], int)
    dmarc = _mail_auth.judge_dmarc("mx.dept.example.org", lookup, signing_domains=signing, spf_domain=spf_domain)
    assert dmarc["policy"] is None or isinstance(dmarc["policy"], str)
    tlsrpt = _mail_auth.judge_tlsrpt("dept.example.org", lookup)
    for out in (dkim, dmarc, tlsrpt):
        assert all(isinstance(p, str) and p for p in out["problems"])
    assert all(p.startswith("mail._domainkey.dept.example.org") for p in dkim["problems"])  # the record is named


@FUZZ
@given(keys)
def test_any_key_record_is_an_rsa_key_of_some_size_or_none(key):
    bits = _mail_auth.public_key_bits(key)
    assert bits is None or isinstance(bits, int) and bits >= 0


@FEW
@given(st.data())
def test_an_spf_record_of_any_text_is_evaluated_as_receivers_do(data):
    lookup, spf_lookup = zone(data)
    out = _mail_auth.judge_spf("dept.example.org", [ipaddress.ip_address("192.0.2.25")], spf_lookup, lookup)
    assert all(r["result"] in ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
               for r in out["results"])
    assert all(isinstance(p, str) and p for p in out["problems"])


policy_lines = st.builds(lambda key, sep, value: key + sep + value,
                         st.one_of(st.sampled_from(["version", "mode", "mx", "max_age", "max_age"]), texts),
                         st.sampled_from([": ", ":", ": ", " ", ""]),
                         st.one_of(digit_like, texts, st.sampled_from(["STSv1", "enforce", "testing", "none", "*.example.org"])))
policies = st.one_of(st.binary(max_size=200), st.text(max_size=200), lines_of(policy_lines),
                     lines_of(policy_lines).map(lambda text: text.encode("utf-8")))


@FUZZ
@given(policies)
def test_an_mta_sts_policy_of_any_text_is_read_into_fields_and_problems(body):
    fields, problems = _mta_sts.parse_policy(body)
    assert all(isinstance(p, str) for p in problems)
    if fields:
        assert fields["max_age"] is None or isinstance(fields["max_age"], int)
        assert all(isinstance(mx, str) for mx in fields["mx"])


@FUZZ
@given(st.lists(st.one_of(texts, st.builds("{} {}".format, digit_like, st.sampled_from(["mx.example.org.", "a.b", ""]))),
                max_size=4), statuses)
def test_the_mx_records_of_any_answer_are_read_into_host_names(found, status):
    hosts, problem = _mta_sts._mx_hosts(lambda _name, _rdtype: dict(status=status, records=found), "dept.example.org")
    assert all(isinstance(h, str) for h in hosts) and (problem is None or "dept.example.org MX" in problem)


@FUZZ
@given(st.data(), policies)
def test_a_domain_s_mta_sts_of_any_answers_is_judged_with_the_problems_named(data, body):
    def lookup(_name, rdtype):
        if rdtype == "MX":
            return dict(status=data.draw(statuses), records=data.draw(st.lists(st.one_of(texts, st.builds(
                "{} {}".format, st.one_of(words, st.integers(0, 99)), st.sampled_from(["mx.example.org.", "a.b"]))),
                max_size=3)))
        return dict(status=data.draw(statuses), records=data.draw(zone_records))

    def fetch(_domain):
        return data.draw(st.one_of(st.fixed_dictionaries(dict(error=texts)), st.fixed_dictionaries(dict(
            status=st.one_of(st.just(200), st.integers(), st.none(), texts), body=st.just(body),
            content_type=st.one_of(st.just("text/plain; charset=utf-8"), st.none(), texts)))))

    out = _mta_sts.judge("dept.example.org", lookup, fetch, lambda host: dict(error=data.draw(st.sampled_from(["", "no TLS"]))))
    assert isinstance(out["published"], bool) and all(isinstance(p, str) and p for p in out["problems"])
    assert all(isinstance(mx["host"], str) and isinstance(mx["covered"], bool) for mx in out["mx_hosts"])


resolv_conf = lines_of(st.lists(st.one_of(st.sampled_from(["nameserver", "#", ";", "search"]), addresses, texts),
                                max_size=3).map(" ".join))


@FUZZ
@given(st.lists(st.one_of(st.binary(max_size=40), texts), max_size=4), texts, resolv_conf)
def test_txt_strings_and_resolv_conf_read_into_text(strings, kind, resolv_conf):
    text = _txt_update.text_of(strings)
    assert isinstance(text, str) and isinstance(_txt_update.of_kind(text, kind or "v=spf1"), bool)
    assert all(_inputs.address(r, "nameserver") for r in _dns.system_resolvers(resolv_conf))


# --- postconf, main.cf and master.cf ------------------------------------------------------------------------

parameter_names = st.one_of(st.sampled_from(sorted(set(_postfix_settings.REFUSED) | set(_postfix_settings.ADDRESS_TRUST)
                                                   | set(_postfix_settings.NEEDS_REASON) | set(_postfix_settings.LOOPBACK_ONLY)
                                                   | {"receive_override_options", "smtpd_milters", "smtpd_relay_restrictions",
                                                      "smtpd_recipient_restrictions", "unknown_client_reject_code",
                                                      "alias_maps", "header_checks"})),
                            st.text(alphabet=string.ascii_lowercase + "_0" + NASTY, min_size=1, max_size=12))
parameter_values = st.one_of(texts, st.sampled_from([
    "127.0.0.0/8 [::1]/128 192.0.2.0/24 $mynetworks", "hash:/etc/postfix/x, pcre:/etc/postfix/y", "no_milters",
    "{ inet:127.0.0.1:7357, default_action = accept }", "permit_mynetworks reject_unauth_destination", "550",
    "check_client_access hash:/x permit", "[::ffff:192.0.2.1]/128", "0.0.0.0/0", "yes", "", "¹²³"]))
postconf_text = st.one_of(st.text(max_size=200), lines_of(st.builds(
    lambda name, sep, value: name + sep + value, parameter_names, st.sampled_from([" = ", " =", "=", " ", "\n  "]),
    parameter_values)))
service_names = st.one_of(words, digit_like,
                          st.builds("{}{}".format, st.sampled_from(["127.0.0.1:", "[::1]:", "host:", "["]), digit_like),
                          st.sampled_from(["smtp", "submission", "smtps", "2525", "127.0.0.1:2525", "[::1]:2525", "[::1]",
                                           "host:²", "²", "a\x00b", ":", "[", "x:"]))
master_text = st.one_of(st.text(max_size=200), lines_of(st.builds(
    lambda name, kind, rest, command, args: "%s %s %s %s %s" % (name, kind, rest, command, args), service_names,
    st.one_of(st.sampled_from(["inet", "unix", "pass", "fifo"]), words), st.sampled_from(["n - y - -", "n - - - 1", "-"]),
    st.one_of(st.sampled_from(["smtpd", "postscreen", "cleanup"]), words), texts)))
overrides_text = st.one_of(st.text(max_size=200), lines_of(st.builds(
    lambda service, kind, name, value: "%s/%s/%s = %s" % (service, kind, name, value), service_names,
    st.sampled_from(["inet", "unix", "pass"]), parameter_names, parameter_values)))


@FUZZ
@given(postconf_text, master_text, overrides_text)
def test_postconf_output_of_any_text_is_read_into_settings_and_services(postconf, master, overrides):
    effective = _mailhost.parse_postconf(postconf)
    assert all(re.match(r"^[a-z][a-z0-9_]*\Z", name) and isinstance(value, str) for name, value in effective.items())
    assert all(isinstance(n, str) and isinstance(v, str) for n, v in _postfix_settings.parse_main_cf(postconf).items())
    assert all(isinstance(w, str) for w in _mailhost.warnings(postconf) + _postfix_settings.written_names(postconf))
    for service in _postfix_settings.master_services(master, overrides):
        assert service["port"] is None or isinstance(service["port"], int)
        assert service["address"] is None or isinstance(service["address"], str)
        assert isinstance(service["overrides"], dict)
        receives = _postfix_settings.receives_from_network(service)
        for problem in _postfix_settings.service_problems(service["overrides"], effective, service["port"], receives):
            assert isinstance(problem["reason"], str) and isinstance(problem["acknowledgeable"], bool)
    assert all(item["file"].startswith("/") for item in _postfix_settings.map_files(effective))


@FUZZ
@given(st.one_of(service_names, texts), st.sampled_from(["inet", "unix", "pass"]))
def test_any_master_cf_service_name_is_an_endpoint_with_a_port_or_none(name, kind):
    endpoint = _postfix_settings.service_endpoint(name, kind, _postfix_settings.port_number)
    assert endpoint is None or endpoint["port"] is None or isinstance(endpoint["port"], int)
    assert endpoint is None or endpoint["address"] is None or isinstance(endpoint["address"], str)


@FUZZ
@given(parameter_names, parameter_values, parameter_values)
def test_any_setting_is_judged_into_risks(name, value, other):
    for item in _postfix_settings.setting_risks(name, value):
        assert isinstance(item["reason"], str) and item["reason"] and isinstance(item["acknowledgeable"], bool)
    assert all(isinstance(p, str) and p for p in _postfix_settings.relay_list_problems(value, other))
    assert all(isinstance(m["options"], dict) for m in _filters.postfix_milters(value))
    dropped = _postfix_settings.dropped_settings({name: value}, {}, {name: other}, {})
    assert [d["name"] for d in dropped] in ([], [name])


# --- systemctl show, aliases, certificates and the other files mailhost_info reads -------------------------

unit_blocks = st.one_of(st.text(max_size=200), st.lists(lines_of(st.builds(
    "{}={}".format, st.sampled_from(["Id", "ActiveState", "UnitFileState", "LoadState", ""]) | texts,
    st.sampled_from(["active", "enabled", "loaded", "postfix.service", "spamd.service"]) | texts)), max_size=4).map(
    "\n\n".join))
dates = st.one_of(texts, st.sampled_from(["Dec  4 12:00:00 2027 GMT", "Feb 30 00:00:00 2027 GMT", "Jan  1 00:00:00 0001 GMT",
                                          "Dec 31 23:59:59 9999 GMT", "Jan  1 00:00:00 10000 GMT"]))
certificates = lines_of(st.one_of(dates.map("notAfter={}".format), texts.map("subject=CN = {}".format),
                                  texts.map("DNS:{}".format), texts))


@FUZZ
@given(unit_blocks, st.one_of(st.text(max_size=200), lines_of(st.builds(
    "{}:{}".format, texts, st.lists(texts, max_size=3).map(",".join)))), certificates)
def test_systemctl_show_aliases_and_certificates_read_into_their_shapes(shown, aliases, certificate):
    units = _mailhost.parse_systemctl_show(shown, ("postfix.service", "spamd.service"))
    assert all(isinstance(v, str) for fields in units.values() for v in fields.values())
    assert all(isinstance(v, str) for fields in _monitoring.parse_units(shown).values() for v in fields.values())
    assert all(isinstance(t, list) for t in _mailhost.parse_aliases(aliases).values())
    cert = _mailhost.parse_certificate(certificate, now=NOW)
    assert cert["days_left"] is None or isinstance(cert["days_left"], int)
    assert all(isinstance(n, str) for n in cert["names"])


config_keys = st.one_of(st.sampled_from(["KeyTable", "SigningTable", "MaxFileSize", "add_header", "required_score",
                                         "remove_header", "clear_headers", "APT::Periodic::Unattended-Upgrade", "Storage",
                                         "[Journal]", "MaxRetentionSec"]), texts)
config_values = st.one_of(texts, st.sampled_from(["file:/etc/x", "refile:", "all Level _STARS(*)_", "25M", "²M", "90day",
                                                  "1w 2d", "\"1\";"]))
key_value_text = st.one_of(st.text(max_size=200), lines_of(st.builds(
    lambda key, sep, value: key + sep + value, config_keys, st.sampled_from([" ", "\t", "=", " = "]), config_values)))
spans = st.one_of(texts, numbers.map(str), st.builds("{}{}{}".format, st.one_of(st.integers(0, 10 ** 400), st.floats(0)),
                                                     st.sampled_from(["", " ", "  "]),
                                                     st.sampled_from(["day", "M", "y", "us", "x", "weeks", ""])))


@FUZZ
@given(key_value_text, key_value_text, spans)
def test_daemon_configuration_of_any_text_reads_into_its_shape(text, other, span):
    values = _mailhost.parse_key_values(text)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())
    assert _mailhost.dataset_path(values.get("keytable")) is None or isinstance(_mailhost.dataset_path(values.get("keytable")), str)
    keys, signing = _mailhost.opendkim_tables(text, other)
    assert all(set(k) == {"name", "domain", "selector", "path"} for k in keys) and all(set(s) == {"pattern", "name"} for s in signing)
    public, bits = _mailhost.public_key(text)
    assert (public is None or isinstance(public, str)) and (bits is None or isinstance(bits, int))
    spam = _mailhost.spamassassin_settings([text, other])
    assert isinstance(spam["required_score"], str) and isinstance(spam["headers"], dict)
    assert all(isinstance(v, str) for v in _mailhost.parse_journald(text).values())
    assert isinstance(_mailhost.apt_config_value(text, "APT::Periodic::Unattended-Upgrade"), (str, type(None)))
    days = _mailhost.timespan_days(span)
    assert days is None or isinstance(days, float)
    assert isinstance(_mailhost.is_loopback(span), bool)
    size = _filters.size_value(span)
    assert size is None or isinstance(size, int) and size >= 0


# --- nft -j list ruleset ------------------------------------------------------------------------------------

NFT_FIXTURES = [json.loads(fixture(name))["nftables"] for name in ("nft_mailsec_mx.json", "nft_debian_default.json",
                                                                   "nft_mailsec_extended.json")]


def _jumbled(value, replacement):
    """VALUE with one part, found by walking it along the choices drawn, replaced by REPLACEMENT."""
    path, choose = replacement
    if not path or not isinstance(value, (dict, list)) or not value:
        return choose
    keys = sorted(value, key=repr) if isinstance(value, dict) else list(range(len(value)))
    key = keys[path[0] % len(keys)]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[key] = _jumbled(value[key], (path[1:], choose))
    return copy


nft_values = st.one_of(json_values, st.sampled_from([
    {"payload": {"protocol": "tcp", "field": "dport"}}, {"meta": {"key": "l4proto"}}, {"meta": 5}, {"payload": []},
    {"set": 5}, {"set": [{"range": [1]}]}, {"prefix": {"addr": 5, "len": "x"}}, {"elem": []}, {"range": "ab"}, "@nope",
    {"jump": None}, {"goto": {"target": []}}, {"limit": 5}, {"ct": []}, "accept", {"drop": None}]))
jumbles = st.lists(st.tuples(st.lists(st.integers(0, 50), max_size=7), nft_values), min_size=1, max_size=4)
rulesets = st.one_of(st.text(max_size=100), json_values.map(json.dumps),
                     st.builds(lambda items, changes: json.dumps(dict(nftables=_apply(items, changes))),
                               st.sampled_from(NFT_FIXTURES), jumbles))


def _apply(items, changes):
    for change in changes:
        items = _jumbled(items, change)
    return items


@FUZZ
@given(rulesets)
def test_any_nft_json_is_judged_or_refused_naming_the_ruleset(ruleset):
    assert _nftables.input_policy(ruleset) in ("drop", "reject", "accept", "none", "unreadable")
    try:
        found = _nftables.evidence(ruleset, [(22, "tcp"), (25, "tcp"), (53, "udp")], [("nobody", 65534), ("postfix", 100)],
                                   ["10.88.0.0/24"])
    except ValueError as error:
        assert re.search(r"ruleset|JSON|Expecting|line \d|jumps nest|delimiter|char \d", str(error)), str(error)
        return
    for answer in found["inbound"] + found["admin"] + found["outbound"]:
        assert answer["verdict"] in ("accept", "drop", "reject"), answer
        assert isinstance(answer["by"], str) and all(isinstance(u, str) for u in answer["uncertain"])
    assert all(isinstance(t, str) for t in found["tables"])


DEEP = "[" * 100000 + "]" * 100000  # deeper than Python's JSON reader goes: a RecursionError unless caught


def test_json_nested_too_deep_to_read_is_refused_naming_its_source():
    assert _nftables.input_policy(DEEP) == "unreadable"
    with pytest.raises(ValueError, match="nft -j list ruleset"):
        _nftables.Ruleset(DEEP)
    with pytest.raises(ValueError, match="restic"):
        _backup.parse_snapshots(DEEP)
    with pytest.raises(ValueError, match="the monitor's state"):
        _monitoring.state_evidence(DEEP, NOW)
    with pytest.raises(ValueError, match="postqueue"):
        _monitoring.queue_size(DEEP)
    assert _monitoring.count_events([DEEP])["unreadable"] == 1
    assert _mailhost.global_addresses(DEEP) == []


# --- Registry files -----------------------------------------------------------------------------------------

registry_entry = st.fixed_dictionaries({}, optional=dict(
    name=st.one_of(st.just("mx.dept.example.org"), yaml_values), addresses=st.one_of(st.lists(addresses, max_size=3), yaml_values),
    ports=st.one_of(st.lists(st.integers(-1, 70000), max_size=3), yaml_values), owner=yaml_values, contact=yaml_values,
    mode=st.one_of(st.sampled_from(cat.MODES), yaml_values), _host=st.one_of(st.none(), texts)))
registry_entries = st.one_of(yaml_values, st.lists(st.one_of(yaml_values, registry_entry, st.dictionaries(
    st.one_of(texts, st.integers(), st.none()), yaml_values, max_size=3)), max_size=4))


@FUZZ
@given(registry_entries)
def test_any_registry_file_is_refused_naming_the_entry_or_read(entries):
    problems = _registry.registry_problems(entries, "registry")
    assert all(isinstance(p, str) and ("registry" in p or p.startswith("host ")) for p in problems), problems
    if not problems:
        for entry in _registry.normalize(entries):
            assert entry["mode"] in cat.MODES and all(1 <= p <= 65535 for p in entry["ports"])


# --- restic, debsecan, the passwd-file --------------------------------------------------------------------

restic_times = st.one_of(json_values, st.sampled_from(["2026-12-04T02:30:01.123456789+01:00", "2026-12-04T02:30:01Z",
                                                       "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                                                       "2026-13-40T99:99:99Z", "²⁰²⁶-12-04T02:30:01Z"]))
snapshots = st.one_of(st.text(max_size=100), json_values.map(json.dumps), st.lists(st.one_of(json_values, st.fixed_dictionaries(
    dict(time=restic_times), optional=dict(paths=st.one_of(st.lists(texts, max_size=3), json_values), tags=json_values,
                                           hostname=json_values, id=json_values, short_id=json_values))), max_size=3).map(json.dumps))


@FUZZ
@given(snapshots, st.one_of(st.text(max_size=200), lines_of(st.builds("{}={}".format, texts, texts))))
def test_restic_output_and_its_environment_file_are_read_or_refused_naming_restic(text, env):
    try:
        found = _backup.parse_snapshots(text)
    except ValueError as error:
        clean(error, "restic", "snapshot")
    else:
        for snapshot in found:
            assert isinstance(snapshot["time"], str) and all(isinstance(p, str) for p in snapshot["paths"])
            age = _backup.age_hours(snapshot["time"], NOW)
            assert isinstance(age, float)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in _backup.parse_env(env).items())


@FUZZ
@given(st.one_of(st.just("VERSION 1"), texts), st.one_of(st.integers(-10, 10 ** 30).map(str), digit_like, texts),
       st.lists(st.one_of(texts, st.builds(",".join, st.lists(st.one_of(texts, st.just("F")), max_size=4))), max_size=4))
def test_debsecan_history_is_read_or_refused_naming_debsecan(version, when, entries):
    text = "\n".join([version, when] + entries)
    try:
        history = _advisories.parse_history(text)
    except ValueError as error:
        clean(error, "debsecan")
        return
    assert history["time"].tzinfo is not None and all(isinstance(e["fixed"], bool) for e in history["entries"])


passwd_fields = st.one_of(texts, st.sampled_from(["{SHA512-CRYPT}$6$x$y", "$1$x$y", "{PLAIN}x", "{}", "{"]))


@FUZZ
@given(lines_of(st.lists(passwd_fields, max_size=4).map(":".join)))
def test_any_passwd_file_gives_the_scheme_of_each_account(text):
    for account in _passwords.schemes(text):
        assert isinstance(account["user"], str) and isinstance(account["scheme"], str) and isinstance(account["slow"], bool)


# --- fail2ban, the journal, postqueue and the monitor's files -----------------------------------------------

jail_fields = ("|- Currently failed", "|- Total failed", "|- Currently banned", "`- Total banned", "   `- Banned IP list")
jail_text = st.one_of(st.text(max_size=200), st.builds(
    lambda values, extra: "\n".join(["Status for the jail: postfix-sasl"] + ["%s:\t%s" % pair for pair in zip(jail_fields, values)]
                                    + extra), st.lists(st.one_of(st.integers(0, 99).map(str), digit_like, texts), min_size=5, max_size=5),
    st.lists(texts, max_size=2)))
state_text = st.one_of(st.text(max_size=100), json_values.map(json.dumps), st.fixed_dictionaries({}, optional=dict(
    checked=st.one_of(st.just("2026-12-04T11:58:00Z"), json_values), errors=json_values, alerts=st.one_of(
        json_values, st.dictionaries(texts, st.one_of(json_values, st.fixed_dictionaries({}, optional=dict(
            text=json_values, since=json_values, mailed=st.one_of(st.just("2026-12-04T00:00:00Z"), json_values)))),
            max_size=3)))).map(json.dumps))


@FUZZ
@given(jail_text, state_text, st.lists(st.one_of(st.text(max_size=60), json_values.map(json.dumps)), max_size=4),
       st.one_of(texts, st.lists(st.builds("{}:{}".format, st.sampled_from(["inet", "unix", "inet:[::1]", "inet:host"]),
                                           st.one_of(digit_like, words, st.integers(-1, 70000).map(str))), max_size=3).map(", ".join)))
def test_fail2ban_postqueue_and_the_monitor_s_state_are_read_or_refused_naming_the_source(jail, state, queue, milters):
    try:
        status = _monitoring.parse_jail(jail)
    except ValueError as error:
        clean(error, "fail2ban")
    else:
        assert all(isinstance(status[k], int) for k in ("failed_now", "failed_total", "banned_now", "banned_total"))
    try:
        assert _monitoring.queue_size("\n".join(queue)) >= 0
    except ValueError as error:
        clean(error, "postqueue")
    try:
        evidence = _monitoring.state_evidence(state, NOW)
    except ValueError as error:
        clean(error, "the monitor's state")
    else:
        assert evidence["age_minutes"] is None or isinstance(evidence["age_minutes"], float)
        assert all(isinstance(a, str) for a in evidence["alerts"] + evidence["errors"])
        new, mail = _monitoring.decide(_monitoring.read_state(state), {"queue": "the queue holds 9 messages"}, NOW, 6)
        assert set(new["alerts"]) == {"queue"} and len(mail["new"] + mail["ongoing"]) == 1
    for endpoint in _monitoring.milter_endpoints(milters):
        assert endpoint["kind"] == "unix" or 0 < endpoint["address"][1] < 65536
    try:
        config = _monitoring.read_config(state)
    except ValueError as error:
        clean(error, "the monitor's setting")
    else:
        assert all(config[k] >= 1 for k in ("queue_limit", "refusal_limit", "auth_failure_limit"))


# --- ClamAV, SpamAssassin and MIMEDefang configuration -----------------------------------------------------

regexes = st.one_of(texts, st.sampled_from(["a{4294967296}", "a{99999999999999999999}", "(?i", "[z-a]", "\\N{NOPE}", "*",
                                            "Worm", ".*", "(" * 150 + ")" * 150, "Eicar|Win\\.", "x{1,2}{3}", "\\"]))
filter_lines = st.one_of(
    texts, regexes.map("push @MailsecWorms, qr{{{}}}i;".format),
    st.builds("push @MailsecNames, ['{}', qr{{{}}}{}];".format, st.sampled_from(["exe", "", "x y"]), regexes,
              st.sampled_from(["", "i", "x"])),
    st.sampled_from(["$ClamdSock = '/run/clamav/clamd.ctl';", "=pod", "=cut", "__END__", "action_discard();",
                     "action_change_header('X-Virus', 'yes');", "# action_bounce();"]))
shell_text = lines_of(st.builds("{}{}={}".format, st.sampled_from(["", "export ", "  "]), texts,
                                st.one_of(texts, texts.map("'{}'".format), texts.map('"{}"'.format))))


@FUZZ
@given(lines_of(filter_lines), shell_text, st.one_of(texts, st.builds("{}:{}".format, st.sampled_from(
    ["inet", "inet6", "unix", "local", "inet:[::1]", "inet:127.0.0.1"]), st.one_of(words, texts))))
def test_the_filters_configuration_of_any_text_is_read_and_a_bad_worm_pattern_refused_as_a_pattern(perl, shell, milter):
    found = _sanitize.parse_filter(perl)
    assert found["clamd_socket"] is None or isinstance(found["clamd_socket"], str)
    for worm in found["worms"] + found["names"]:
        try:
            hits = _sanitize.worm_matches(worm)
        except re.error:
            continue
        assert set(hits) <= set(_sanitize.ORDINARY_SIGNATURES)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in _sanitize.parse_settings(shell).items())
    address = _filters.milter_address(milter)
    assert address is None or address[0] == "unix" or isinstance(address[2], int)


def test_a_worm_pattern_python_cannot_compile_is_refused_as_a_pattern_and_judged_an_error():
    with pytest.raises(re.error):
        _sanitize.worm_matches(dict(pattern="a{4294967296}", flags="i"))
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["mimedefang"] = dict(installed=True, filter=_sanitize.parse_filter("push @MailsecWorms, qr{a{4294967296}}i;\n"))
    assert set(f["status"] for f in cat.evaluate(evidence, "mx")) <= set(cat.STATUSES)


# --- mailhost_info's readers, through a reader that answers anything ---------------------------------------

class AnyReader(object):
    """mailhost_info's Reader: every command and file answers what is drawn."""

    def __init__(self, data):
        self.data = data

    def run(self, *_argv, **_kwargs):
        return self.data.draw(st.tuples(st.sampled_from([0, 0, 1, None]), st.text(max_size=200),
                                        st.one_of(st.text(max_size=60), st.sampled_from(["\n", "  ", "", "error\n"]))))

    def read(self, _path):
        return self.data.draw(st.one_of(st.tuples(st.text(max_size=200), st.none()), st.just((None, "absent"))))


@FUZZ
@given(st.data())
def test_mailhost_info_reads_any_command_output_and_file_into_evidence(data):
    reader = AnyReader(data)
    packages = dict.fromkeys(("restic", "debsecan", "pflogsumm", "fail2ban", "mimedefang", "rsyslog"), True)
    units = {"fail2ban.service": dict(active="active"), "mailsec-advisories.timer": dict(enabled="enabled")}
    found = dict(backup=mailhost_info._backups(reader, packages, units, now=NOW),
                 advisories=mailhost_info._advisories_state(reader, packages, units, now=NOW),
                 monitoring=mailhost_info._monitoring_state(reader, packages, units, now=NOW),
                 units=mailhost_info._units(reader), packages=mailhost_info._packages(reader),
                 logs=mailhost_info._logs(reader, packages), updates=mailhost_info._updates(reader, packages),
                 mimedefang=mailhost_info._mimedefang(reader, packages, units),
                 opendkim=mailhost_info._opendkim(reader, dict(opendkim=True), units))
    aliases, why = mailhost_info._aliases(reader, data.draw(st.one_of(texts, st.sampled_from(
        ["hash:/etc/aliases", "hash:/etc/aliases, lmdb:/etc/a\x00b"]))))
    assert (aliases is None) == (why is not None)
    assert found["backup"].get("snapshots_error", "") == "" or isinstance(found["backup"]["snapshots_error"], str)
    assert set(f["status"] for f in cat.evaluate(dict(host_evidence("postconf-hardened-mx-debian13.txt"), **found), "mx")) \
        <= set(cat.STATUSES)


@FUZZ
@given(st.text(alphabet=string.ascii_letters + "/.\x00", max_size=20))
def test_a_path_read_from_a_file_with_a_nul_is_a_reason_not_a_traceback(tail):
    path = "/nonexistent/mailsec/%s\x00" % tail
    text, why = mailhost_info.Reader.read(path)
    assert text is None and why.startswith(path)
    facts = mailhost_info._file_facts(path)
    assert facts["exists"] is False and facts["error"]


def test_a_key_table_naming_a_path_with_a_nul_gives_the_key_an_error():
    files = {"/etc/opendkim.conf": "KeyTable file:/etc/opendkim/key.table\n",
             "/etc/opendkim/key.table": "mail dept.example.org:mail:/etc/dkimkeys/mail\x00.private\n"}
    reader = mock.Mock(read=lambda path: (files[path], None) if path in files else (None, "absent"),
                       run=mock.Mock(return_value=(1, "", "")))
    found = mailhost_info._opendkim(reader, dict(opendkim=True), {})
    assert found["signing_keys"][0]["error"].startswith("/etc/dkimkeys/mail\x00.private: ")


@pytest.mark.parametrize("name", ["mx\x00", "mx\udcff", "x" * 300, "ß" * 70])
def test_a_host_name_no_resolver_takes_is_reported_as_postconf_gave_it(name):
    reader = mock.Mock(run=mock.Mock(return_value=(0, "[]", "")))
    with mock.patch.object(mailhost_info.socket, "getaddrinfo", side_effect=socket.gaierror("not asked")):
        host = mailhost_info._host(reader, dict(effective=dict(myhostname=name)))
    assert host == dict(fqdn=name, resolved=[], addresses=[])


# --- The catalogue on evidence with any section replaced by garbage ---------------------------------------

HOST = host_evidence("postconf-hardened-mx-debian13.txt")
SECTIONS = sorted(set(HOST) | {"clamav", "spamassassin", "mimedefang", "opendkim", "opendmarc", "mode"})
garbage = st.one_of(yaml_values, st.sampled_from([{}, [], "", 0, None, {"installed": True}, {"installed": True, "units": 5},
                                                  {"configured": True}, [{}], [None], {"x": {"y": []}}]))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(SECTIONS), st.lists(st.integers(0, 40), max_size=3), garbage), min_size=1, max_size=3),
       st.sampled_from(cat.MODES))
def test_host_evidence_with_any_section_or_field_replaced_by_garbage_is_judged_never_raises(changes, mode):
    evidence = dict(HOST)
    for section, path, value in changes:
        evidence[section] = _jumbled(evidence.get(section), (path, value)) if path else value
    findings = cat.evaluate(evidence, mode)
    assert len(findings) == len(cat.controls(cat.HOST))
    assert set(f["status"] for f in findings) <= set(cat.STATUSES)
    assert all(isinstance(f["note"], str) and isinstance(f["actual"], str) for f in findings)


@FUZZ
@given(st.lists(st.tuples(st.lists(st.integers(0, 40), min_size=1, max_size=4), garbage), min_size=1, max_size=3))
def test_network_evidence_with_any_field_replaced_by_garbage_is_judged_never_raises(changes):
    findings = cat.evaluate(_apply(NETWORK_OK, changes), "mx", source=cat.NETWORK)
    assert set(f["status"] for f in findings) <= set(cat.STATUSES)


@FUZZ
@given(st.sampled_from([cat.DNS, cat.SCAN, cat.SENDER, cat.NETWORK]), st.sampled_from(cat.MODES),
       st.dictionaries(st.sampled_from(["sender", "fcrdns", "registry", "probed", "targets", "proxies", "proxy_ports",
                                        "swept_ports", "address", "mode"]),
                       st.one_of(garbage, st.dictionaries(st.sampled_from(["domains", "addresses", "blocklists_asked",
                                                                           "blocklists", "mta_sts", "published"]),
                                                          st.one_of(garbage, st.lists(st.dictionaries(
                                                              st.sampled_from(["mta_sts", "published", "address", "domain"]),
                                                              garbage, max_size=3), max_size=2)), max_size=3)), max_size=4))
def test_dns_scan_and_sender_evidence_of_any_shape_is_judged_never_raises(source, mode, evidence):
    findings = cat.evaluate(evidence, mode, source=source)
    assert len(findings) == len(cat.controls(source)) and set(f["status"] for f in findings) <= set(cat.STATUSES)
