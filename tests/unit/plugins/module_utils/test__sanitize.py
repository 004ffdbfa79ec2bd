# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sanitize mode in the audit: MIMEDefang's settings and filter read into evidence, and the virus and
attachment controls judging a host whose virus milter is MIMEDefang instead of failing it.

The host is the hardened receiving server with both filters of test__controls, switched to sanitize
mode as the roles leave it: MIMEDefang on 127.0.0.1:8899 in clamav-milter's place, clamav-milter
stopped, no mime_header_checks. Its filter has the lines the mimedefang role writes, with the
attachment-name and worm rules made by the same functions the role's sanitize_policy filter calls.
"""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _sanitize
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__controls import (
    by_id,
    filtering_evidence,
)

SETTINGS = """\
# Managed by Ansible
SOCKET=inet:8899@127.0.0.1
MX_USER=defang
MD_ALLOW_GROUP_ACCESS=yes
X_SCANNED_BY=-
"""
# The body of the role's filter, cut down to the calls the audit reads.
BODY = """\
# Nothing here writes to the sender: no action_notify_sender() and no bounce message.
sub filter_begin {
    my ($code, $category, $action) = message_contains_virus_clamd();
    return action_tempfail('The virus scanner is not available') if $action eq 'tempfail';
    return action_discard() if $FoundVirus && mailsec_is_worm($VirusName);
}
sub filter {
    my ($entity, $fname, $ext, $type) = @_;
    my ($code, $category, $action) = entity_contains_virus_clamd($entity);
    return action_tempfail('The virus scanner is not available') if $action eq 'tempfail';
    return action_drop_with_warning("The attachment was removed: $VirusName") if $category eq 'virus';
    return action_replace_with_warning("The attachment was removed") if defined mailsec_bad_name($entity);
    return action_accept();
}
sub filter_end {
    return action_bounce("Virus $VirusName found in this message") if $FoundVirus && !$MailsecRemoved;
    action_change_header('X-Virus-Scanned', 'clamd via MIMEDefang on mx.dept.example.org');
}
1;
"""
EVERY_CALL = ["action_accept", "action_bounce", "action_change_header", "action_discard", "action_drop_with_warning",
              "action_replace_with_warning", "action_tempfail", "entity_contains_virus_clamd",
              "message_contains_virus_clamd"]


def filter_text(names=None, worms=("*.Worm.*",), clamd_socket="/run/clamav/clamd.ctl", body=BODY, flags="i"):
    """The filter as the mimedefang role writes it: NAMES [(reason, pattern)] (default: the collection's
    list), WORMS as mimedefang_worm_signatures patterns."""
    names = _attachments.name_patterns(_attachments.DEFAULT_EXTENSIONS) if names is None else names
    lines = ["# -*- Perl -*-", "$ClamdSock = '%s';" % clamd_socket, "our @MailsecNames;"]
    lines += ["push @MailsecNames, ['%s', qr{%s}%s];" % (reason, pattern, flags) for reason, pattern in names]
    lines += ["our @MailsecWorms;"] + ["push @MailsecWorms, qr{%s};" % _inputs.signature_regex(w) for w in worms]
    return "\n".join(lines) + "\n" + body


def sanitize_evidence(**text):
    """The filtering host in sanitize mode; TEXT changes the filter (see filter_text)."""
    evidence = filtering_evidence()
    evidence["postfix"]["effective"].update(smtpd_milters="inet:127.0.0.1:8899, inet:127.0.0.1:7358", mime_header_checks="")
    evidence["postfix"]["attachment_probes"] = []
    evidence["listeners"] = [dict(item, port=8899, process="mimedefang") if item["port"] == 7357 else item
                             for item in evidence["listeners"]]
    clamav = evidence["clamav"]
    clamav["units"]["clamav-milter.service"] = "inactive"
    clamav["milter_conf"] = "/etc/clamav/clamav-milter.conf: No such file or directory"
    clamav["clamd_conf"].update(localsocket="/run/clamav/clamd.ctl", maxfilesize="10485760", maxscansize="104857600")
    evidence["mimedefang"] = dict(installed=True, units={"mimedefang.service": "active"},
                                  settings=_sanitize.parse_settings(SETTINGS),
                                  filter=_sanitize.parse_filter(filter_text(**text)))
    return evidence


def judged(evidence):
    return by_id(cat.evaluate(evidence, "mx"))


MODE_AWARE = ("MAIL-AV-002", "MAIL-AV-003", "MAIL-AV-004", "MAIL-AV-005", "MAIL-AV-007", "MAIL-ATT-001", "MAIL-ATT-002")


# --- Reading the files -------------------------------------------------------------------------------

def test_the_settings_file_is_read_as_the_shell_reads_it():
    text = SETTINGS + "export MX_LOG='yes'\nSOCKET=\"inet:8900@127.0.0.1\"  # moved\n#SPOOLDIR=/tmp\nnot a setting\n"
    assert _sanitize.parse_settings(text) == {"SOCKET": "inet:8900@127.0.0.1", "MX_USER": "defang",
                                              "MD_ALLOW_GROUP_ACCESS": "yes", "X_SCANNED_BY": "-", "MX_LOG": "yes"}
    assert _sanitize.parse_settings(None) == {}


def test_the_filter_is_read_into_its_socket_rules_and_calls():
    found = _sanitize.parse_filter(filter_text())
    assert found["clamd_socket"] == "/run/clamav/clamd.ctl"
    # the rules come back exactly as the policy made them, braces of the class-ID rule included
    assert [(r["reason"], r["pattern"]) for r in found["names"]] == _attachments.name_patterns(_attachments.DEFAULT_EXTENSIONS)
    assert set(r["flags"] for r in found["names"]) == {"i"}
    assert found["worms"] == [dict(pattern=r"^[^\s]*\.Worm\.[^\s]*$", flags="")]
    # the comment naming action_notify_sender is not a call
    assert found["calls"] == EVERY_CALL
    assert found["changed_headers"] == ["X-Virus-Scanned"]


def test_comments_pod_and_text_after_end_are_not_read_as_code():
    text = ("$ClamdSock = '/run/clamav/clamd.ctl';\n#$ClamdSock = '/tmp/x';\n=pod\naction_notify_sender('x');\n=cut\n"
            "action_accept();\n__END__\naction_notify_sender('y');\npush @MailsecWorms, qr{.*};\n")
    found = _sanitize.parse_filter(text)
    assert (found["clamd_socket"], found["calls"], found["worms"]) == ("/run/clamav/clamd.ctl", ["action_accept"], [])


def test_an_empty_filter_shows_nothing():
    assert _sanitize.parse_filter("") == dict(clamd_socket=None, names=[], worms=[], calls=[], changed_headers=[])


def test_the_default_worm_pattern_matches_worms_and_no_ordinary_virus():
    worm = dict(pattern=_inputs.signature_regex("*.Worm.*"), flags="")
    assert _sanitize.worm_matches(worm) == []
    # positive control: the same function finds a match
    assert _sanitize.worm_matches(worm, ["Win.Worm.Mydoom-1", "Win.Trojan.Agent-1"]) == ["Win.Worm.Mydoom-1"]
    assert _sanitize.worm_matches(dict(pattern="trojan", flags="i")) == ["Win.Trojan.Agent-1", "Win.Trojan.Agent-1.UNOFFICIAL"]


# --- Judging a sanitize-mode host --------------------------------------------------------------------

def test_a_sanitize_mode_host_passes_every_filter_control():
    findings = judged(sanitize_evidence())
    for control in MODE_AWARE + ("MAIL-AV-001", "MAIL-AV-006", "MAIL-SPAM-001", "MAIL-SPAM-002", "MAIL-SPAM-003"):
        assert findings[control]["status"] == "pass", findings[control]
    for control in MODE_AWARE:
        assert findings[control]["actual"].startswith("sanitize mode (MIMEDefang): "), findings[control]
    assert "ClamAV milter inet:127.0.0.1:8899 (mimedefang)" in findings["MAIL-AV-002"]["actual"]
    assert "clamd at /run/clamav/clamd.ctl" in findings["MAIL-AV-003"]["actual"]
    assert "message_size_limit 10485760 <= clamd MaxFileSize 10485760 and MaxScanSize 104857600" in (
        findings["MAIL-AV-005"]["actual"])
    assert "replace setup.exe (program)" in findings["MAIL-ATT-001"]["actual"]
    assert "let report.pdf through" in findings["MAIL-ATT-001"]["actual"]
    assert "invoice.pdf .exe (double)" in findings["MAIL-ATT-002"]["actual"]
    assert "matches none of Eicar-Test-Signature" in findings["MAIL-AV-007"]["actual"]


def test_mimedefang_is_known_by_its_own_settings_when_socket_owners_are_hidden():
    evidence = sanitize_evidence()
    evidence["listeners"] = [dict(item, process=None) for item in evidence["listeners"]]
    finding = judged(evidence)["MAIL-AV-002"]
    assert finding["status"] == "pass" and "inet:127.0.0.1:8899 (mimedefang)" in finding["actual"], finding


def test_a_stopped_mimedefang_fails_the_wiring_and_its_host_is_still_judged_in_sanitize_mode():
    evidence = sanitize_evidence()
    evidence["listeners"] = [item for item in evidence["listeners"] if item["port"] != 8899]
    findings = judged(evidence)
    assert findings["MAIL-AV-002"]["status"] == "fail", findings["MAIL-AV-002"]
    assert "no ClamAV milter in smtpd_milters" in findings["MAIL-AV-002"]["actual"]
    assert findings["MAIL-AV-003"]["actual"].startswith("sanitize mode"), findings["MAIL-AV-003"]


def test_neither_virus_milter_fails_the_wiring():
    evidence = sanitize_evidence()
    evidence["postfix"]["effective"]["smtpd_milters"] = "inet:127.0.0.1:7358"
    finding = judged(evidence)["MAIL-AV-002"]
    assert finding["status"] == "fail" and "no ClamAV milter in smtpd_milters" in finding["actual"], finding


@pytest.mark.parametrize("milters, mode", [
    ("inet:127.0.0.1:8899, inet:127.0.0.1:7357", "sanitize"),
    ("inet:127.0.0.1:7357, inet:127.0.0.1:8899", "reject"),
    ("inet:127.0.0.1:7358", "reject"),
])
def test_the_first_virus_milter_decides_the_mode(milters, mode):
    evidence = sanitize_evidence()
    evidence["postfix"]["effective"]["smtpd_milters"] = milters
    evidence["listeners"].append(dict(protocol="tcp", address="127.0.0.1", port=7357, process="clamav-milter"))
    assert cat._filter_mode(cat.Evidence(evidence)) == mode


def _filter(**text):
    def change(evidence):
        evidence["mimedefang"]["filter"] = _sanitize.parse_filter(filter_text(**text))
    return change


def _without(call):
    return _filter(body="\n".join(line for line in BODY.splitlines() if call not in line))


def _clamd(**values):
    return lambda e: e["clamav"]["clamd_conf"].update(values)


def _main_cf(**values):
    return lambda e: e["postfix"]["effective"].update(values)


def _names(*extensions):
    return _filter(names=_attachments.name_patterns(extensions))


@pytest.mark.parametrize("control, change, says", [
    ("MAIL-AV-002", _main_cf(milter_default_action="accept"), "milter_default_action = accept"),
    ("MAIL-AV-002", _main_cf(smtpd_milter_maps="cidr:/etc/postfix/milters.cidr"), "smtpd_milter_maps"),
    ("MAIL-AV-003", _without("entity_contains_virus_clamd"), "does not scan each part with clamd"),
    ("MAIL-AV-003", _without("action_drop_with_warning"), "does not remove infected parts"),
    ("MAIL-AV-003", _without("action_tempfail"), "does not defer mail when clamd fails"),
    ("MAIL-AV-003", _filter(body=BODY + "action_notify_sender('Your mail had a virus');\n"), "action_notify_sender"),
    ("MAIL-AV-003", _filter(clamd_socket="/var/spool/MIMEDefang/clamd.sock"),
     "$ClamdSock /var/spool/MIMEDefang/clamd.sock is not clamd's LocalSocket /run/clamav/clamd.ctl"),
    ("MAIL-AV-003", lambda e: e["clamav"]["clamd_conf"].pop("localsocket"), "is not clamd's LocalSocket (not set)"),
    ("MAIL-AV-004", _without("X-Virus-Scanned"), "no X-Virus-Scanned header"),
    ("MAIL-AV-005", _clamd(maxfilesize="5M"), "clamd scans up to 5242880 (MaxFileSize): larger ones are delivered unscanned"),
    ("MAIL-AV-005", _clamd(maxscansize="1M"), "(MaxScanSize)"),
    ("MAIL-AV-005", _main_cf(message_size_limit="0"), "Postfix accepts messages of any size"),
    ("MAIL-ATT-001", _filter(names=[]), "not replaced: setup.exe"),
    ("MAIL-ATT-001", _names("exe", "com"), "not replaced: x.js"),
    ("MAIL-ATT-001", _names(*(_attachments.DEFAULT_EXTENSIONS + ("pdf",))), "replaced: report.pdf"),
    ("MAIL-ATT-001", _filter(flags=""), "heeds case (no i flag)"),
    ("MAIL-ATT-001", _main_cf(receive_override_options="no_milters"), "no_milters skips every milter"),
    # without the double rule the program rule still replaces the name; without exe on the list, nothing does
    ("MAIL-ATT-002", _names("js", "vbs"), "not replaced: invoice.pdf.exe; not replaced: invoice.pdf .exe"),
    ("MAIL-AV-007", _filter(worms=["*.Worm.*", "*Trojan*"]), "matches Win.Trojan.Agent-1, Win.Trojan.Agent-1.UNOFFICIAL"),
    ("MAIL-AV-007", _filter(worms=["*.UNOFFICIAL"]), "matches Eicar-Test-Signature.UNOFFICIAL"),
    ("MAIL-AV-007", _filter(body=BODY + "action_notify_sender('Your mail had a virus');\n"), "action_notify_sender"),
])
def test_each_sanitize_fault_fails_its_control_with_evidence(control, change, says):
    evidence = sanitize_evidence()
    change(evidence)
    finding = judged(evidence)[control]
    assert finding["status"] == "fail", finding
    assert finding["actual"].startswith("sanitize mode (MIMEDefang): ") and says in finding["actual"], finding["actual"]


def test_a_double_extension_is_replaced_by_the_program_rule_when_the_double_rule_is_gone():
    rules = [rule for rule in _attachments.name_patterns(_attachments.DEFAULT_EXTENSIONS) if rule[0] != "double"]
    finding = judged(sanitize_evidence(names=rules))["MAIL-ATT-002"]
    # as in reject mode, the control asks whether the name is replaced, not which rule does it
    assert finding["status"] == "pass" and "invoice.pdf.exe (program)" in finding["actual"], finding


def test_a_worm_pattern_that_matches_everything_is_a_finding():
    evidence = sanitize_evidence()
    evidence["mimedefang"]["filter"]["worms"] = [dict(pattern="^.*$", flags="")]
    finding = judged(evidence)["MAIL-AV-007"]
    assert finding["status"] == "fail" and "Eicar-Test-Signature" in finding["actual"], finding


@pytest.mark.parametrize("control, change, says", [
    ("MAIL-AV-003", lambda e: e["mimedefang"].update(filter="/etc/mail/mimedefang-filter: Permission denied"),
     "the MIMEDefang filter was not read: /etc/mail/mimedefang-filter: Permission denied"),
    ("MAIL-AV-004", lambda e: e.pop("mimedefang"), "no mimedefang evidence"),
    ("MAIL-AV-005", _clamd(maxscansize="lots"), "MaxScanSize lots"),
    ("MAIL-ATT-001", lambda e: e["mimedefang"]["filter"]["names"].append(dict(reason="program", pattern="(", flags="i")),
     "not a regular expression the audit can read"),
    ("MAIL-AV-007", lambda e: e["mimedefang"]["filter"]["worms"].append(dict(pattern="[", flags="")),
     "the worm pattern qr{[} is not a regular expression the audit can read"),
])
def test_sanitize_evidence_that_cannot_be_judged_is_an_error_not_a_pass(control, change, says):
    evidence = sanitize_evidence()
    change(evidence)
    finding = judged(evidence)[control]
    assert finding["status"] == "error" and says in finding["note"], finding


# --- Reject mode, and hosts without MIMEDefang -------------------------------------------------------

def test_reject_mode_reads_as_before_and_drops_no_message():
    findings = judged(filtering_evidence())
    assert findings["MAIL-AV-003"]["actual"] == "OnInfected Reject; OnFail Defer"
    assert findings["MAIL-ATT-001"]["actual"] == "every probe name answered as expected by pcre:/etc/postfix/mailsec_attachments.pcre"
    # no MIMEDefang on the host: nothing could drop a message
    assert findings["MAIL-AV-007"]["status"] == "not_applicable"
    assert findings["MAIL-AV-007"]["note"] == "mimedefang not present on this host"


def test_a_mimedefang_left_installed_in_reject_mode_does_not_change_the_verdicts():
    evidence = filtering_evidence()
    evidence["mimedefang"] = dict(sanitize_evidence()["mimedefang"], units={"mimedefang.service": "inactive"})
    before, after = judged(filtering_evidence()), judged(evidence)
    for control in MODE_AWARE:
        if control != "MAIL-AV-007":
            assert after[control] == before[control], control
    finding = after["MAIL-AV-007"]
    assert finding["status"] == "pass" and finding["actual"].startswith("reject mode: clamav-milter refuses"), finding


def test_unreadable_postfix_settings_leave_reject_mode_hosts_as_they_were_and_make_sanitize_ones_errors():
    reject, sanitize = filtering_evidence(), sanitize_evidence()
    for evidence in (reject, sanitize):
        evidence["postfix"]["error"] = "postconf: fatal: /etc/postfix/main.cf, line 3: missing '=' after attribute name"
    # reject mode: MAIL-AV-003 reads clamav-milter.conf alone, as it always did
    assert judged(reject)["MAIL-AV-003"]["status"] == "pass"
    finding = judged(sanitize)["MAIL-AV-003"]
    assert finding["status"] == "error" and "missing '='" in finding["note"], finding


def test_a_rule_without_a_reason_still_replaces_the_name():
    # the filter replaces a part when a rule answers, as Perl's defined() sees an empty reason
    finding = judged(sanitize_evidence(names=[("", r"\.exe$"), ("", r"\.js$"), ("", r"\{[0-9A-F-]+\}$")]))["MAIL-ATT-001"]
    assert finding["status"] == "pass" and "replace setup.exe, x.js," in finding["actual"], finding
