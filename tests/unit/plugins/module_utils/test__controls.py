# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control catalogue judged against evidence from real Postfix installations.

The fixtures are ``postconf -x`` (values expanded), ``postconf -M`` and ``postconf -P`` output of the postfix role's
hardened mx (Debian 13 and 12) and of a stock ``apt-get install postfix`` (Debian 13 and 12),
cut down to the parameters the catalogue reads.
"""

from __future__ import annotations

import copy
import functools
import pathlib
import re

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _backup
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _nftables
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._postfix_settings import master_services
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue._controls_doc import markdown

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def fixture(name):
    return (FIXTURES / name).read_text()


def host_evidence(postconf, master="master-hardened-mx-debian13.txt", overrides="overrides-hardened-mx-debian13.txt"):
    """Evidence of a well-kept host around the given Postfix configuration."""
    effective = _mailhost.parse_postconf(fixture(postconf))
    return dict(
        host=dict(fqdn="mx.dept.example.org", resolved=["192.0.2.25"]),
        postfix=dict(installed=True, version=effective.get("mail_version"), effective=effective, warnings=[],
                     services=master_services(fixture(master), fixture(overrides)),
                     aliases=dict(root=["alice"], postmaster=["root"]),
                     tls_files=dict(key=dict(path="/etc/ssl/private/mx.key", exists=True, owner="root", mode="0600"),
                                    cert=dict(path="/etc/ssl/certs/mx.pem", exists=True, names=["mx.dept.example.org"],
                                              days_left=300))),
        listeners=[dict(protocol="tcp", address=a, port=p, process="master")
                   for a in ("0.0.0.0", "::") for p in (25, 465, 587)]
        + [dict(protocol="tcp", address="0.0.0.0", port=22, process="sshd")],
        packages={"sendmail": False, "nftables": True},
        units={"postfix.service": dict(active="active", enabled="enabled")},
        firewall=firewall_evidence("nft_mailsec_mx.json"),
        updates=dict(unattended_upgrades_installed=True, periodic_unattended_upgrade="1"),
        logs=dict(storage="persistent", persistent=True, max_retention="90day", retention_days=90.0,
                  rsyslog_installed=False),
        backup=healthy_backup(),
        submission_passwd=dict(exists=True, accounts=[dict(user="alice", scheme="SHA512-CRYPT", slow=True)]),
        advisories=dict(installed=True, timer=dict(enabled="enabled", active="active"), time="2026-12-04T06:00:00Z",
                        age_hours=5.0, fixable=[], history_error=""),
        monitoring=healthy_monitoring(),
    )


def healthy_monitoring():
    """The monitoring role's evidence on a host it watches: both timers, a round two minutes ago with nothing
    wrong, fail2ban's jail with one client banned."""
    return dict(installed=True, timers={"mailsec-mail-summary.timer": dict(enabled="enabled", active="active"),
                                        "mailsec-mail-alerts.timer": dict(enabled="enabled", active="active")},
                checked="2026-12-04T10:00:00Z", age_minutes=2.0, errors=[], alerts=[], state_error="",
                fail2ban=dict(installed=True, active="active", jail="postfix-sasl", error="",
                              status=dict(failed_now=2, failed_total=9, banned_now=1, banned_total=1,
                                          banned=["198.51.100.7"])))


def healthy_backup():
    """The backup role's evidence on a host whose backups run: both timers, a snapshot three hours old of
    every path the role backs up, a check two days ago."""
    return dict(configured=True, installed=True, repository="sftp:backup@store.example.org:/srv/restic/mx",
                timers={"mailsec-backup.timer": dict(enabled="enabled", active="active"),
                        "mailsec-backup-check.timer": dict(enabled="enabled", active="active")},
                latest=dict(id="1a2b3c4d", time="2026-12-04T02:30:01.5+00:00", paths=sorted(_backup.PATHS),
                            hostname="mx.dept.example.org", tags=["mailsec"], age_hours=3.0),
                snapshots_error="", checked="2026-12-02T04:30:00Z", checked_age_days=2.0)


def firewall_evidence(ruleset, admin=("10.88.0.1/32",), ssh_port=None, text=None, mta_users=None):
    """What mailhost_info reports for a live RULESET (a fixture of nft -j list ruleset, or TEXT), asked
    about SSH_PORT (mailsec_ssh_port; not given: the default 22) and MTA_USERS (mailsec_mta_users)."""
    found = dict(nft_available=True)
    if ssh_port is not None:
        found["ssh_port"] = ssh_port
    if mta_users is not None:
        found["mta_users"] = mta_users
    found.update(_nftables.evidence(text or fixture(ruleset), [(ssh_port or 22, "tcp"), (25, "tcp"), (465, "tcp"), (587, "tcp")],
                                    [("nobody", 65534), ("postfix", 100), ("exim", 101)], list(admin),
                                    ssh_port=ssh_port or 22))
    return found


def test_the_ssh_port_the_host_intent_names_is_the_one_judged():
    moved = fixture("nft_mailsec_mx.json").replace('"field": "dport"}}, "right": 22}', '"field": "dport"}}, "right": 2222}')
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    # sshd moved to 2222 and the ruleset with it: the audit must ask about 2222, not 22
    evidence.update(firewall=firewall_evidence(None, ssh_port=2222, text=moved))
    assert by_id(cat.evaluate(evidence, "mx"))["MAIL-NET-008"]["status"] == "pass"
    # the ruleset still opens 22 only: the admins are locked out of 2222
    evidence.update(firewall=firewall_evidence("nft_mailsec_mx.json", ssh_port=2222))
    finding = by_id(cat.evaluate(evidence, "mx"))["MAIL-NET-008"]
    assert finding["status"] == "fail" and "2222" in finding["actual"], finding


def test_the_mta_users_the_host_intent_names_are_the_ones_allowed_out():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    # the ruleset lets uid 100 (postfix) out; a host whose MTA runs as exim is then cut off from port 25
    evidence.update(firewall=firewall_evidence("nft_mailsec_mx.json", mta_users=["exim"]))
    finding = by_id(cat.evaluate(evidence, "mx"))["MAIL-NET-009"]
    assert finding["status"] == "fail" and "exim" in finding["actual"], finding
    evidence.update(firewall=firewall_evidence("nft_mailsec_mx.json", mta_users=["postfix"]))
    assert by_id(cat.evaluate(evidence, "mx"))["MAIL-NET-009"]["status"] == "pass"


def statuses(findings, status):
    return sorted(f["id"] for f in findings if f["status"] == status)


def by_id(findings):
    return dict((f["id"], f) for f in findings)


def test_catalogue_is_consistent():
    assert cat.catalogue_problems() == []
    assert len(cat.CONTROLS) >= 45
    families = set(c.family for c in cat.CONTROLS)
    for family in ("RELAY", "NET", "SMTPD", "DOS", "TLS", "BSC", "ALIAS", "AV", "SPAM", "HOST", "DNS"):
        assert family in families


def test_docs_controls_md_is_generated_from_the_catalogue():
    docs = pathlib.Path(__file__).resolve().parents[4] / "docs" / "controls.md"
    assert docs.read_text() == markdown(), "docs/controls.md is stale: run make controls-doc"


def test_each_setting_is_written_by_one_control():
    written = [name for c in cat.CONTROLS for name in c.settings]
    assert len(written) == len(set(written))
    assert cat.BY_ID["MAIL-SMTPD-002"].settings == {"disable_vrfy_command": "yes"}


@pytest.mark.parametrize("release", ["13", "12"])
def test_hardened_mx_without_filters_fails_only_for_the_filters(release):
    evidence = host_evidence("postconf-hardened-mx-debian%s.txt" % release)
    findings = cat.evaluate(evidence, "mx")
    # ... and for sender authentication, which the mail_auth role adds (mailsec_mail_auth).
    assert statuses(findings, "fail") == ["MAIL-ATT-001", "MAIL-ATT-002", "MAIL-AUTH-001", "MAIL-AUTH-003", "MAIL-AV-002",
                                          "MAIL-SPAM-002"]
    assert "no pcre or regexp table in mime_header_checks" in by_id(findings)["MAIL-ATT-001"]["actual"]
    assert statuses(findings, "error") == []
    # The benchmark rules that contradict a receiving MX are shown waived, with the reason.
    assert statuses(findings, "waived") == ["MAIL-NET-001", "MAIL-RELAY-008"]
    assert "documented deviation" in by_id(findings)["MAIL-RELAY-008"]["note"]
    assert statuses(findings, "not_applicable") == ["MAIL-AUTH-002", "MAIL-AV-001", "MAIL-AV-003", "MAIL-AV-004",
                                                    "MAIL-AV-005", "MAIL-AV-006", "MAIL-AV-007", "MAIL-SPAM-001",
                                                    "MAIL-SPAM-003"]


@functools.lru_cache(maxsize=None)
def _attachment_answer(header):
    """What the collection's own table answers for HEADER (the rules as Postfix applies them).
    Cached: the Base64 rule is large, and every filtering test asks the same probe names."""
    for rule in _attachments.rules(_attachments.DEFAULT_EXTENSIONS):
        body, flags = rule["pattern"][1:].rsplit("/", 1)
        if re.search(body, header, re.I if "i" in flags else 0):
            return rule["action"]
    return ""


def filtering_evidence(release="13"):
    """A hardened receiving server with both filters, as the roles leave it."""
    evidence = host_evidence("postconf-hardened-mx-debian%s.txt" % release)
    effective = evidence["postfix"]["effective"]
    effective.update(smtpd_milters="inet:127.0.0.1:7357, inet:127.0.0.1:7358", milter_default_action="tempfail",
                     mime_header_checks="pcre:/etc/postfix/mailsec_attachments.pcre", message_size_limit="10485760")
    evidence["postfix"]["attachment_probes"] = [
        dict(control=c, table="pcre:/etc/postfix/mailsec_attachments.pcre", header=h, must_refuse=r,
             answer=_attachment_answer(h), error="") for c, h, r in _attachments.PROBES]
    evidence["listeners"] += [dict(protocol="tcp", address="127.0.0.1", port=7357, process="clamav-milter"),
                              dict(protocol="tcp", address="127.0.0.1", port=7358, process="spamass-milter")]
    evidence["clamav"] = dict(
        installed=True, units={"clamav-daemon.service": "active", "clamav-milter.service": "active"},
        signature_age_hours=3, databases=["mailsec-test.hdb"], official_database=False, memory_mb=2048,
        milter_conf=dict(miltersocket="inet:7357@127.0.0.1", oninfected="Reject", onfail="Defer", addheader="Replace",
                         reporthostname="mx.dept.example.org", maxfilesize="10485760"),
        clamd_conf=dict(streammaxlength="10485760", concurrentdatabasereload="no"))
    evidence["spamassassin"] = dict(
        installed=True, units={"spamd.service": "active", "spamass-milter.service": "active"},
        milter_args=["/usr/sbin/spamass-milter", "-p", "inet:7358@127.0.0.1", "-m", "-I", "-i", "127.0.0.1", "-r", "15"],
        config=dict(required_score="5.0", report_safe="0", headers={"all Level": "_STARS(*)_"}))
    return evidence


def test_hardened_mx_with_filters_passes_every_filter_control():
    findings = by_id(cat.evaluate(filtering_evidence(), "mx"))
    for control in ("MAIL-AV-001", "MAIL-AV-002", "MAIL-AV-003", "MAIL-AV-004", "MAIL-AV-005", "MAIL-AV-006",
                    "MAIL-SPAM-001", "MAIL-SPAM-002", "MAIL-SPAM-003", "MAIL-ATT-001", "MAIL-ATT-002"):
        assert findings[control]["status"] == "pass", findings[control]
    assert "-r 15" in findings["MAIL-SPAM-002"]["actual"]
    assert "ClamAV milter inet:127.0.0.1:7357 (clamav-milter)" in findings["MAIL-AV-002"]["actual"]


def test_milters_are_known_by_their_own_configuration_when_socket_owners_are_hidden():
    # Without ptrace rights (containers, hidepid) /proc does not say who owns a socket: the milter is
    # then recognised by the daemon configuration naming the socket that smtpd_milters uses.
    evidence = filtering_evidence()
    for listener in evidence["listeners"]:
        listener["process"] = None
    findings = by_id(cat.evaluate(evidence, "mx"))
    assert findings["MAIL-AV-002"]["status"] == "pass", findings["MAIL-AV-002"]
    assert findings["MAIL-SPAM-002"]["status"] == "pass", findings["MAIL-SPAM-002"]


def test_a_chrooted_unix_milter_is_matched_under_the_queue_directory():
    evidence = filtering_evidence()
    evidence["postfix"]["effective"].update(smtpd_milters="unix:/clamav/clamav-milter.ctl",
                                            queue_directory="/var/spool/postfix")
    evidence["clamav"]["milter_conf"]["miltersocket"] = "/var/spool/postfix/clamav/clamav-milter.ctl"
    assert by_id(cat.evaluate(evidence, "mx"))["MAIL-AV-002"]["status"] == "pass"


def test_the_roles_unix_milters_named_relative_to_the_queue_directory_are_recognised():
    # The clamav and spamassassin roles put the milters' sockets in Postfix's queue directory, and the postfix
    # role names them relative to it (smtpd works there, chrooted or not).
    evidence = filtering_evidence()
    evidence["postfix"]["effective"].update(smtpd_milters="unix:clamav/clamav-milter.ctl, unix:spamass/spamass.sock",
                                            queue_directory="/var/spool/postfix")
    evidence["listeners"] = [item for item in evidence["listeners"] if item["port"] not in (7357, 7358)]
    evidence["clamav"]["milter_conf"]["miltersocket"] = "unix:/var/spool/postfix/clamav/clamav-milter.ctl"
    evidence["spamassassin"]["milter_args"][2] = "unix:/var/spool/postfix/spamass/spamass.sock"
    findings = by_id(cat.evaluate(evidence, "mx"))
    assert findings["MAIL-AV-002"]["status"] == "pass", findings["MAIL-AV-002"]
    assert "ClamAV milter unix:clamav/clamav-milter.ctl (clamav-milter)" in findings["MAIL-AV-002"]["actual"]
    assert findings["MAIL-SPAM-002"]["status"] == "pass", findings["MAIL-SPAM-002"]
    # the daemon is named from its own configuration only where that names the same socket
    evidence["clamav"]["milter_conf"]["miltersocket"] = "unix:/run/clamav/clamav-milter.ctl"
    assert "(clamav-milter)" not in by_id(cat.evaluate(evidence, "mx"))["MAIL-AV-002"]["actual"]


def _silent(evidence):
    evidence["listeners"] = [dict(item, process=None) for item in evidence["listeners"] if item["port"] != 7357]


@pytest.mark.parametrize("control, change, says", [
    ("MAIL-AV-002", lambda e: e["listeners"].pop(-2), "no ClamAV milter in smtpd_milters"),
    ("MAIL-AV-002", _silent, "no ClamAV milter in smtpd_milters"),
    ("MAIL-AV-002", lambda e: e["clamav"]["milter_conf"].update(miltersocket="inet:7000@127.0.0.1")
     or e["listeners"].__setitem__(-2, dict(e["listeners"][-2], process=None)), "no ClamAV milter"),
    ("MAIL-AV-002", lambda e: e["postfix"]["effective"].update(
        smtpd_milters="{ inet:127.0.0.1:7357, default_action = accept }, inet:127.0.0.1:7358"),
     "{ inet:127.0.0.1:7357, default_action = accept } lets mail through unscanned"),
    ("MAIL-AV-002", lambda e: e["postfix"]["effective"].update(milter_default_action="accept"), "unscanned"),
    ("MAIL-AV-003", lambda e: e["clamav"]["milter_conf"].update(oninfected="Quarantine"), "OnInfected Quarantine"),
    ("MAIL-AV-004", lambda e: e["clamav"]["milter_conf"].pop("addheader"), "AddHeader no"),
    ("MAIL-AV-005", lambda e: e["clamav"]["milter_conf"].update(maxfilesize="5M"), "delivered unscanned"),
    ("MAIL-AV-005", lambda e: e["clamav"]["clamd_conf"].update(streammaxlength="1M"), "below clamav-milter's"),
    ("MAIL-AV-006", lambda e: e["clamav"]["clamd_conf"].update(concurrentdatabasereload="yes"), "two databases"),
    ("MAIL-AV-006", lambda e: e["clamav"].update(official_database=True), "needs 3072 MiB"),
    ("MAIL-AV-001", lambda e: e["clamav"].update(signature_age_hours=200), "200 hours old"),
    ("MAIL-SPAM-002", lambda e: e["spamassassin"].update(milter_args=["/usr/sbin/spamass-milter", "-m"]), "never refused"),
    ("MAIL-SPAM-003", lambda e: e["spamassassin"]["config"].update(report_safe="1"), "report_safe 1"),
    ("MAIL-SPAM-003", lambda e: e["spamassassin"]["config"].update(headers={}), "no star header"),
    ("MAIL-ATT-001", lambda e: [p.update(answer="") for p in e["postfix"]["attachment_probes"]
                                if "x.js" in p["header"]], "not refused: Content-Type: application/javascript"),
    ("MAIL-ATT-001", lambda e: [p.update(answer="REJECT no") for p in e["postfix"]["attachment_probes"]
                                if "report.pdf" in p["header"]], "refused: Content-Disposition: attachment; filename=\"report.pdf\""),
    ("MAIL-ATT-002", lambda e: [p.update(answer="") for p in e["postfix"]["attachment_probes"]
                                if "pdf .exe" in p["header"]], "not refused"),
])
def test_each_filter_fault_fails_its_control_with_evidence(control, change, says):
    evidence = filtering_evidence()
    change(evidence)
    finding = by_id(cat.evaluate(evidence, "mx"))[control]
    assert finding["status"] == "fail", finding
    assert says in finding["actual"], finding["actual"]


def test_submission_controls_judge_the_master_cf_overrides():
    findings = by_id(cat.evaluate(host_evidence("postconf-hardened-mx-debian13.txt"), "mx"))
    for control in ("MAIL-RELAY-009", "MAIL-RELAY-010", "MAIL-DOS-003", "MAIL-TLS-002"):
        assert findings[control]["status"] == "pass", findings[control]
    assert "smtpd_client_auth_rate_limit = 5" in findings["MAIL-DOS-003"]["actual"]


def test_submission_without_tls_only_auth_fails():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    for service in evidence["postfix"]["services"]:
        if service["port"] == 587:
            service["overrides"]["smtpd_tls_auth_only"] = "no"
            service["overrides"]["smtpd_tls_security_level"] = "may"
    findings = by_id(cat.evaluate(evidence, "mx"))
    assert findings["MAIL-RELAY-009"]["status"] == "fail"
    assert "smtpd_tls_security_level = may" in findings["MAIL-RELAY-009"]["actual"]
    assert findings["MAIL-TLS-002"]["status"] == "fail"


def test_no_submission_makes_its_controls_not_applicable():
    evidence = host_evidence("postconf-stock-debian13.txt", "master-stock-debian13.txt", "overrides-stock-debian13.txt")
    findings = by_id(cat.evaluate(evidence, "mx"))
    for control in ("MAIL-RELAY-010", "MAIL-DOS-003", "MAIL-TLS-002"):
        assert findings[control]["status"] == "not_applicable"
        assert "submission not present" in findings[control]["note"]
    assert findings["MAIL-RELAY-009"]["status"] == "pass"


@pytest.mark.parametrize("release", ["13", "12"])
def test_stock_debian_postfix_gets_the_findings_a_reviewer_expects(release):
    evidence = host_evidence("postconf-stock-debian%s.txt" % release, "master-stock-debian13.txt",
                             "overrides-stock-debian13.txt")
    # Debian's snakeoil pair: the key is readable by group ssl-cert.
    evidence["postfix"]["tls_files"] = dict(
        key=dict(path="/etc/ssl/private/ssl-cert-snakeoil.key", exists=True, owner="root", mode="0640"),
        cert=dict(path="/etc/ssl/certs/ssl-cert-snakeoil.pem", exists=True, names=["stock.dept.example.org"],
                  days_left=3650))
    findings = by_id(cat.evaluate(evidence, "mx"))
    expected = {
        "MAIL-SMTPD-001",  # ESMTP Postfix (Debian)
        "MAIL-SMTPD-002",  # VRFY on
        "MAIL-SMTPD-003", "MAIL-SMTPD-004", "MAIL-SMTPD-005", "MAIL-SMTPD-006",
        "MAIL-RELAY-007",  # percent hack and bang paths on
        "MAIL-DOS-002",    # no connection rate limit
        "MAIL-TLS-003",    # >=TLSv1
        "MAIL-TLS-005",    # snakeoil key readable by group ssl-cert
        "MAIL-TLS-007",    # no TLS logging
        "MAIL-AV-002", "MAIL-SPAM-002",
        "MAIL-ATT-001", "MAIL-ATT-002",  # no attachment policy
        "MAIL-AUTH-001", "MAIL-AUTH-003",  # nothing signed, no SPF or DMARC check
    }
    if release == "12":
        expected.add("MAIL-SMTPD-007")  # Postfix 3.7 does not refuse bare newlines by default
    assert set(statuses(findings.values(), "fail")) == expected
    assert findings["MAIL-RELAY-001"]["status"] == "pass"  # defer_unauth_destination closes it
    assert "defer_unauth_destination" in findings["MAIL-RELAY-001"]["actual"]
    assert "ESMTP Postfix (Debian" in findings["MAIL-SMTPD-001"]["actual"]


PLANTED = [
    ("MAIL-RELAY-001", {"smtpd_relay_restrictions": "permit_mynetworks, permit"}, "permit"),
    ("MAIL-RELAY-001", {"smtpd_relay_restrictions": "", "smtpd_recipient_restrictions": ""}, "both empty"),
    ("MAIL-RELAY-002", {"smtpd_recipient_restrictions": "check_helo_access hash:/etc/postfix/helo, "
                                                        "reject_unauth_destination"}, "check_helo_access"),
    ("MAIL-RELAY-003", {"mynetworks": "127.0.0.0/8 10.0.0.0/8"}, "10.0.0.0/8"),
    ("MAIL-RELAY-003", {"mynetworks_style": "class"}, "class"),
    ("MAIL-RELAY-003", {"mynetworks": "127.0.0.0/8 hash:/etc/postfix/trusted"}, "cannot be judged"),
    ("MAIL-RELAY-004", {"relay_domains": "example.com"}, "example.com"),
    ("MAIL-RELAY-005", {"allow_untrusted_routing": "yes"}, "yes"),
    ("MAIL-RELAY-006", {"resolve_dequoted_address": "no"}, "no"),
    ("MAIL-RELAY-012", {"smtpd_reject_unlisted_recipient": "no"}, "no"),
    ("MAIL-SMTPD-001", {"smtpd_banner": "mx.dept.example.org ESMTP Postfix 3.10.13"}, "Postfix"),
    ("MAIL-SMTPD-007", {"smtpd_forbid_bare_newline": "no"}, "no"),
    ("MAIL-SMTPD-009", {"compatibility_level": "2"}, "2"),
    ("MAIL-SMTPD-010", {"smtpd_authorized_xclient_hosts": "0.0.0.0/0"}, "0.0.0.0/0"),
    ("MAIL-DOS-001", {"smtpd_client_connection_count_limit": "0"}, "0"),
    ("MAIL-DOS-004", {"message_size_limit": "0"}, "message_size_limit = 0"),
    ("MAIL-DOS-005", {"smtpd_error_sleep_time": "0s"}, "at least 1"),
    ("MAIL-TLS-001", {"smtpd_tls_security_level": "encrypt"}, "encrypt"),
    ("MAIL-TLS-003", {"smtpd_tls_protocols": "!SSLv2, !SSLv3"}, "!SSLv2"),
    ("MAIL-TLS-006", {"smtp_tls_security_level": ""}, "smtp_tls_security_level"),
    ("MAIL-BSC-001", {"smtpd_sender_restrictions": "reject_unverified_sender"}, "smtpd_sender_restrictions"),
    ("MAIL-BSC-002", {"soft_bounce": "yes"}, "soft_bounce = yes"),
    ("MAIL-DNS-004", {"smtp_helo_name": "localhost"}, "localhost"),
    ("MAIL-DNS-005", {"smtpd_client_restrictions": "permit_mynetworks, reject_unknown_client_hostname",
                      "unknown_client_reject_code": "550"}, "unknown_client_reject_code = 550"),
    ("MAIL-AV-002", {"smtpd_milters": "unix:/run/clamav/clamav-milter.ctl", "milter_default_action": "accept"},
     "accept"),
]


@pytest.mark.parametrize("control, values, shown", PLANTED, ids=["%s-%d" % (p[0], i) for i, p in enumerate(PLANTED)])
def test_each_planted_fault_fails_its_control_with_the_evidence(control, values, shown):
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"]["effective"].update(values)
    findings = by_id(cat.evaluate(evidence, "mx"))
    assert findings[control]["status"] == "fail", findings[control]
    assert shown in findings[control]["actual"]


def test_sender_verification_behind_warn_if_reject_passes():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"]["effective"]["smtpd_sender_restrictions"] = "warn_if_reject reject_unverified_sender"
    assert by_id(cat.evaluate(evidence, "mx"))["MAIL-BSC-001"]["status"] == "pass"


@pytest.mark.parametrize("change, control, shown", [
    (lambda e: e["listeners"].append(dict(protocol="tcp", address="0.0.0.0", port=3306, process="mariadbd")),
     "MAIL-NET-006", "3306/tcp"),
    (lambda e: e["packages"].update(sendmail=True), "MAIL-NET-004", "sendmail is installed"),
    (lambda e: e["units"]["postfix.service"].update(active="failed"), "MAIL-NET-005", "failed"),
    (lambda e: e["firewall"].update(input_policy="accept"), "MAIL-NET-003", "accept"),
    (lambda e: e.update(firewall=firewall_evidence("nft_debian_default.json")), "MAIL-NET-007", "22/tcp"),
    (lambda e: e.update(firewall=firewall_evidence("nft_debian_default.json")), "MAIL-NET-008",
     "22/tcp ipv4: accept by policy of inet filter input"),
    (lambda e: e.update(firewall=firewall_evidence("nft_debian_default.json")), "MAIL-NET-009",
     "25/tcp ipv4 as nobody: accept"),
    (lambda e: e.update(firewall=firewall_evidence("nft_mailsec_mx.json", admin=("192.0.2.0/24",))), "MAIL-NET-008",
     "from 192.0.2.1: drop"),
    (lambda e: [a.update(verdict="drop", by="policy of inet mailsec input") for a in e["firewall"]["inbound"]
                if a["port"] == 25], "MAIL-NET-007", "wrong: 25/tcp ipv4: drop by policy"),
    (lambda e: e["logs"].update(storage="volatile", persistent=False), "MAIL-HOST-002", "Storage=volatile"),
    (lambda e: e["logs"].update(retention_days=7.0, max_retention="1week"), "MAIL-HOST-002", "MaxRetentionSec=1week"),
    (lambda e: e["updates"].update(periodic_unattended_upgrade="0"), "MAIL-HOST-001", "\"0\""),
    (lambda e: e["postfix"]["aliases"].update(root=["root"]), "MAIL-ALIAS-001", "root -> root"),
    (lambda e: e["postfix"]["aliases"].pop("postmaster"), "MAIL-ALIAS-002", "postmaster -> (none)"),
    (lambda e: e["postfix"]["tls_files"]["key"].update(mode="0644"), "MAIL-TLS-005", "mode 0644"),
    (lambda e: e["postfix"]["tls_files"]["cert"].update(days_left=-3), "MAIL-TLS-005", "expired 3 days ago"),
    (lambda e: e["postfix"]["tls_files"]["cert"].update(names=["localhost"]), "MAIL-TLS-005", "not mx.dept"),
    (lambda e: e["host"].update(fqdn="mx"), "MAIL-DNS-001", "not a fully qualified"),
    (lambda e: e["host"].update(resolved=[]), "MAIL-DNS-001", "resolves to (none)"),
    (lambda e: e["postfix"].update(warnings=["postconf: warning: /etc/postfix/main.cf: unused parameter: x=1"]),
     "MAIL-SMTPD-008", "unused parameter"),
])
def test_host_faults_fail_their_control(change, control, shown):
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    change(evidence)
    finding = by_id(cat.evaluate(evidence, "mx"))[control]
    assert finding["status"] == "fail", finding
    assert shown in finding["actual"]


def test_the_mta_sts_web_server_is_expected_on_port_443_and_nothing_else_is():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    served = dict(protocol="tcp", address="0.0.0.0", port=443, process="nginx", unit="mailsec-mta-sts.service")
    evidence["listeners"].append(served)
    assert by_id(cat.evaluate(evidence, "mx"))["MAIL-NET-006"]["status"] == "pass"
    # the same port held by another unit, or the role's unit on a relay client, is a stray
    evidence["listeners"][-1] = dict(served, unit="apache2.service", process="apache2")
    finding = by_id(cat.evaluate(evidence, "mx"))["MAIL-NET-006"]
    assert finding["status"] == "fail" and "443/tcp 0.0.0.0 (apache2)" in finding["actual"]
    evidence["listeners"][-1] = served
    assert by_id(cat.evaluate(evidence, "relay_client"))["MAIL-NET-006"]["status"] == "fail"


def test_the_role_table_with_extra_services_passes_the_firewall_controls():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["firewall"] = firewall_evidence("nft_mailsec_extended.json", admin=("10.88.0.1/32", "fd00::/64"))
    findings = by_id(cat.evaluate(evidence, "mx"))
    for control in ("MAIL-NET-003", "MAIL-NET-007", "MAIL-NET-008", "MAIL-NET-009"):
        assert findings[control]["status"] == "pass", findings[control]
    assert findings["MAIL-NET-007"]["actual"] == "open to a stranger: 25/tcp"


def test_a_stray_listener_in_master_cf_fails():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"]["services"].append(dict(service="2526", type="inet", command="smtpd", address=None, port=2526,
                                                overrides={"smtpd_upstream_proxy_protocol": "haproxy"}))
    finding = by_id(cat.evaluate(evidence, "mx"))["MAIL-NET-002"]
    assert finding["status"] == "fail" and "2526" in finding["actual"]


def test_null_client_keeps_the_stig_list_and_local_only():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"]["effective"].update(inet_interfaces="loopback-only",
                                            smtpd_client_restrictions="permit_mynetworks, reject")
    evidence["listeners"] = [dict(protocol="tcp", address="127.0.0.1", port=25, process="master"),
                             dict(protocol="tcp", address="::1", port=25, process="master")]
    findings = by_id(cat.evaluate(evidence, "relay_client"))
    assert findings["MAIL-RELAY-008"]["status"] == "pass"
    assert findings["MAIL-NET-001"]["status"] == "pass"
    # Receiving-MX controls do not apply.
    assert findings["MAIL-AV-002"]["status"] == "not_applicable"
    assert findings["MAIL-TLS-001"]["status"] == "not_applicable"
    evidence["listeners"].append(dict(protocol="tcp", address="0.0.0.0", port=25, process="master"))
    assert by_id(cat.evaluate(evidence, "relay_client"))["MAIL-NET-001"]["status"] == "fail"


def test_a_host_without_postfix_gets_not_applicable_and_no_error():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"] = dict(installed=False)
    # a host without the MTA has no postfix user: outbound SMTP is judged for nobody only
    evidence["firewall"]["outbound"] = [a for a in evidence["firewall"]["outbound"] if a["user"] != "postfix"]
    evidence["listeners"] = [dict(protocol="tcp", address="0.0.0.0", port=22, process="sshd")]
    findings = cat.evaluate(evidence, "local_only")
    assert statuses(findings, "error") == []
    assert statuses(findings, "fail") == []
    assert by_id(findings)["MAIL-SMTPD-002"]["note"] == "postfix not present on this host"


def test_unreadable_configuration_is_an_error_not_a_pass():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"]["error"] = "postconf: fatal: /etc/postfix/main.cf, line 3: missing '=' after attribute name"
    finding = by_id(cat.evaluate(evidence, "mx"))["MAIL-SMTPD-002"]
    assert finding["status"] == "error"
    assert "missing '='" in finding["note"]


def test_missing_evidence_is_an_error():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    del evidence["firewall"]
    del evidence["postfix"]["effective"]["disable_vrfy_command"]
    findings = by_id(cat.evaluate(evidence, "mx"))
    assert findings["MAIL-NET-003"]["status"] == "error"
    assert findings["MAIL-SMTPD-002"]["status"] == "error"
    assert "disable_vrfy_command" in findings["MAIL-SMTPD-002"]["note"]


def test_garbage_evidence_never_raises():
    for garbage in (None, [], "text", {"postfix": "x"}, {"postfix": {"installed": True, "effective": []}},
                    {"postfix": {"installed": True, "services": "x"}, "listeners": {"a": 1}}):
        findings = cat.evaluate(garbage, "mx")
        assert len(findings) == len(cat.controls(cat.HOST))
        assert set(f["status"] for f in findings) <= set(cat.STATUSES)


NETWORK_OK = dict(targets=[
    dict(address="192.0.2.25", port=25, banner="mx.dept.example.org ESMTP", relay=dict(verdict="closed"),
         tls_versions={"TLSv1": False, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": True}, vrfy=502, expn=502,
         starttls_offered=True, auth_offered=False, auth_offered_before_tls=False, proxy_extensions=[]),
    dict(address="2001:db8::25", port=587, banner="mx.dept.example.org ESMTP", relay=dict(verdict="auth_required"),
         tls_versions={"TLSv1": False, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": True}, vrfy=502, expn=502,
         starttls_offered=True, auth_offered=True, auth_offered_before_tls=False, proxy_extensions=[]),
])


def test_network_evidence_of_a_hardened_server_passes():
    findings = cat.evaluate(NETWORK_OK, "mx", source=cat.NETWORK)
    assert statuses(findings, "pass") == sorted(c.id for c in cat.controls(cat.NETWORK))


@pytest.mark.parametrize("change, control, shown", [
    (lambda t: t[0].update(relay=dict(verdict="open", accepted=["MAIL FROM:<a@b> -> RCPT TO:<c@d>"])),
     "MAIL-RELAY-011", "192.0.2.25:25 open"),
    (lambda t: t[1]["tls_versions"].update({"TLSv1": True}), "MAIL-TLS-008", "[2001:db8::25]:587 accepts TLSv1"),
    (lambda t: t[0].update(banner="mx ESMTP Postfix (Debian/GNU)"), "MAIL-SMTPD-011", "Postfix"),
    (lambda t: t[0].update(vrfy=252), "MAIL-SMTPD-012", "VRFY answered 252"),
    (lambda t: t[0].update(starttls_offered=False), "MAIL-TLS-009", "none of 192.0.2.25:25"),
    (lambda t: t[1].update(auth_offered_before_tls=True), "MAIL-TLS-010", "offers AUTH before TLS"),
    (lambda t: t[0].update(proxy_extensions=["XCLIENT"]), "MAIL-SMTPD-013", "advertises XCLIENT"),
])
def test_network_faults_fail_their_control(change, control, shown):
    network = copy.deepcopy(NETWORK_OK)
    change(network["targets"])
    finding = by_id(cat.evaluate(network, "mx", source=cat.NETWORK))[control]
    assert finding["status"] == "fail", finding
    assert shown in finding["actual"]


def test_role_settings_follow_the_mode():
    mx = dict((g["id"], dict(g["settings"])) for g in cat.role_settings("mx"))
    client = dict((g["id"], dict(g["settings"])) for g in cat.role_settings("relay_client"))
    assert mx["MAIL-SMTPD-002"] == {"disable_vrfy_command": "yes"}
    assert "MAIL-RELAY-008" not in mx
    assert client["MAIL-RELAY-008"] == {"smtpd_client_restrictions": "permit_mynetworks, reject"}
    with pytest.raises(ValueError):
        cat.role_settings("open")


@pytest.mark.parametrize("values, mode", [
    (dict(inet_interfaces="all", relayhost="", mydestination="$myhostname"), "mx"),
    (dict(inet_interfaces="loopback-only", relayhost="[hub.example.org]:25", mydestination=""), "relay_client"),
    (dict(inet_interfaces="loopback-only", relayhost="", mydestination="$myhostname, localhost"), "local_only"),
])
def test_mode_is_inferred_from_the_settings(values, mode):
    assert cat.infer_mode(dict(postfix=dict(installed=True, effective=values))) == mode


def test_a_host_without_postfix_is_judged_as_a_non_mail_host():
    evidence = dict(postfix=dict(installed=False))
    assert cat.infer_mode(evidence) == "local_only"
    # Absent components win over documented deviations: nothing to waive on a host without Postfix.
    findings = by_id(cat.evaluate(evidence, "mx"))
    assert findings["MAIL-RELAY-008"]["status"] == "not_applicable"


def test_a_host_where_nothing_answers_passes_the_relay_control_and_says_so():
    silent = dict(probed=[dict(address="192.0.2.25", port=25, answered=False, error="connection refused")], targets=[])
    findings = by_id(cat.evaluate(silent, "local_only", source=cat.NETWORK))
    assert findings["MAIL-RELAY-011"]["status"] == "pass"
    assert findings["MAIL-RELAY-011"]["actual"] == "no listener answered on 192.0.2.25:25"
    assert findings["MAIL-TLS-008"]["status"] == "pass"


def test_no_probe_at_all_is_an_error_not_a_pass():
    findings = cat.evaluate(dict(targets=[]), "mx", source=cat.NETWORK)
    assert statuses(findings, "error") == sorted(c.id for c in cat.controls(cat.NETWORK) if "mx" in c.modes)


def test_a_battery_that_could_not_run_is_an_error_unless_another_listener_is_open():
    network = copy.deepcopy(NETWORK_OK)
    network["targets"][1]["relay"] = dict(verdict="error", accepted=[], error="connection reset")
    assert by_id(cat.evaluate(network, "mx", source=cat.NETWORK))["MAIL-RELAY-011"]["status"] == "error"
    network["targets"][0]["relay"] = dict(verdict="open", accepted=["N1"])
    assert by_id(cat.evaluate(network, "mx", source=cat.NETWORK))["MAIL-RELAY-011"]["status"] == "fail"


def test_an_old_tls_version_the_vantage_point_could_not_offer_is_an_error():
    network = copy.deepcopy(NETWORK_OK)
    network["targets"][0]["tls_versions"]["TLSv1.1"] = None
    finding = by_id(cat.evaluate(network, "mx", source=cat.NETWORK))["MAIL-TLS-008"]
    assert finding["status"] == "error"
    assert "TLSv1.1 could not be tried" in finding["note"]


def test_soft_reverse_dns_checks_on_clients_pass():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"]["effective"].update(smtpd_client_restrictions="reject_unknown_reverse_client_hostname",
                                            unknown_client_reject_code="450")
    finding = by_id(cat.evaluate(evidence, "mx"))["MAIL-DNS-005"]
    assert finding["status"] == "pass" and "unknown_client_reject_code = 450" in finding["actual"]


def test_dns_controls_without_dns_evidence_are_errors_and_apply_to_mx_only():
    findings = by_id(cat.evaluate({}, "mx", source=cat.DNS))
    assert set(findings) == {"MAIL-DNS-002", "MAIL-DNS-003", "MAIL-DNS-007", "MAIL-DNS-008", "MAIL-DNS-009"}
    # the blocklist control needs blocklists to ask (audit_blocklists)
    assert findings.pop("MAIL-DNS-009")["status"] == "not_applicable"
    assert all(f["status"] == "error" for f in findings.values())
    assert all(f["status"] == "not_applicable" for f in cat.evaluate({}, "relay_client", source=cat.DNS))


@pytest.mark.parametrize("control, setting, weak", [
    ("MAIL-SMTPD-005", "strict_rfc821_envelopes", "no"),
    ("MAIL-SMTPD-006", "smtpd_forbid_unauth_pipelining", "no"),
    ("MAIL-DOS-002", "anvil_rate_time_unit", "3600s"),
    ("MAIL-TLS-004", "tls_preempt_cipherlist", "yes"),
])
def test_a_control_judges_the_settings_it_writes_without_spelling_them_again(control, setting, weak):
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    assert by_id(cat.evaluate(evidence, "mx"))[control]["status"] == "pass"
    evidence["postfix"]["effective"][setting] = weak
    finding = by_id(cat.evaluate(evidence, "mx"))[control]
    assert finding["status"] == "fail" and weak in finding["actual"], finding


@pytest.mark.parametrize("days, status, words", [
    (300, "pass", "ends in 300 days"),
    (cat.CERT_RENEW_DAYS, "pass", "ends in %d days" % cat.CERT_RENEW_DAYS),
    (cat.CERT_RENEW_DAYS - 1, "fail", "inside the %d-day renewal window" % cat.CERT_RENEW_DAYS),
    (-3, "fail", "ends in -3 days"),
])
def test_a_certificate_near_its_end_is_a_finding_before_it_expires(days, status, words):
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"]["tls_files"]["cert"].update(days_left=days, not_after="2027-01-01T00:00:00+00:00")
    findings = by_id(cat.evaluate(evidence, "mx"))
    assert findings["MAIL-TLS-011"]["status"] == status and words in findings["MAIL-TLS-011"]["actual"]
    # the soundness control fails only a certificate that has already ended
    assert findings["MAIL-TLS-005"]["status"] == ("fail" if days < 0 else "pass")


def test_an_unread_end_date_is_not_judged_as_lasting():
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["postfix"]["tls_files"]["cert"].update(days_left=None, error="unable to load certificate")
    finding = by_id(cat.evaluate(evidence, "mx"))["MAIL-TLS-011"]
    assert finding["status"] == "error" and "unable to load certificate" in finding["actual"] + finding.get("note", "")


def auth_evidence():
    """A hardened receiving server with the mail_auth role's milters and SPF policy service."""
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    effective = evidence["postfix"]["effective"]
    effective.update(smtpd_milters="inet:127.0.0.1:8891, inet:127.0.0.1:8893", non_smtpd_milters="inet:127.0.0.1:8891",
                     milter_default_action="tempfail", myorigin="dept.example.org",
                     smtpd_sender_restrictions="reject_non_fqdn_sender, check_policy_service unix:private/policyd-spf")
    evidence["postfix"]["services"].append(dict(service="policyd-spf", type="unix", private="-", command="spawn",
                                                address=None, port=None, overrides={}))
    evidence["listeners"] += [dict(protocol="tcp", address="127.0.0.1", port=8891, process="opendkim"),
                              dict(protocol="tcp", address="127.0.0.1", port=8893, process="opendmarc")]
    evidence["opendkim"] = dict(
        installed=True, units={"opendkim.service": "active"}, conf=dict(mode="sv", socket="inet:8891@127.0.0.1"),
        signing_keys=[dict(name="mail._domainkey.dept.example.org", domain="dept.example.org", selector="mail",
                           path="/etc/dkimkeys/dept.example.org/mail.private", mode="0600", owner="opendkim", bits=2048,
                           public_key="MIIB")],
        signing=[dict(pattern="dept.example.org", name="mail._domainkey.dept.example.org")])
    evidence["opendmarc"] = dict(installed=True, units={"opendmarc.service": "active"}, conf=dict(socket="inet:8893@127.0.0.1"))
    return evidence


def test_a_server_with_sender_authentication_passes_its_host_controls():
    findings = by_id(cat.evaluate(auth_evidence(), "mx"))
    for control in ("MAIL-AUTH-001", "MAIL-AUTH-002", "MAIL-AUTH-003"):
        assert findings[control]["status"] == "pass", findings[control]
    assert "non_smtpd_milters signs local mail too" in findings["MAIL-AUTH-001"]["actual"]
    assert "unix:private/policyd-spf" in findings["MAIL-AUTH-003"]["actual"]


@pytest.mark.parametrize("control, fault, says", [
    ("MAIL-AUTH-001", lambda e: e["postfix"]["effective"].update(non_smtpd_milters=""), "leaves unsigned"),
    ("MAIL-AUTH-001", lambda e: e["postfix"]["effective"].update(smtpd_milters="inet:127.0.0.1:8893"),
     "no OpenDKIM milter in smtpd_milters"),
    ("MAIL-AUTH-001", lambda e: e["postfix"]["effective"].update(milter_default_action="accept"), "milter_default_action = accept"),
    ("MAIL-AUTH-001", lambda e: e["opendkim"].update(signing=[]), "no key for dept.example.org"),
    ("MAIL-AUTH-001", lambda e: e["opendkim"]["conf"].update(mode="v"), "does not sign"),
    ("MAIL-AUTH-002", lambda e: e["opendkim"]["signing_keys"][0].update(bits=1024), "1024 bits"),
    ("MAIL-AUTH-002", lambda e: e["opendkim"]["signing_keys"][0].update(mode="0640"), "mode 0640"),
    ("MAIL-AUTH-002", lambda e: e["opendkim"]["signing_keys"][0].update(owner="www-data"), "belongs to www-data"),
    ("MAIL-AUTH-002", lambda e: e["opendkim"].update(signing_keys=[]), "lists no key"),
    ("MAIL-AUTH-003", lambda e: e["postfix"]["effective"].update(smtpd_milters="inet:127.0.0.1:8893, inet:127.0.0.1:8891"),
     "OpenDMARC comes before OpenDKIM"),
    ("MAIL-AUTH-003", lambda e: e["postfix"]["effective"].update(smtpd_sender_restrictions="reject_non_fqdn_sender"),
     "no SPF policy service"),
    ("MAIL-AUTH-003", lambda e: e["postfix"]["services"].pop(), "no SPF policy service"),
])
def test_each_sender_authentication_fault_fails_its_control_with_evidence(control, fault, says):
    evidence = auth_evidence()
    fault(evidence)
    finding = by_id(cat.evaluate(evidence, "mx"))[control]
    assert finding["status"] == "fail" and says in finding["actual"], finding
