# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Submission passwords: clear ones judged by zxcvbn before the role hashes them, refused naming the
account and never the password; the passwd-file's schemes read by the audit (MAIL-SMTPD-014), which
passes slow salted hashes and fails every weak scheme, never showing a hash."""

from __future__ import annotations

import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _passwords
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _submission as sub

from test__controls import host_evidence  # a well-kept host, as the catalogue tests judge it
from test__submission import SUBMISSION  # submission inputs the role accepts

SHA512 = "$6$mailsecbobsalt01$VNSi8PXk/.p8a0t/CIqrv3G/5DG9mispv65Q1krlgOKjfO408Ok511Wp"


def problems_for(password, name="alice"):
    users = [dict(name=name, password=password)]
    return sub.input_problems(dict(SUBMISSION, postfix_submission_users=users))


@pytest.mark.parametrize("password", ["Password2026!", "dept.example.org", "alicealicealice", "qwertyuiop123",
                                      "aaaaaaaaaaaaaaaa", "1234567890123"])
def test_a_guessable_password_is_refused_naming_the_account_never_the_password(password):
    problems = problems_for(password)
    assert len(problems) == 1, problems
    assert problems[0].startswith("postfix_submission_users[0] (alice): password is too easy to guess (zxcvbn scores it")
    assert password not in problems[0]


@pytest.mark.parametrize("password", ["correct-horse-battery", "tuba-marble-sunrise-pocket", "Vq8#rT2!mZp9Lw4@"])
def test_a_strong_password_is_accepted(password):
    assert problems_for(password) == []


def test_the_login_and_the_domain_count_as_known_words():
    # strong to a stranger, guessable to whoever knows the account
    assert sub.password_strength("alice@dept.example.org", [])[0] >= sub.MIN_STRENGTH
    assert sub.password_strength("alice@dept.example.org", sub._hints("alice", ["dept.example.org"]))[0] < sub.MIN_STRENGTH
    assert "too easy to guess" in problems_for("alice@dept.example.org")[0]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2fff), min_size=12, max_size=40))
def test_no_refusal_ever_repeats_the_password(password):
    assume(password.strip() == password)
    for problem in problems_for(password):
        assert password not in problem


def test_without_zxcvbn_a_clear_password_is_refused_and_a_hash_still_accepted(monkeypatch):
    monkeypatch.setitem(sys.modules, "zxcvbn", None)
    assert "lacks the Python package zxcvbn" in problems_for("correct-horse-battery")[0]
    hashed = dict(SUBMISSION, postfix_submission_users=[dict(name="bob", password_hash="{SHA512-CRYPT}" + SHA512)])
    assert sub.input_problems(hashed) == []


def test_each_scheme_is_judged_and_no_hash_is_kept():
    text = "\n".join(["# accounts", "alice:{SHA512-CRYPT}%s::::" % SHA512, "bob:{PLAIN}hunter2hunter2",
                      "carol:%s" % SHA512, "dave:abJnggxhB/yWI", "erin:{MD5-CRYPT}$1$salt$Hash", "frank:{ARGON2ID}$argon2id$v=19$x",
                      "gina:{CRYPT}$1$salt$x", "hank:{SSHA}abcd", "", "ivan:"])
    accounts = _passwords.schemes(text)
    assert [(a["user"], a["scheme"], a["slow"]) for a in accounts] == [
        ("alice", "SHA512-CRYPT", True), ("bob", "PLAIN", False), ("carol", "CRYPT", True),
        ("dave", "CRYPT (DES or MD5)", False), ("erin", "MD5-CRYPT", False), ("frank", "ARGON2ID", True),
        ("gina", "CRYPT (DES or MD5)", False), ("hank", "SSHA", False), ("ivan", "(no password)", False)]
    assert "hunter2" not in repr(accounts) and SHA512 not in repr(accounts)


def judged(section):
    evidence = host_evidence("postconf-hardened-mx-debian13.txt")
    evidence["submission_passwd"] = section
    return cat.evaluate(evidence, "mx", only=("MAIL-SMTPD-014",))[0]


def test_the_audit_passes_slow_hashes_and_fails_the_weak_ones_by_account():
    slow = judged(dict(exists=True, accounts=_passwords.schemes("alice:{SHA512-CRYPT}%s\n" % SHA512)))
    assert slow["status"] == "pass" and "every password a slow salted hash (SHA512-CRYPT)" in slow["actual"]
    weak = judged(dict(exists=True, accounts=_passwords.schemes("alice:{SHA512-CRYPT}%s\nbob:{PLAIN}hunter2\n" % SHA512)))
    assert weak["status"] == "fail" and weak["actual"].endswith("stored without a slow salted hash: bob (PLAIN)")
    assert "hunter2" not in weak["actual"]


def test_a_host_without_the_file_passes_and_an_unreadable_one_is_an_error():
    assert judged(dict(exists=False))["status"] == "pass"
    assert judged(dict(exists=True, error="Permission denied"))["status"] == "error"
