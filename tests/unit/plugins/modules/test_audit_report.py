# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import json
import types
import xml.etree.ElementTree as ET

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.modules import audit_report


def run_module(capsys, check_mode=False, **args):
    if check_mode:
        args["_ansible_check_mode"] = True
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        audit_report.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def stop_the_clock(monkeypatch, at=datetime.datetime(2026, 12, 3, 12, 0, 0)):
    """Reports carry the second they were generated, so two runs a second apart differ; a test that
    compares two runs' files runs them at one instant."""
    class Stopped(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return at.replace(tzinfo=tz)
    monkeypatch.setattr(audit_report, "datetime", types.SimpleNamespace(
        datetime=Stopped, date=datetime.date, timezone=datetime.timezone))


def results():
    return {
        "mx.dept.example.org": dict(mode="mx", findings=[
            cat.finding(cat.BY_ID["MAIL-SMTPD-002"], "fail", "disable_vrfy_command = no"),
            cat.finding(cat.BY_ID["MAIL-NET-003"], "fail", "nftables input policy: none"),
            cat.finding(cat.BY_ID["MAIL-RELAY-011"], "pass", "192.0.2.25:25 closed"),
        ]),
        "../lab": dict(mode="local_only", findings=[
            cat.finding(cat.BY_ID["MAIL-RELAY-011"], "pass", "no listener answered on 192.0.2.9:25"),
        ]),
    }


WAIVER = dict(id="MAIL-NET-003", hosts="mx.*", justification="The border firewall filters this segment",
              expires="2027-06-30")


def test_reports_are_written_with_waivers_applied(capsys, tmp_path):
    rc, result = run_module(capsys, results=results(), waivers=[WAIVER], dest=str(tmp_path / "reports"),
                            fail_severity="low", today="2026-11-23")
    assert rc == 0 and result["changed"] is True
    assert [(f["host"], f["id"]) for f in result["blocking"]] == [("mx.dept.example.org", "MAIL-SMTPD-002")]
    report = json.loads((tmp_path / "reports" / "audit.json").read_text())
    net = [f for f in report["hosts"]["mx.dept.example.org"]["findings"] if f["id"] == "MAIL-NET-003"][0]
    assert net["status"] == "waived"
    returned = [f for f in result["by_host"]["mx.dept.example.org"]["findings"] if f["id"] == "MAIL-NET-003"][0]
    assert returned["status"] == "waived" and "results" not in result
    suites = ET.parse(str(tmp_path / "reports" / "audit.junit.xml")).getroot()
    assert sum(int(s.get("failures")) for s in suites) == 1
    assert "<table id=\"matrix\">" in (tmp_path / "reports" / "audit.html").read_text()
    assert "MAIL-SMTPD-002" in (tmp_path / "reports" / "audit.txt").read_text()
    # a host name cannot place its report outside hosts/
    assert result["paths"]["hosts"]["../lab"] == str(tmp_path / "reports" / "hosts" / "_lab.json")
    assert json.loads((tmp_path / "reports" / "hosts" / "_lab.json").read_text())["hosts"]["../lab"]["mode"] == \
        "local_only"


def test_hosts_whose_names_make_the_same_file_name_get_a_report_each(capsys, tmp_path):
    mine = results()["mx.dept.example.org"]
    rc, result = run_module(capsys, results={"lab/a": mine, "lab_a": mine, "LAB_A": mine, "mx": mine},
                            dest=str(tmp_path / "reports"), fail_severity="none")
    assert rc == 0
    paths = result["paths"]["hosts"]
    assert len(set(p.lower() for p in paths.values())) == 4
    assert paths["mx"].endswith("/hosts/mx.json")
    for host in ("lab/a", "lab_a", "LAB_A"):
        assert json.loads(open(paths[host]).read())["hosts"].keys() == {host}


def test_a_report_is_replaced_whole_never_rewritten_in_place(capsys, tmp_path, monkeypatch):
    """A reader holding the previous report keeps it complete; the new one arrives in one rename,
    readable by others as a new file is, and no temporary file is left beside it."""
    stop_the_clock(monkeypatch)
    dest = tmp_path / "reports"
    run_module(capsys, results=results(), dest=str(dest), fail_severity="none")
    before = dest / "audit.json"
    held = open(str(before), encoding="utf-8")
    inode = before.stat().st_ino
    changed = results()
    changed["mx.dept.example.org"]["findings"][0]["status"] = "pass"
    rc, result = run_module(capsys, results=changed, dest=str(dest), fail_severity="none")
    assert rc == 0 and result["changed"] is True
    assert before.stat().st_ino != inode
    old = json.loads(held.read())
    held.close()
    assert old["hosts"]["mx.dept.example.org"]["findings"] != \
        json.loads(before.read_text())["hosts"]["mx.dept.example.org"]["findings"]
    assert sorted(p.name for p in dest.iterdir() if p.name.startswith(".")) == []
    assert before.stat().st_mode & 0o044 == 0o044
    # the same results again, in the same second: nothing is rewritten
    inode = before.stat().st_ino
    rc, result = run_module(capsys, results=changed, dest=str(dest), fail_severity="none")
    assert result["changed"] is False and before.stat().st_ino == inode
    # a second later the JSON and HTML say when they were made, so they change; JUnit and text do not
    junit = (dest / "audit.junit.xml").stat().st_ino
    stop_the_clock(monkeypatch, datetime.datetime(2026, 12, 3, 12, 0, 1))
    rc, result = run_module(capsys, results=changed, dest=str(dest), fail_severity="none")
    assert result["changed"] is True and before.stat().st_ino != inode
    assert json.loads(before.read_text())["generated"] == "2026-12-03T12:00:01Z"
    assert (dest / "audit.junit.xml").stat().st_ino == junit


def test_a_planted_temporary_name_is_never_written_through(capsys, tmp_path):
    """Report directories are often shared: a link planted where a fixed temporary name would be
    must not redirect the report into another file."""
    dest = tmp_path / "reports"
    dest.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    for name in ("audit.json", "audit.html", "audit.junit.xml", "audit.txt"):
        (dest / (name + ".tmp")).symlink_to(victim)
    rc, result = run_module(capsys, results=results(), dest=str(dest), fail_severity="none")
    assert rc == 0 and victim.read_text() == "untouched"
    assert json.loads((dest / "audit.json").read_text())["hosts"].keys() == results().keys()


def test_check_mode_writes_nothing(capsys, tmp_path):
    rc, result = run_module(capsys, check_mode=True, results=results(), dest=str(tmp_path / "reports"))
    assert rc == 0 and result["changed"] is False
    assert not (tmp_path / "reports").exists()
    assert result["summary"]["fail"] == 2


def test_threshold_none_blocks_nothing(capsys, tmp_path):
    rc, result = run_module(capsys, results=results(), dest=str(tmp_path), fail_severity="none")
    assert rc == 0 and result["blocking"] == []


@pytest.mark.parametrize("args, fragment", [
    (dict(waivers=[dict(WAIVER, expires="someday")]), "waivers[0].expires must be a date"),
    (dict(waivers=[dict(WAIVER, id="MAIL-NOPE-001")]), "waivers[0].id: 'MAIL-NOPE-001' is not a control"),
    (dict(waivers=[dict(WAIVER, justification="ok")]), "waivers[0].justification must say why"),
    (dict(results={"mx": dict(mode="server", findings=[])}), "results[mx] must be {mode: one of"),
    (dict(results={"mx": dict(mode="mx", findings=[{"id": "x"}])}), "results[mx] holds a finding"),
    (dict(today="tomorrow"), "today must be a date"),
    # a waiver that never ends switches a control off for good
    (dict(waivers=[dict(WAIVER, expires="9999-12-31")], today="2026-11-23"),
     "waivers[0].expires: 9999-12-31 is more than a year away; a waiver must be reviewed within a year (at the latest "
     "2027-11-24)"),
])
def test_bad_input_is_refused_before_anything_is_written(capsys, tmp_path, args, fragment):
    args.setdefault("results", results())
    rc, result = run_module(capsys, dest=str(tmp_path / "reports"), **args)
    assert rc == 1
    assert fragment in result["msg"]
    assert not (tmp_path / "reports").exists()


def test_unaudited_hosts_are_reported_and_returned(capsys, tmp_path):
    rc, result = run_module(capsys, results=results(), unaudited=["gone.dept.example.org", "mx.dept.example.org"],
                            dest=str(tmp_path))
    assert rc == 0
    assert result["unaudited"] == ["gone.dept.example.org"]  # a host with findings was audited
    assert json.loads((tmp_path / "audit.json").read_text())["unaudited"] == ["gone.dept.example.org"]
    assert result["terminal"].startswith("gone.dept.example.org: NOT AUDITED")


def test_a_sweep_writes_the_same_reports_under_its_own_name_and_title(capsys, tmp_path):
    sweep = {"192.0.2.40": dict(mode="unregistered", registered=None, findings=[
        cat.finding(cat.BY_ID["MAIL-REG-001"], "fail", "not in the registry; listening: 192.0.2.40:25 (open_relay)"),
        cat.finding(cat.BY_ID["MAIL-RELAY-011"], "fail", "192.0.2.40:25 open; first accepted: N2 <b>"),
    ])}
    rc, result = run_module(capsys, results=sweep, name="scan", title="mailsec.hardening network sweep",
                            details=dict(listeners=[dict(address="192.0.2.40", port=25)]), dest=str(tmp_path))
    assert rc == 0 and sorted(f["id"] for f in result["blocking"]) == ["MAIL-REG-001", "MAIL-RELAY-011"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hosts", "scan.html", "scan.json", "scan.junit.xml",
                                                          "scan.txt"]
    report = json.loads((tmp_path / "scan.json").read_text())
    assert report["hosts"]["192.0.2.40"]["mode"] == "unregistered"
    assert report["details"]["listeners"] == [dict(address="192.0.2.40", port=25)]
    assert ET.parse(str(tmp_path / "scan.junit.xml")).getroot().get("name") == "mailsec.hardening network sweep"
    page = (tmp_path / "scan.html").read_text()
    assert "<h1>mailsec.hardening network sweep</h1>" in page and "N2 &lt;b&gt;" in page


def test_a_report_name_that_could_leave_the_directory_is_refused(capsys, tmp_path):
    rc, result = run_module(capsys, results={}, name="../audit", dest=str(tmp_path))
    assert rc == 1 and "name must be a plain file name" in result["msg"]
