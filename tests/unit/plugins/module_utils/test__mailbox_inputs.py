# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The mailbox role's inputs and the junk scripts written from them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mailbox_inputs


def _values(**changes):
    values = dict(mailbox_junk_thresholds={"alice": 5}, mailbox_junk_folder="Junk")
    values.update(changes)
    return values


def test_a_user_with_a_threshold_gets_a_script_filing_junk_at_it():
    scripts = _mailbox_inputs.junk_scripts(_values(mailbox_junk_thresholds={"bob": 12, "alice": 5}))
    assert sorted(scripts) == ["alice", "bob"]
    assert '"${1}" "5"' in scripts["alice"] and '"${1}" "12"' in scripts["bob"]
    assert 'fileinto :create "Junk";' in scripts["alice"] and "stop;" in scripts["alice"]
    assert scripts["alice"].startswith('require ["fileinto", "mailbox", "relational", "comparator-i;ascii-numeric"')


def test_nobody_without_a_threshold_gets_a_script():
    assert _mailbox_inputs.junk_scripts(_values(mailbox_junk_thresholds={})) == {}


def _whole_points(header, script):
    """What the script's regex captures from HEADER, as Sieve's :regex would (POSIX ERE, unanchored)."""
    pattern = re.search(r'header :regex "X-Spam-Status" "(.*)" \{', script).group(1).replace("\\\\", "\\")
    match = re.search(pattern, header)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize("header, junk", [
    ("Yes, score=7.2 required=5.0 tests=ADVANCE_FEE", True),
    ("Yes, score=5.0 required=5.0 tests=X", True),
    ("No, score=4.9 required=5.0 tests=X", False),
    # a negative score has no digit after score=: it never reaches the numeric comparison
    ("No, score=-3.1 required=5.0 tests=X", False),
    ("No, score=-13 required=5.0", False),
])
def test_the_script_reads_the_whole_points_of_the_score(header, junk):
    script = _mailbox_inputs.threshold_script(5, "Junk")
    points = _whole_points(header, script)
    assert (points is not None and points >= 5) is junk


@pytest.mark.parametrize("changes, says", [
    (dict(mailbox_junk_thresholds={"alice": 4.5}), "mailbox_junk_thresholds[alice]"),
    (dict(mailbox_junk_thresholds={"alice": 0}), "mailbox_junk_thresholds[alice]"),
    (dict(mailbox_junk_thresholds={"alice": 51}), "mailbox_junk_thresholds[alice]"),
    (dict(mailbox_junk_thresholds={"Alice": 5}), "mailbox_junk_thresholds"),
    (dict(mailbox_junk_thresholds={"alice/../root": 5}), "mailbox_junk_thresholds"),
    (dict(mailbox_junk_thresholds=["alice"]), "must be a mapping"),
    (dict(mailbox_junk_folder="INBOX"), "mailbox_junk_folder"),
    (dict(mailbox_junk_folder="Junk.Sub"), "mailbox_junk_folder"),
    (dict(mailbox_junk_folder='Junk";\ndiscard;'), "mailbox_junk_folder"),
    (dict(mailbox_junk_folder=""), "mailbox_junk_folder"),
])
def test_hostile_or_mistaken_inputs_are_refused_naming_the_variable(changes, says):
    problems = _mailbox_inputs.mailbox_problems(_values(**changes))
    assert any(says in p for p in problems), problems


@settings(max_examples=200, deadline=None)
@given(user=st.text(max_size=40), folder=st.text(max_size=40), points=st.one_of(st.integers(), st.floats(), st.text(max_size=5)))
def test_any_value_is_refused_or_written_into_a_script_that_says_only_what_the_layer_read(user, folder, points):
    values = _values(mailbox_junk_thresholds={user: points}, mailbox_junk_folder=folder)
    if _mailbox_inputs.mailbox_problems(values):
        return
    script = _mailbox_inputs.junk_scripts(values)[user]
    assert re.match(r"^[a-z_][a-z0-9_-]*\Z", user) and re.match(r"^[A-Za-z0-9_-]+\Z", folder)
    assert 'fileinto :create "%s";' % folder in script and '"${1}" "%d"' % int(points) in script
    assert script.count("fileinto") == 1 and "discard" not in script and "redirect" not in script
