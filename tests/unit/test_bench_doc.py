# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/benchmarks.md is written from the JSON of one `make bench` run (testbed/bench-doc.py): every figure
is the run's, every ratio is computed from two of its figures, and a run that left no JSON writes nothing."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "bench"


def generator():
    spec = importlib.util.spec_from_file_location("bench_doc", ROOT / "testbed" / "bench-doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_carries_the_runs_figures_and_ratios_computed_from_them():
    text = generator().render(str(FIXTURES))
    assert text.startswith("# Benchmarks\n")
    assert ("Measured on 2026-12-04 17:14 UTC by `make bench` on Debian GNU/Linux 12 (bookworm), 2 cores, 23.5 GiB of "
            "memory; kernel 6.1.0-28-amd64; Python 3.11.2; ansible-core 2.19.14; nmap 7.93; podman 4.3.1.") in text
    # the audit: 13.6 s for 8 hosts against 4.4 s for one; the re-run against the audit of as many hosts
    assert "| audit | 8 | 13.6 | 1.7 | 3.09x |  |  |" in text
    assert "| harden.yml re-run | 1 | 29.8 | 29.8 |  | 6.77x | 0 |" in text
    # the filters: 19.92 against 538.4 messages/s, and nothing lost
    assert "| messages/s | 538.4 | 19.9 | 0.04x | 18.0 | 0.03x | 0.90x |" in text
    assert "No message was lost or left unanswered on any server." in text
    assert "| peak RSS spamd (MiB) |  | 207.7 (2 processes) | | 207.9 (2 processes) | | |" in text
    # the sweep beside nmap, in the same run
    assert "| Without the greeting tarpit | 1.5 | 0.0 + 0.5 | 18.2 | 12.13x |" in text
    assert "the two tools agree on 13 of 13 listeners" in text
    for absent in ("None", " nan ", "{", "}"):
        assert absent not in text


def test_the_sixteen_is_its_own_table_in_the_sweep_section_every_figure_beside_nmaps():
    text = generator().render(str(FIXTURES))
    sweep = text[text.index("## Sweep beside nmap"):]
    assert "\n### A /16 with 100 listeners\n" in sweep
    # 5.2 s against 61.8 s, 66.2 MiB against 239.9 MiB; discovery and batteries 1.509 + 2.267 s against nmap's wall
    assert ("| 127.91.0.0/16 | smtp_scan | nmap | smtp_scan / nmap |\n"
            "|---|---|---|---|\n"
            "| addresses swept | 65,534 | 65,536 | |\n"
            "| wall time (s) | 5.2 | 61.8 | 0.08x |\n"
            "| without Ansible's start-up: discovery + batteries (s) | 1.5 + 2.3 | 61.8 | 0.06x |\n"
            "| peak RSS of the process that sweeps (MiB) | 66.2 | 239.9 | 0.28x |\n"
            "| peak RSS of the largest process, `ansible` included (MiB) | 66.2 | 239.9 | 0.28x |\n"
            "| listeners found (100 started) | 100 | 100 | |\n"
            "| verdict as expected (of 100) | 100 | 100 | |\n") in sweep
    assert "Verdicts: the two tools agree on 100 of 100 listeners." in sweep
    # what a user passes to sweep a /16, and how nmap was run
    assert "`allow_large_ranges: true`" in sweep
    prose = " ".join(sweep.split())  # the paragraphs are wrapped; what they say does not depend on where
    assert "`nmap -Pn -n -p25 --script smtp-open-relay --script-timeout 60s --open --min-hostgroup 65536`" in prose
    assert "20 open relays, 30 closed, 15 closed with Postfix's error sleep, 15 demanding AUTH" in prose
    assert "smtp_scan takes 0.08x nmap's wall time and 0.28x its peak memory" in prose


def test_the_sixteens_figures_come_from_the_json_and_misjudged_listeners_are_named(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "bench")
    path = tmp_path / "bench" / "sweep.json"
    data = json.loads(path.read_text())
    large = data["large_range"]
    large["smtp_scan"].update(seconds=12.0, ansible_peak_rss_mib=120.0, found=101, correct=99,
                              unexpected=["127.91.7.7"])
    large["nmap"].update(seconds=48.0, peak_rss_mib=30.0, found=99, correct=98)
    large["verdicts_agree"] = 98
    large["rows"][0].update(smtp_scan="error", correct=False, nmap="not found", nmap_correct=False, agree=False)
    path.write_text(json.dumps(data))
    text = generator().render(str(tmp_path / "bench"))
    assert "| wall time (s) | 12.0 | 48.0 | 0.25x |" in text
    assert "| peak RSS of the process that sweeps (MiB) | 66.2 | 30.0 | 2.21x |" in text
    assert "| peak RSS of the largest process, `ansible` included (MiB) | 120.0 | 30.0 | 4.00x |" in text
    assert "| listeners found (100 started) | 101 | 99 | |" in text
    assert "| verdict as expected (of 100) | 99 | 98 | |" in text
    assert ("the two tools agree on 98 of 100 listeners; not as expected: 127.91.0.2 (demands AUTH (530)): smtp_scan "
            "`error`, nmap not found; listeners nobody started: 127.91.7.7 found by smtp_scan.") in " ".join(text.split())


def test_a_sweep_without_the_sixteen_has_no_table_for_it(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "bench")
    path = tmp_path / "bench" / "sweep.json"
    data = json.loads(path.read_text())
    del data["large_range"]
    path.write_text(json.dumps(data))
    text = generator().render(str(tmp_path / "bench"))
    assert "/16" not in text and "| Without the greeting tarpit |" in text


def test_lost_mail_is_said_so(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "bench")
    path = tmp_path / "bench" / "filtering.json"
    data = json.loads(path.read_text())
    data["results"]["bench-filtered"]["lost"] = 3
    path.write_text(json.dumps(data))
    assert "3 messages were lost or left unanswered." in generator().render(str(tmp_path / "bench"))


def test_a_run_without_its_json_writes_nothing(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "bench")
    (tmp_path / "bench" / "sweep.json").unlink()
    output = tmp_path / "benchmarks.md"
    with pytest.raises(SystemExit, match="sweep.json is missing: run make bench first"):
        generator().main([str(tmp_path / "bench"), str(output)])
    assert not output.exists()
