# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Submission inputs, the sender login map and the role's block in master.cf."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _submission as sub
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import role_input_problems
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._postfix_settings import service_problems

from test__postfix_inputs import GOOD  # the same well-formed role inputs

PASSWORD = "correct-horse-battery"
HASH = "{SHA512-CRYPT}$6$mailsecbobsalt01$VNSi8PXk/.p8a0t/CIqrv3G/5DG9mispv65Q1krlgOKjfO408Ok511Wp"
SUBMISSION = dict(
    GOOD,
    postfix_submission_enabled=True,
    postfix_submission_auth_backend="passwd_file",
    postfix_submission_users=[
        dict(name="alice", password=PASSWORD),
        dict(name="bob", password_hash=HASH, addresses=["bob@dept.example.org", "sales@dept.example.org"]),
    ],
    postfix_submission_auth_rate_limit=10,
    postfix_submission_message_rate_limit=60,
)


def problems(**changes):
    return role_input_problems(dict(SUBMISSION, **changes))


def test_good_submission_inputs_are_accepted():
    assert problems() == []


def test_submission_off_with_no_accounts_is_accepted():
    assert problems(postfix_submission_enabled=False, postfix_submission_users=[]) == []


def test_inputs_without_submission_keys_are_still_checked_as_before():
    assert role_input_problems(dict(GOOD)) == []


@pytest.mark.parametrize("changes, fragment", [
    (dict(postfix_submission_enabled="yes"), "postfix_submission_enabled must be true or false"),
    (dict(postfix_submission_auth_backend="ldap"), "postfix_submission_auth_backend"),
    (dict(postfix_mode="relay_client", postfix_relayhost="[hub.example.org]:25"), "needs postfix_mode mx"),
    (dict(postfix_submission_users=[]), "must list at least one account"),
    (dict(postfix_submission_users="alice"), "must be a list of accounts"),
    (dict(postfix_submission_users=[dict(name="al ice", password=PASSWORD)]), "name must be a login"),
    (dict(postfix_submission_users=[dict(name="alice:x", password=PASSWORD)]), "name must be a login"),
    (dict(postfix_submission_users=[dict(name="alice")]), "needs exactly one of password"),
    (dict(postfix_submission_users=[dict(name="alice", password=PASSWORD, password_hash=HASH)]), "exactly one"),
    (dict(postfix_submission_users=[dict(name="alice", password="short")]), "shorter than 12"),
    (dict(postfix_submission_users=[dict(name="alice", password_hash="{PLAIN}secret-password")]), "password_hash"),
    (dict(postfix_submission_users=[dict(name="alice", password_hash="$6$salt$hash")]), "password_hash"),
    (dict(postfix_submission_users=[dict(name="alice", password=PASSWORD, addresses="alice@x.org")]), "addresses"),
    (dict(postfix_submission_users=[dict(name="alice", password=PASSWORD, addresses=["not-an-address"])]),
     "addresses"),
    (dict(postfix_submission_users=[dict(name="alice", password=PASSWORD, role="admin")]), "unknown keys role"),
    (dict(postfix_submission_users=[dict(name="alice", password=PASSWORD), dict(name="alice", password=PASSWORD)]),
     "more than once"),
    (dict(postfix_submission_users=[dict(name="alice", password=PASSWORD),
                                    dict(name="bob", password=PASSWORD, addresses=["alice@dept.example.org"])]),
     "given to alice and bob"),
    (dict(postfix_submission_auth_backend="system", postfix_submission_users=[dict(name="alice", password=PASSWORD)]),
     "remove password"),
    (dict(postfix_submission_auth_rate_limit=0), "postfix_submission_auth_rate_limit"),
    (dict(postfix_submission_message_rate_limit=True), "postfix_submission_message_rate_limit"),
])
def test_bad_submission_input_is_refused(changes, fragment):
    found = problems(**changes)
    assert any(fragment in p for p in found), found


@pytest.mark.parametrize("user", [
    dict(name="alice", password="a-secret\x01that-is-long"),
    dict(name="alice", password="Xq7#Zr"),
    dict(name="alice", password_hash="{PLAIN}a-secret-that-is-long"),
    dict(name="alice", password="a-secret-that-is-long", password_hash="{PLAIN}other-secret-value"),
])
def test_no_message_ever_shows_a_password_or_hash(user):
    found = problems(postfix_submission_users=[user])
    assert found
    for secret in (user.get("password"), user.get("password_hash")):
        if secret:
            assert not any(secret in p for p in found), found
            assert not any(secret[1:-1] in p for p in found), found


def test_accounts_without_domains_matter_only_when_submission_is_on():
    users = [dict(name="alice", password=PASSWORD)]
    null_client = dict(postfix_mode="relay_client", postfix_relayhost="[hub.example.org]:25", postfix_domains=[])
    assert problems(postfix_submission_enabled=False, postfix_submission_users=users, **null_client) == []
    found = problems(postfix_submission_users=users, **null_client)
    assert any("list its addresses" in p for p in found), found


def test_system_backend_needs_no_accounts():
    assert problems(postfix_submission_auth_backend="system", postfix_submission_users=[]) == []


def test_sender_logins_default_to_login_at_every_domain():
    users = [dict(name="alice"), dict(name="bob", addresses=["Sales@Dept.example.org"])]
    assert sub.sender_logins(users, ["dept.example.org", "lab.example.org"]) == [
        ("alice@dept.example.org", "alice"), ("alice@lab.example.org", "alice"), ("sales@dept.example.org", "bob")]


STOCK = """# Postfix master process configuration file.
smtp      inet  n       -       y       -       -       smtpd
#submission inet n       -       y       -       -       smtpd
#  -o syslog_name=postfix/submission
pickup    unix  n       -       y       60      1       pickup
"""
BLOCK = "submission inet n - y - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n"


def test_master_cf_without_a_block_is_left_byte_for_byte():
    for text in (STOCK, STOCK + "\n\n", STOCK.rstrip("\n")):
        assert sub.master_cf(text, "") == dict(text=text, conflicts=[], problem=None)


def test_master_cf_block_is_added_once_and_is_idempotent():
    first = sub.master_cf(STOCK, BLOCK)
    assert first["conflicts"] == [] and first["problem"] is None
    assert first["text"].count(sub.BLOCK_BEGIN) == 1
    assert first["text"].startswith(STOCK.rstrip("\n"))
    assert sub.master_cf(first["text"], BLOCK)["text"] == first["text"]
    changed = sub.master_cf(first["text"], BLOCK + "  -o smtpd_client_auth_rate_limit=5\n")["text"]
    assert "smtpd_client_auth_rate_limit=5" in changed and changed.count(sub.BLOCK_BEGIN) == 1


def test_master_cf_block_is_removed_and_the_rest_kept():
    added = sub.master_cf(STOCK, BLOCK)["text"]
    removed = sub.master_cf(added, "")["text"]
    assert sub.BLOCK_BEGIN not in removed and "smtpd_sasl_auth_enable" not in removed
    assert removed == STOCK


@pytest.mark.parametrize("line", [
    "submission inet n - y - - smtpd",
    "587 inet n - y - - smtpd",
    "smtps     inet  n       -       y       -       -       smtpd",
    "[::1]:465 inet n - y - - smtpd",
])
def test_master_cf_names_submission_services_outside_the_block(line):
    result = sub.master_cf(STOCK + line + "\n", BLOCK)
    assert result["conflicts"] == ["%s/inet" % line.split()[0]]


def test_master_cf_commented_or_other_services_do_not_conflict():
    assert sub.master_cf(STOCK + "2525 inet n - y - - smtpd\n", BLOCK)["conflicts"] == []


def test_master_cf_with_a_damaged_block_is_not_touched():
    damaged = STOCK + sub.BLOCK_BEGIN + "\n" + BLOCK
    result = sub.master_cf(damaged, BLOCK)
    assert result["text"] == damaged and "damaged" in result["problem"]


POLICY = "policyd-spf unix - n n - 0 spawn\n  user=policyd-spf argv=/usr/bin/policyd-spf\n"


def test_the_block_of_1_0_0_is_read_and_replaced_by_the_current_one():
    legacy = STOCK + "\n# BEGIN mailsec.hardening submission services\n" + BLOCK + "# END mailsec.hardening submission services\n"
    result = sub.master_cf(legacy, BLOCK + POLICY)
    assert result["problem"] is None and "submission services" not in result["text"]
    assert result["text"] == STOCK + "\n" + sub.BLOCK_BEGIN + "\n" + BLOCK + POLICY + sub.BLOCK_END + "\n"
    assert sub.master_cf(legacy, "")["text"] == STOCK


def test_a_block_without_submission_services_names_no_conflict():
    # policyd-spf alone (sender authentication without submission): a user's own 587 service stays theirs.
    assert sub.master_cf(STOCK + "submission inet n - y - - smtpd\n", POLICY)["conflicts"] == []


def test_wrapper_mode_is_right_on_465_only():
    overrides = {"smtpd_tls_wrappermode": "yes"}
    assert service_problems(overrides, {}, 465) == []
    assert [p["parameter"] for p in service_problems(overrides, {}, 2525)] == ["smtpd_tls_wrappermode"]
    assert [p["parameter"] for p in service_problems(overrides, {})] == ["smtpd_tls_wrappermode"]


def test_the_role_submission_overrides_are_not_a_relay_problem():
    overrides = {"smtpd_sasl_auth_enable": "yes", "smtpd_relay_restrictions": "permit_sasl_authenticated,reject",
                 "smtpd_recipient_restrictions": "reject_non_fqdn_recipient", "smtpd_client_restrictions": "",
                 "smtpd_helo_restrictions": "", "smtpd_tls_security_level": "encrypt"}
    assert service_problems(overrides, {}, 587) == []
    opened = dict(overrides, smtpd_relay_restrictions="permit")
    assert service_problems(opened, {}, 587)
