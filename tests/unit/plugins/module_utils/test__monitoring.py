# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mail monitor: what it reads on the host (postqueue, the journal, systemctl, postconf, fail2ban), when it
mails an alert and what the mail says, the audit's controls MAIL-MON-001 and 002 passing a watched host and
failing each planted fault, mailhost_info's reading through a fake reader, and the role's inputs."""

from __future__ import annotations

import ast
import copy
import datetime
import json
import pathlib
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.mailsec.hardening.plugins.filter.monitoring import monitoring_input_problems, monitoring_plan
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _filters
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _monitoring
from ansible_collections.mailsec.hardening.plugins.modules import mailhost_info

from test__controls import host_evidence  # a well-kept host, as the catalogue tests judge it
from test__inputs import GOOD_TYPED

NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)
CONFIG = dict(_monitoring.DEFAULTS, mail="alice", queue_limit=3, refusal_limit=5, auth_failure_limit=4)


def journal(*messages):
    return [json.dumps(dict(MESSAGE=message, SYSLOG_IDENTIFIER="postfix/smtpd")) for message in messages]


RELAY = ("NOQUEUE: reject: RCPT from store.example.net[10.89.217.50]: 554 5.7.1 <a@example.com>: Relay access denied; "
         "from=<spammer@example.net> to=<a@example.com> proto=ESMTP helo=<store.example.net>")
AUTH = "warning: unknown[10.89.217.50]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=alice"
AUTH6 = "warning: unknown[2001:db8::7]:587: SASL LOGIN authentication failed: UGFzc3dvcmQ6"


# --- The file the role installs ---------------------------------------------------------------------------

def test_the_installed_monitor_needs_only_the_standard_library():
    tree = ast.parse(pathlib.Path(_monitoring.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)


def test_an_unknown_command_is_refused_with_the_usage(capsys):
    assert _monitoring.main(["everything"]) == 2
    assert "usage: mail_monitor.py alerts|summary" in capsys.readouterr().err


# --- Settings and state ---------------------------------------------------------------------------------

def test_the_settings_the_role_writes_are_read_and_defaults_fill_the_rest():
    config = _monitoring.read_config(json.dumps(dict(mail="alice@dept.example.org", queue_limit=3, _managed="Ansible")))
    assert config == dict(_monitoring.DEFAULTS, mail="alice@dept.example.org", queue_limit=3)


@pytest.mark.parametrize("text, named", [
    ("{", "not JSON"), ("[]", "not a JSON object"), ('{"queue_limit": 0}', "queue_limit"),
    ('{"queue_limit": true}', "queue_limit"), ('{"window_minutes": "15"}', "window_minutes"),
    ('{"mail": "alice; rm -rf /"}', "mail"), ('{"mail": "-oQ/tmp"}', "mail"),
])
def test_settings_that_are_not_the_roles_are_refused_naming_the_value(text, named):
    with pytest.raises(ValueError, match=named):
        _monitoring.read_config(text)


def test_the_state_gives_the_audit_the_last_round_its_errors_and_the_alerts_in_force():
    state = dict(checked="2026-12-04T11:57:00Z", errors=["the queue could not be read"],
                 alerts={"queue": dict(text="the queue holds 9 messages (limit 3)", since="x", mailed="x")})
    found = _monitoring.state_evidence(json.dumps(state), NOW)
    assert found == dict(checked="2026-12-04T11:57:00Z", age_minutes=3.0, errors=["the queue could not be read"],
                         alerts=["the queue holds 9 messages (limit 3)"])
    assert _monitoring.state_evidence("", NOW)["checked"] is None
    with pytest.raises(ValueError):
        _monitoring.state_evidence("[1, 2]", NOW)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_state_file_is_read_or_refused_never_a_traceback(text):
    try:
        _monitoring.state_evidence(text, NOW)
    except ValueError:
        pass


# --- What the monitor reads -----------------------------------------------------------------------------

def test_the_queue_is_counted_from_postqueue_json():
    line = json.dumps(dict(queue_name="deferred", queue_id="4F2B341A01B", recipients=[]))
    assert _monitoring.queue_size("") == 0
    assert _monitoring.queue_size("\n".join([line] * 4) + "\n") == 4
    with pytest.raises(ValueError, match="line 2 of postqueue -j"):
        _monitoring.queue_size(line + "\npostqueue: fatal: Queue report unavailable\n")


def test_refused_relay_attempts_and_failed_logins_are_counted_per_client():
    counts = _monitoring.count_events(journal(RELAY, RELAY, AUTH, AUTH6, AUTH, "connect from unknown[10.0.0.1]")
                                      + ["not json", ""])
    assert counts["relay_refusals"] == dict(count=2, clients={"10.89.217.50": 2})
    assert counts["auth_failures"] == dict(count=3, clients={"10.89.217.50": 2, "2001:db8::7": 1})
    assert counts["unreadable"] == 1


def test_a_message_the_journal_gives_as_bytes_is_read():
    line = json.dumps(dict(MESSAGE=list(AUTH.encode()) + [0xff]))
    assert _monitoring.count_events([line])["auth_failures"]["count"] == 1


MESSAGES = st.one_of(st.text(max_size=200), st.integers(), st.lists(st.integers(-5, 300), max_size=30), st.none())
ENTRIES = st.builds(lambda message: json.dumps(dict(MESSAGE=message)), MESSAGES)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=200), ENTRIES), max_size=20))
def test_any_journal_output_is_counted_never_a_traceback(lines):
    counts = _monitoring.count_events(lines)
    assert counts["relay_refusals"]["count"] >= 0 and counts["auth_failures"]["count"] >= 0


SHOWN = """Id=spamd.service
LoadState=loaded
ActiveState=inactive
UnitFileState=enabled

Id=clamav-daemon.service
LoadState=not-found
ActiveState=inactive
UnitFileState=

Id=dovecot.service
LoadState=loaded
ActiveState=active
UnitFileState=enabled

Id=opendkim.service
LoadState=loaded
ActiveState=failed
UnitFileState=disabled
"""


def test_a_filter_is_down_when_it_is_enabled_and_not_running():
    # clamd is not installed and OpenDKIM is switched off: neither is an outage
    assert _monitoring.units_down(_monitoring.parse_units(SHOWN)) == [dict(unit="spamd.service", state="inactive")]


def test_the_milters_postfix_names_are_read_each_once():
    text = "inet:127.0.0.1:7358, { inet:127.0.0.1:8891, default_action=tempfail }\ninet:127.0.0.1:8891 unix:/run/m.sock"
    assert [e["name"] for e in _monitoring.milter_endpoints(text)] == [
        "inet:127.0.0.1:7358", "inet:127.0.0.1:8891", "unix:/run/m.sock"]
    assert _monitoring.milter_endpoints("inet:[::1]:7357")[0]["address"] == ("::1", 7357)
    assert _monitoring.milter_endpoints("inet:localhost:99999 inet::25 unix:") == []


def test_a_relative_unix_milter_is_looked_for_in_the_queue_directory(tmp_path):
    # Postfix names the filters' sockets relative to its queue directory; a chrooted smtpd reads an absolute
    # path under it too.
    (tmp_path / "clamav").mkdir()
    (tmp_path / "clamav" / "clamav-milter.ctl").write_text("")
    found = _monitoring.milter_endpoints("unix:clamav/clamav-milter.ctl, unix:/clamav/clamav-milter.ctl, unix:/run/x.sock",
                                         str(tmp_path))
    assert [item["address"] for item in found] == [str(tmp_path / "clamav" / "clamav-milter.ctl")] * 2 + ["/run/x.sock"]
    assert [item["name"] for item in found] == ["unix:clamav/clamav-milter.ctl", "unix:/clamav/clamav-milter.ctl", "unix:/run/x.sock"]


def test_the_monitor_looks_for_the_filters_sockets_where_the_roles_put_them():
    # The monitor runs alone on the host and holds its own copy of the queue directory.
    assert _monitoring.QUEUE_DIRECTORY == _filters.QUEUE_DIRECTORY
    assert _monitoring.milter_endpoints("unix:spamass/spamass.sock")[0]["address"] == _filters.endpoint("spamassassin")["path"]


JAIL = """Status for the jail: postfix-sasl
|- Filter
|  |- Currently failed:\t0
|  |- Total failed:\t6
|  `- Journal matches:\t_SYSTEMD_UNIT=postfix.service + _SYSTEMD_UNIT=postfix@-.service
`- Actions
   |- Currently banned:\t1
   |- Total banned:\t1
   `- Banned IP list:\t10.89.217.50
"""


def test_the_jail_status_gives_failures_and_bans():
    assert _monitoring.parse_jail(JAIL) == dict(failed_now=0, failed_total=6, banned_now=1, banned_total=1,
                                                banned=["10.89.217.50"])
    with pytest.raises(ValueError, match="not a fail2ban jail"):
        _monitoring.parse_jail("Sorry but the jail 'postfix-sasl' does not exist")


# --- When an alert is mailed, and what it says ----------------------------------------------------------

def test_each_condition_is_named_with_its_limit_and_the_clients():
    counts = _monitoring.count_events(journal(*[RELAY] * 6 + [AUTH] * 4))
    found = _monitoring.conditions(CONFIG, queue=4, counts=counts, down=[dict(unit="spamd.service", state="inactive")],
                                   milters_down=["inet:127.0.0.1:7358"], errors=["the services could not be read"])
    assert found == {
        "queue": "the queue holds 4 messages (limit 3)",
        "relay_refusals": "6 relay attempts refused in the last 15 minutes (limit 5), most from 10.89.217.50 (6)",
        "auth_failures": "4 failed SMTP AUTH logins in the last 15 minutes (limit 4), most from 10.89.217.50 (4)",
        "unit:spamd.service": "spamd.service is inactive",
        "milter:inet:127.0.0.1:7358": "the milter inet:127.0.0.1:7358 does not answer",
        "monitor:0": "the services could not be read",
    }
    assert _monitoring.conditions(CONFIG, queue=2, counts=_monitoring.count_events(journal(*[RELAY] * 4))) == {}
    assert _monitoring.conditions(CONFIG, postfix_down="the Postfix mail system is not running") == {
        "postfix": "Postfix is not running (the Postfix mail system is not running)"}


def minutes(n):
    return NOW + datetime.timedelta(minutes=n)


def test_a_condition_is_mailed_when_it_starts_while_it_lasts_and_when_it_ends():
    found = {"queue": "the queue holds 4 messages (limit 3)"}
    state, mail = _monitoring.decide({}, found, minutes(0), repeat_hours=6)
    assert [item["key"] for item in mail["new"]] == ["queue"] and not mail["ongoing"] and not mail["cleared"]
    state, mail = _monitoring.decide(state, found, minutes(5), repeat_hours=6)
    assert not any(mail.values())  # five minutes later: nothing new to say
    state, mail = _monitoring.decide(state, found, minutes(6 * 60), repeat_hours=6)
    assert [item["since"] for item in mail["ongoing"]] == ["2026-12-04T12:00:00Z"]
    state, mail = _monitoring.decide(state, {}, minutes(6 * 60 + 5), repeat_hours=6)
    assert [item["text"] for item in mail["cleared"]] == ["the queue holds 4 messages (limit 3)"]
    assert state == dict(alerts={})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 59), min_size=1, max_size=40))
def test_a_condition_that_lasts_less_than_the_repeat_time_is_mailed_once(gaps):
    state, mailed, now = {}, 0, NOW
    for gap in gaps:
        if (now - NOW).total_seconds() + gap * 60 >= 6 * 3600:
            break
        state, mail = _monitoring.decide(state, {"queue": "the queue holds 9 messages (limit 3)"}, now, 6)
        mailed += len(mail["new"]) + len(mail["ongoing"])
        now += datetime.timedelta(minutes=gap)
    assert mailed == 1


def test_the_alert_mail_names_the_host_the_condition_and_what_to_look_at():
    _state, mail = _monitoring.decide({}, {"unit:spamd.service": "spamd.service is inactive"}, NOW, 6)
    message = _monitoring.alert_message("mx.dept.example.org", "alice", mail, NOW, CONFIG)
    assert message["Subject"] == "Mail alert on mx.dept.example.org: spamd.service is inactive"
    assert message["To"] == "alice" and message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert "New:\n  - spamd.service is inactive\n    systemctl status names why it stopped" in body
    assert "queue 3 messages; in 15 minutes, 5 refused relay attempts or 4 failed logins" in body
    state, cleared = _monitoring.decide(_state, {}, minutes(5), 6)
    assert _monitoring.alert_message("mx", "alice", cleared, NOW)["Subject"] == \
        "Mail alert cleared on mx: spamd.service is inactive"
    assert _monitoring.alert_message("mx", "alice", dict(new=[], ongoing=[], cleared=[]), NOW) is None


def test_a_stopped_unit_comes_before_the_milter_it_silences_and_the_counts():
    found = {"auth_failures": "6 failed SMTP AUTH logins", "milter:inet:127.0.0.1:7358": "the milter inet:127.0.0.1:7358 does not answer",
             "unit:spamd.service": "spamd.service is inactive", "postfix": "Postfix is not running (stopped)"}
    state, mail = _monitoring.decide({}, found, NOW, 6)
    assert [item["key"] for item in mail["new"]] == ["postfix", "unit:spamd.service", "milter:inet:127.0.0.1:7358", "auth_failures"]
    _state, cleared = _monitoring.decide(state, {}, minutes(5), 6)
    assert [item["key"] for item in cleared["cleared"]] == ["postfix", "unit:spamd.service", "milter:inet:127.0.0.1:7358", "auth_failures"]
    del found["postfix"]
    _state, mail = _monitoring.decide({}, found, NOW, 6)
    assert _monitoring.alert_message("mx", "alice", mail, NOW)["Subject"] == "Mail alert on mx: spamd.service is inactive (and 2 more)"


def test_a_long_subject_stays_on_one_line_as_sent():
    _state, mail = _monitoring.decide({}, {"auth_failures": "x" * 150}, NOW, 6)
    sent = _monitoring.alert_message("mx.dept.example.org", "alice", mail, NOW).as_bytes(policy=_monitoring._POLICY)
    assert b"\nSubject: Mail alert on mx.dept.example.org: " + b"x" * 150 + b"\n" in sent


def test_the_summary_subject_carries_pflogsumms_grand_totals():
    report = ("Grand Totals\n------------\nmessages\n\n      5   received\n      3   delivered\n      0   forwarded\n"
              "      1   deferred  (4  deferrals)\n      0   bounced\n     12   rejected (70%)\n")
    assert _monitoring.summary_subject("mx", report) == \
        "Mail summary of mx, last 24 hours: 5 received, 3 delivered, 1 deferred, 0 bounced, 12 rejected"
    assert _monitoring.summary_subject("mx", "") == "Mail summary of mx, last 24 hours"


# --- The audit ------------------------------------------------------------------------------------------

def test_a_watched_host_passes_both_controls_with_its_evidence():
    findings = dict((f["id"], f) for f in cat.evaluate(host_evidence("postconf-hardened-mx-debian13.txt"), "mx"))
    assert findings["MAIL-MON-001"]["status"] == "pass"
    assert findings["MAIL-MON-001"]["actual"] == ("summary and alert timers enabled and running; last round "
                                                  "2026-12-04T10:00:00Z, 2.0 minutes ago; no alert in force")
    assert findings["MAIL-MON-002"]["status"] == "pass"
    assert findings["MAIL-MON-002"]["actual"] == ("jail postfix-sasl running: 2 failed logins being counted, 1 client "
                                                  "banned now (198.51.100.7), 1 banned in all")


def _set(path, value):
    def plant(evidence):
        target = evidence
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return plant


@pytest.mark.parametrize("control, plant, evidence", [
    ("MAIL-MON-001", _set(["monitoring", "installed"], False), "pflogsumm is not installed"),
    ("MAIL-MON-001", _set(["monitoring", "timers", "mailsec-mail-alerts.timer", "active"], "inactive"),
     "mailsec-mail-alerts.timer enabled/inactive"),
    ("MAIL-MON-001", _set(["monitoring", "age_minutes"], 75.0), "the last round of checks is 75 minutes old"),
    ("MAIL-MON-001", _set(["monitoring", "state_error"], "No such file"), "never finished a round (No such file)"),
    ("MAIL-MON-001", _set(["monitoring", "errors"], ["sendmail failed (75): queue file write error"]),
     "the last round could not read: sendmail failed"),
    ("MAIL-MON-002", _set(["monitoring", "fail2ban", "installed"], False), "fail2ban is not installed"),
    ("MAIL-MON-002", _set(["monitoring", "fail2ban", "active"], "inactive"), "fail2ban.service is inactive"),
    ("MAIL-MON-002", _set(["monitoring", "fail2ban", "status"], None), "the jail postfix-sasl is not running"),
    ("MAIL-MON-002", _set(["packages", "nftables"], False), "nftables is not installed: fail2ban's bans"),
])
def test_each_planted_fault_fails_with_its_evidence(control, plant, evidence):
    host = copy.deepcopy(host_evidence("postconf-hardened-mx-debian13.txt"))
    plant(host)
    finding = dict((f["id"], f) for f in cat.evaluate(host, "mx"))[control]
    assert finding["status"] == "fail"
    assert evidence in finding["actual"]


def test_alerts_in_force_are_shown_and_a_host_without_submission_needs_no_jail():
    host = copy.deepcopy(host_evidence("postconf-hardened-mx-debian13.txt"))
    host["monitoring"]["alerts"] = ["the queue holds 9 messages (limit 3)"]
    host["monitoring"]["fail2ban"]["installed"] = False
    host["postfix"]["services"] = [s for s in host["postfix"]["services"] if s.get("port") not in (465, 587)]
    findings = dict((f["id"], f) for f in cat.evaluate(host, "mx"))
    assert findings["MAIL-MON-001"]["actual"].endswith("alerts in force: the queue holds 9 messages (limit 3)")
    assert findings["MAIL-MON-002"]["status"] == "not_applicable"


class FakeReader(object):
    def __init__(self, state, jail=(0, JAIL, "")):
        self.state, self.jail = state, jail

    def read(self, path):
        assert path == _monitoring.STATE
        return (self.state, "") if self.state is not None else (None, "No such file or directory")

    def run(self, *argv):
        assert list(argv) == ["fail2ban-client", "status", "postfix-sasl"]
        return self.jail


UNITS = {"mailsec-mail-summary.timer": dict(enabled="enabled", active="active"),
         "mailsec-mail-alerts.timer": dict(enabled="enabled", active="active"),
         "fail2ban.service": dict(enabled="enabled", active="active")}
PACKAGES = {"pflogsumm": True, "fail2ban": True}


def test_mailhost_info_reads_the_state_and_the_jail():
    state = json.dumps(dict(checked="2026-12-04T11:55:00Z", errors=[], alerts={}))
    found = mailhost_info._monitoring_state(FakeReader(state), PACKAGES, UNITS, now=NOW)
    assert found["age_minutes"] == 5.0 and found["fail2ban"]["status"]["banned"] == ["10.89.217.50"]
    assert mailhost_info._monitoring_state(FakeReader(None), PACKAGES, UNITS, now=NOW)["state_error"]
    assert mailhost_info._monitoring_state(FakeReader("junk"), PACKAGES, UNITS, now=NOW)["state_error"]
    refused = mailhost_info._monitoring_state(FakeReader(state, (255, "", "Sorry but the jail does not exist")),
                                              PACKAGES, UNITS, now=NOW)
    assert refused["fail2ban"]["status"] is None and "does not exist" in refused["fail2ban"]["error"]


# --- The role's inputs ----------------------------------------------------------------------------------

GOOD = dict((name, value) for name, value in GOOD_TYPED.items() if name.startswith("monitoring_"))


def test_good_inputs_pass_and_the_plan_is_the_layers_values():
    assert monitoring_input_problems(GOOD) == []
    plan = monitoring_plan(dict(GOOD, monitoring_queue_limit="25", monitoring_exporter_address="2001:db8::25"))
    assert plan["monitor"]["queue_limit"] == 25
    assert plan["jail"]["ignore"] == ["127.0.0.0/8", "::1/128", "192.0.2.0/24"]
    assert plan["exporter_listen"] == "[2001:db8::25]:9154"


@pytest.mark.parametrize("change, problem", [
    (dict(monitoring_mail="alice\nBcc: everyone@example.org"), "monitoring_mail"),
    (dict(monitoring_check_minutes=45), "monitoring_check_minutes"),
    (dict(monitoring_window_minutes=2, monitoring_check_minutes=5), "shorter than monitoring_check_minutes"),
    (dict(monitoring_fail2ban_ignore_networks=["0.0.0.0/0 # everyone"]), "monitoring_fail2ban_ignore_networks"),
    (dict(monitoring_fail2ban_ignore_networks=["fe80::1%eth0"]), "monitoring_fail2ban_ignore_networks"),
    (dict(monitoring_exporter_address="0.0.0.0:9154"), "monitoring_exporter_address"),
    (dict(monitoring_fail2ban="sometimes"), "monitoring_fail2ban"),
    (dict(monitoring_summary_time="6am"), "monitoring_summary_time"),
])
def test_each_mistake_is_refused_naming_the_variable(change, problem):
    problems = monitoring_input_problems(dict(GOOD, **change))
    assert problems and problem in problems[0]
