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
