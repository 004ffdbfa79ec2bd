# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The candidate directory holds what postconf must read, and nothing in it is new enough for Postfix
to wait for it to cool down (a file changed within the last second is reread every 0.3 s)."""
from __future__ import annotations

import os
import time

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _candidate


def _live(tmp_path):
    live = tmp_path / "live"
    (live / "postfix-files.d").mkdir(parents=True)
    (live / "main.cf").write_text("myhostname = live.example.org\n")
    (live / "master.cf").write_text("smtp inet n - y - - smtpd\n")
    (live / "dynamicmaps.cf").write_text("pcre postfix-pcre.so dict_pcre_open\n")
    (live / "postfix-files.d" / "pcre-files").write_text("$shlib_directory/postfix-pcre.so:f:root:-:755\n")
    (live / "aliases").write_text("postmaster: root\n")
    return live


def _files(directory):
    return sorted(os.path.relpath(os.path.join(root, name), directory)
                  for root, _dirs, names in os.walk(directory) for name in names)


def test_the_candidate_has_the_new_main_cf_the_live_master_cf_and_what_postconf_needs(tmp_path):
    live, candidate = _live(tmp_path), tmp_path / "candidate"
    candidate.mkdir()
    _candidate.write_candidate(str(candidate), str(live), "myhostname = new.example.org\n")
    assert _files(candidate) == ["dynamicmaps.cf", "main.cf", "master.cf", "postfix-files.d/pcre-files"]
    assert (candidate / "main.cf").read_text() == "myhostname = new.example.org\n"
    assert (candidate / "master.cf").read_text() == "smtp inet n - y - - smtpd\n"


def test_a_new_master_cf_takes_the_live_ones_place(tmp_path):
    live, candidate = _live(tmp_path), tmp_path / "candidate"
    candidate.mkdir()
    _candidate.write_candidate(str(candidate), str(live), "", "submission inet n - y - - smtpd\n")
    assert (candidate / "master.cf").read_text() == "submission inet n - y - - smtpd\n"


def test_every_file_is_dated_back_beyond_postfixs_second(tmp_path):
    live, candidate = _live(tmp_path), tmp_path / "candidate"
    candidate.mkdir()
    before = time.time()
    _candidate.write_candidate(str(candidate), str(live), "myhostname = new.example.org\n")
    for name in _files(candidate):
        # Postfix reads at once when st_mtime < (the time it started reading) - 1
        assert os.stat(candidate / name).st_mtime < before - 1, name
    assert os.stat(live / "main.cf").st_mtime >= before - 5  # the live files are left as they were


def test_cool_down_dates_from_the_time_given(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "file").write_text("x")
    _candidate.cool_down(str(tmp_path), now=1_000_000)
    assert os.stat(tmp_path / "sub" / "file").st_mtime == 1_000_000 - _candidate.COOL_SECONDS
