# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The audit judges the effective configuration: a setting that takes mail from other hosts past a
content filter, the header checks or the attachment policy fails the control it switches off, with
evidence naming the setting and where it is set (main.cf or a master.cf service); the postfix role
refuses the same settings in postfix_extra_settings and in master.cf -o overrides.

The evidence is the hardened receiving server with both filters of test__controls (``postconf -x``,
``-M`` and ``-P`` of the postfix role's Debian 13 mx), changed one setting at a time.
"""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _postfix_settings as settings
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import role_input_problems
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__controls import (
    by_id,
    filtering_evidence,
    host_evidence,
)
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__postfix_inputs import GOOD

FILTERS = ("MAIL-AV-002", "MAIL-SPAM-002")
ATTACHMENTS = ("MAIL-ATT-001", "MAIL-ATT-002")
WIRING = FILTERS + ATTACHMENTS


def judged(evidence):
    return by_id(cat.evaluate(evidence, "mx"))


def main_cf(**values):
    def change(evidence):
        evidence["postfix"]["effective"].update(values)
    return change


def override(service, **values):
    """Add -o VALUES to the master.cf SERVICE ("smtp/inet") of the evidence."""
    def change(evidence):
        name, kind = service.split("/")
        matches = [s for s in evidence["postfix"]["services"] if s["service"] == name and s["type"] == kind]
        assert len(matches) == 1, service
        matches[0]["overrides"].update(values)
    return change


def postscreen(evidence):
    """Put postscreen on port 25, handing clients to an smtpd of type pass (as in POSTSCREEN_README)."""
    smtp = [s for s in evidence["postfix"]["services"] if s["service"] == "smtp" and s["type"] == "inet"]
    smtp[0]["command"] = "postscreen"


def add_service(service, kind, command, address=None, port=None, **overrides):
    def change(evidence):
        evidence["postfix"]["services"].append(dict(service=service, type=kind, private="-", command=command,
                                                    address=address, port=port, overrides=dict(overrides)))
    return change


def both(*changes):
    def change(evidence):
        for item in changes:
            item(evidence)
    return change


def test_the_hardened_filtering_host_passes_every_wiring_control():
    findings = judged(filtering_evidence())
    for control in WIRING:
        assert findings[control]["status"] == "pass", findings[control]
    assert "smtpd_milter_maps" not in findings["MAIL-AV-002"]["actual"]
    assert findings["MAIL-ATT-001"]["actual"] == (
        "every probe name answered as expected by pcre:/etc/postfix/mailsec_attachments.pcre")


def test_the_hardened_host_without_filters_still_fails_only_for_the_filters():
    # The settings this audit now reads are in the fixtures with Postfix's defaults: nothing new fails.
    findings = judged(host_evidence("postconf-hardened-mx-debian13.txt"))
    unsigned = ("MAIL-AUTH-001", "MAIL-AUTH-003")   # no sender authentication either (mailsec_mail_auth)
    assert sorted(f["id"] for f in findings.values() if f["status"] == "fail") == sorted(WIRING + unsigned)
    assert "no ClamAV milter in smtpd_milters" in findings["MAIL-AV-002"]["actual"]


# (case id, change, controls that fail, fragments every failing control's evidence shows)
BYPASSES = [
    ("milter maps in main.cf", main_cf(smtpd_milter_maps="cidr:/etc/postfix/milter_map"), FILTERS,
     ["smtpd_milter_maps = cidr:/etc/postfix/milter_map (main.cf)", "not proven for every client"]),
    ("milter maps on the smtp service", override("smtp/inet", smtpd_milter_maps="cidr:/etc/postfix/milter_map"),
     FILTERS, ["smtpd_milter_maps = cidr:/etc/postfix/milter_map (master.cf service smtp/inet)"]),
    ("no_milters in main.cf", main_cf(receive_override_options="no_unknown_recipient_checks, no_milters"), FILTERS,
     ["receive_override_options = no_unknown_recipient_checks, no_milters (main.cf): no_milters skips every milter"]),
    ("no_milters on the smtp service", override("smtp/inet", receive_override_options="no_milters"), FILTERS,
     ["receive_override_options = no_milters (master.cf service smtp/inet)"]),
    ("no_milters on submission", override("submission/inet", receive_override_options="no_milters"), FILTERS,
     ["receive_override_options = no_milters (master.cf service submission/inet)"]),
    ("no_milters behind postscreen",
     both(postscreen, add_service("smtpd", "pass", "smtpd", receive_override_options="no_milters")),
     FILTERS, ["receive_override_options = no_milters (master.cf service smtpd/pass)"]),
    ("milters emptied on the smtp service", override("smtp/inet", smtpd_milters=""), FILTERS,
     ["smtpd_milters = (empty) (master.cf service smtp/inet) has no", "milter: mail there is not scanned"]),
    ("spam milter left out on submission", override("submission/inet", smtpd_milters="inet:127.0.0.1:7357"),
     ("MAIL-SPAM-002",), ["smtpd_milters = inet:127.0.0.1:7357 (master.cf service submission/inet) has no "
                          "SpamAssassin milter"]),
    ("fail open on the smtp service", override("smtp/inet", milter_default_action="accept"), FILTERS,
     ["milter_default_action = accept (master.cf service smtp/inet) lets mail through unscanned"]),
    ("no_header_body_checks in main.cf", main_cf(receive_override_options="no_header_body_checks"), ATTACHMENTS,
     ["receive_override_options = no_header_body_checks (main.cf): no_header_body_checks makes cleanup skip "
      "header_checks and mime_header_checks"]),
    ("no_header_body_checks on submissions",
     override("submissions/inet", receive_override_options="no_address_mappings,no_header_body_checks"),
     ATTACHMENTS, ["receive_override_options = no_address_mappings,no_header_body_checks "
                   "(master.cf service submissions/inet)"]),
    ("no MIME parsing in main.cf", main_cf(disable_mime_input_processing="yes"), ATTACHMENTS,
     ["disable_mime_input_processing = yes (main.cf): cleanup does not parse MIME"]),
    ("no MIME parsing in the cleanup service", override("cleanup/unix", disable_mime_input_processing="yes"),
     ATTACHMENTS, ["disable_mime_input_processing = yes (master.cf service cleanup/unix)"]),
    ("attachment table emptied in the cleanup service", override("cleanup/unix", mime_header_checks=""), ATTACHMENTS,
     ["no pcre or regexp table in mime_header_checks (empty) (master.cf service cleanup/unix)"]),
    ("smtp hands mail to a cleanup service without the table",
     both(override("smtp/inet", cleanup_service_name="pre-cleanup"),
          add_service("pre-cleanup", "unix", "cleanup", mime_header_checks="")),
     ATTACHMENTS, ["no pcre or regexp table in mime_header_checks (empty) (master.cf service pre-cleanup/unix)"]),
]


@pytest.mark.parametrize("change, failing, fragments", [b[1:] for b in BYPASSES], ids=[b[0] for b in BYPASSES])
def test_a_bypass_fails_the_control_it_switches_off_naming_the_setting(change, failing, fragments):
    evidence = filtering_evidence()
    change(evidence)
    findings = judged(evidence)
    for control in WIRING:
        finding = findings[control]
        if control not in failing:
            assert finding["status"] == "pass", finding
            continue
        assert finding["status"] == "fail", finding
        for fragment in fragments:
            assert fragment in finding["actual"], finding["actual"]


# Settings that look alike but switch nothing off for mail from other hosts.
HARMLESS = [
    ("empty milter maps on submission", override("submission/inet", smtpd_milter_maps="")),
    ("unknown-recipient checks off", main_cf(receive_override_options="no_unknown_recipient_checks")),
    ("re-injection service after an after-queue filter",
     add_service("127.0.0.1:10025", "inet", "smtpd", address="127.0.0.1", port=10025, content_filter="",
                 receive_override_options="no_unknown_recipient_checks,no_header_body_checks,no_milters",
                 smtpd_milter_maps="cidr:/etc/postfix/none")),
    ("re-injection service on IPv6 loopback",
     add_service("[::1]:10025", "inet", "smtpd", address="::1", port=10025, receive_override_options="no_milters")),
    ("pickup without header checks", override("pickup/unix", receive_override_options="no_header_body_checks")),
    ("postscreen in front of an smtpd that keeps the filters", both(postscreen, add_service("smtpd", "pass", "smtpd"))),
    ("spam milter kept on submission with its own list",
     override("submission/inet", smtpd_milters="inet:127.0.0.1:7357, inet:127.0.0.1:7358, inet:127.0.0.1:8891")),
]


@pytest.mark.parametrize("change", [h[1] for h in HARMLESS], ids=[h[0] for h in HARMLESS])
def test_settings_that_switch_nothing_off_for_mail_from_other_hosts_pass(change):
    evidence = filtering_evidence()
    change(evidence)
    findings = judged(evidence)
    for control in WIRING:
        assert findings[control]["status"] == "pass", findings[control]


def test_a_content_filter_is_noted_not_failed():
    evidence = filtering_evidence()
    main_cf(content_filter="smtp-amavis:[127.0.0.1]:10024")(evidence)
    override("submission/inet", content_filter="")(evidence)
    finding = judged(evidence)["MAIL-AV-002"]
    assert finding["status"] == "pass", finding
    assert "content_filter = smtp-amavis:[127.0.0.1]:10024 (main.cf) also hands mail to an after-queue filter" \
        in finding["actual"]
    assert "content_filter is empty on master.cf service submission/inet" in finding["actual"]


def test_a_content_filter_on_one_service_is_noted_without_noise_about_main_cf():
    evidence = filtering_evidence()
    override("smtp/inet", content_filter="scan:[127.0.0.1]:10024")(evidence)
    finding = judged(evidence)["MAIL-SPAM-002"]
    assert finding["status"] == "pass", finding
    assert "content_filter = scan:[127.0.0.1]:10024 (master.cf service smtp/inet)" in finding["actual"]
    assert "empty on main.cf" not in finding["actual"]


def test_header_checks_overridden_on_smtpd_are_noted_as_ineffective():
    # cleanup applies header_checks and mime_header_checks; an smtpd -o override of them changes nothing.
    evidence = filtering_evidence()
    override("smtp/inet", mime_header_checks="", header_checks="")(evidence)
    finding = judged(evidence)["MAIL-ATT-001"]
    assert finding["status"] == "pass", finding
    assert "mime_header_checks = (empty) (master.cf service smtp/inet) has no effect: cleanup applies it" \
        in finding["actual"]


def test_a_cleanup_table_whose_answers_were_not_gathered_is_an_error():
    evidence = filtering_evidence()
    override("cleanup/unix", mime_header_checks="pcre:/etc/postfix/site_attachments.pcre")(evidence)
    finding = judged(evidence)["MAIL-ATT-001"]
    assert finding["status"] == "error", finding
    assert "pcre:/etc/postfix/site_attachments.pcre (mime_header_checks (master.cf service cleanup/unix))" \
        in finding["note"]


def test_a_cleanup_table_that_refuses_the_probes_passes():
    evidence = filtering_evidence()
    own = "pcre:/etc/postfix/site_attachments.pcre"
    override("cleanup/unix", mime_header_checks=own)(evidence)
    evidence["postfix"]["attachment_probes"] += [dict(p, table=own) for p in evidence["postfix"]["attachment_probes"]]
    finding = judged(evidence)["MAIL-ATT-001"]
    assert finding["status"] == "pass", finding
    assert finding["actual"] == "every probe name answered as expected by %s (master.cf service cleanup/unix)" % own


@pytest.mark.parametrize("missing", ["smtpd_milter_maps", "receive_override_options"])
def test_an_unreported_bypass_setting_is_an_error_not_a_pass(missing):
    evidence = filtering_evidence()
    del evidence["postfix"]["effective"][missing]
    finding = judged(evidence)["MAIL-AV-002"]
    assert finding["status"] == "error", finding
    assert missing in finding["note"]


# --- The postfix role refuses the same settings ---------------------------------------------------

REFUSED = [
    ("smtpd_milter_maps", "cidr:/etc/postfix/milter_map", "the virus and spam filters are skipped for them"),
    ("receive_override_options", "no_unknown_recipient_checks, no_milters",
     "with no_milters makes smtpd skip every milter"),
    ("receive_override_options", "no_header_body_checks",
     "with no_header_body_checks makes cleanup skip header_checks and mime_header_checks"),
    ("disable_mime_input_processing", "yes", "the attachment policy refuses nothing"),
    ("disable_mime_input_processing", True, "the attachment policy refuses nothing"),
    ("milter_default_action", "accept", "lets mail through unscanned"),
]


@pytest.mark.parametrize("name, value, says", REFUSED)
def test_settings_that_switch_a_content_control_off_are_refused(name, value, says):
    found = settings.setting_risks(name, value)
    assert found and not any(item["acknowledgeable"] for item in found)
    assert any(says in item["reason"] for item in found), found


def test_both_skipping_options_are_named():
    found = settings.setting_risks("receive_override_options", "no_header_body_checks,no_milters")
    assert [item["reason"].split()[1] for item in found] == ["no_header_body_checks", "no_milters"]


@pytest.mark.parametrize("name, value", [
    ("smtpd_milter_maps", ""),
    ("receive_override_options", "no_unknown_recipient_checks, no_address_mappings"),
    ("receive_override_options", ""),
    ("disable_mime_input_processing", "no"),
    ("milter_default_action", "tempfail"),
])
def test_settings_that_keep_the_content_controls_are_accepted(name, value):
    assert settings.setting_risks(name, value) == []


@pytest.mark.parametrize("name, value, says", REFUSED[:4])
def test_postfix_extra_settings_refuses_them_naming_the_variable(name, value, says):
    problems = role_input_problems(dict(GOOD, postfix_extra_settings={name: value}))
    assert any(p.startswith("postfix_extra_settings.%s " % name) and says in p for p in problems), problems


POSTCONF_M = """smtp       inet  n       -       y       -       -       postscreen
smtpd      pass  -       -       y       -       -       smtpd
submission inet  n       -       y       -       -       smtpd
127.0.0.1:10025 inet n   -       n       -       -       smtpd
[::1]:10026 inet n       -       n       -       -       smtpd
localhost:10027 inet n   -       n       -       -       smtpd
pickup     unix  n       -       y       60      1       pickup
cleanup    unix  n       -       y       -       0       cleanup
"""


def test_the_services_that_take_mail_from_other_hosts_are_known():
    services = settings.master_services(POSTCONF_M, "", port_by_name=settings.WELL_KNOWN_PORTS.get)
    assert ["%s/%s" % (s["service"], s["type"]) for s in services if settings.receives_from_network(s)] == [
        "smtpd/pass", "submission/inet"]


def test_master_cf_overrides_that_skip_the_filters_are_refused_where_mail_comes_from_other_hosts():
    overrides = {"receive_override_options": "no_milters", "smtpd_milter_maps": "cidr:/etc/postfix/milter_map",
                 "disable_mime_input_processing": "yes", "syslog_name": "postfix/smtp"}
    refused = settings.service_problems(overrides, {}, 25, receives=True)
    assert sorted(p["parameter"] for p in refused) == [
        "disable_mime_input_processing", "receive_override_options", "smtpd_milter_maps"]
    assert all(not p["acknowledgeable"] for p in refused)
    # A loopback smtpd taking mail back from an after-queue filter may skip the milters it already passed;
    # MIME parsing stays refused everywhere.
    loopback = settings.service_problems(overrides, {}, 10025, receives=False)
    assert [p["parameter"] for p in loopback] == ["disable_mime_input_processing"]


FILTERED = {"smtpd_milters": "inet:127.0.0.1:7357, inet:127.0.0.1:7358"}


@pytest.mark.parametrize("own, says", [
    ("", "leaves out inet:127.0.0.1:7357, inet:127.0.0.1:7358 of main.cf's smtpd_milters"),
    ("inet:127.0.0.1:7357, inet:127.0.0.1:8891", "leaves out inet:127.0.0.1:7358 of main.cf's smtpd_milters"),
    ("{ inet:127.0.0.1:7357, default_action = accept }, inet:127.0.0.1:7358",
     "lets mail through unscanned whenever inet:127.0.0.1:7357 does not answer"),
])
def test_a_service_milter_list_that_skips_a_filter_is_refused(own, says):
    refused = settings.service_problems({"smtpd_milters": own}, FILTERED, 25, receives=True)
    assert [p["parameter"] for p in refused] == ["smtpd_milters"]
    assert says in refused[0]["reason"] and not refused[0]["acknowledgeable"]
    assert settings.service_problems({"smtpd_milters": own}, FILTERED, 10025, receives=False) == []


def test_a_service_milter_list_that_keeps_the_filters_is_accepted():
    own = "inet:127.0.0.1:7357, inet:127.0.0.1:7358, inet:127.0.0.1:8891"
    assert settings.service_problems({"smtpd_milters": own}, FILTERED, 587, receives=True) == []
    assert settings.service_problems({"smtpd_milters": ""}, {"smtpd_milters": ""}, 25, receives=True) == []


# The remediation of each wiring control names what the postfix role refuses: (words in the remediation,
# parameter, a value it names) - each such value must be refused in main.cf and on a receiving service.
MILTER_CLAIMS = [("smtpd_milter_maps", "smtpd_milter_maps", "cidr:/etc/postfix/milter_map"),
                 ("receive_override_options = no_milters", "receive_override_options", "no_milters"),
                 ("milter_default_action = accept", "milter_default_action", "accept")]
ATTACHMENT_CLAIMS = [("receive_override_options = no_header_body_checks", "receive_override_options",
                      "no_header_body_checks"),
                     ("disable_mime_input_processing = yes", "disable_mime_input_processing", "yes")]
REMEDIATION_CLAIMS = {"MAIL-AV-002": MILTER_CLAIMS, "MAIL-SPAM-002": MILTER_CLAIMS,
                      "MAIL-ATT-001": ATTACHMENT_CLAIMS, "MAIL-ATT-002": ATTACHMENT_CLAIMS}


@pytest.mark.parametrize("control", sorted(REMEDIATION_CLAIMS))
def test_the_remediation_says_what_the_role_refuses_and_the_role_refuses_it(control):
    remediation = cat.BY_ID[control].remediation
    assert "postfix role refuses" in remediation or "postfix role, which refuses" in remediation
    for shown, name, value in REMEDIATION_CLAIMS[control]:
        assert shown in remediation, (control, shown)
        assert settings.setting_risks(name, value), (control, name, value)
        assert settings.service_problems({name: value}, {}, 25, receives=True), (control, name, value)
