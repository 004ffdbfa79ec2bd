# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _filter_inputs

EICAR_HDB = "44d88612fea8a8f36de82e1278abb02f:68:Local.Test.EICAR"


def clamav(**changes):
    """The clamav role's defaults, as the role renders them, with CHANGES."""
    values = dict(clamav_signature_source="official", clamav_private_mirror="", clamav_local_signatures=[],
                  clamav_freshclam_checks=12, clamav_max_message_size=10485760, clamav_allow_low_memory=False,
                  clamav_reject_message="Virus %v found in this message; it was refused and not delivered.",
                  clamav_report_hostname="mx.dept.example.org", clamav_filter_mode="reject")
    values.update(changes)
    return values


def mimedefang(**changes):
    values = dict(mimedefang_filter_mode="sanitize", mimedefang_worm_signatures=["*.Worm.*"],
                  mimedefang_report_hostname="mx.dept.example.org")
    values.update(changes)
    return values


def spamassassin(**changes):
    values = dict(spamassassin_required_score=5.0, spamassassin_reject_score=15, spamassassin_trusted_networks=[],
                  spamassassin_skip_authenticated=True, spamassassin_network_tests=True,
                  spamassassin_rule_updates=True, spamassassin_max_children=5,
                  spamassassin_reject_message="Refused as spam by this server's filter.")
    values.update(changes)
    return values


def one_problem(problems, variable):
    assert len(problems) == 1, problems
    assert problems[0].startswith(variable), problems
    return problems[0]


def test_clamav_defaults_pass_on_a_host_with_enough_memory():
    assert _filter_inputs.clamav_problems(clamav(), 8192) == []


def test_local_signatures_pass_on_a_small_host():
    local = clamav(clamav_signature_source="local", clamav_local_signatures=[dict(name="local.hdb", content=EICAR_HDB)])
    assert _filter_inputs.clamav_problems(local, 512) == []


@pytest.mark.parametrize("source", ["official", "mirror"])
def test_memory_guard_refuses_the_full_database_below_3_gib(source):
    values = clamav(clamav_signature_source=source, clamav_private_mirror="https://clamav.example.org/db")
    problem = one_problem(_filter_inputs.clamav_problems(values, 3071), "clamav_signature_source")
    assert "at least 3 GiB" in problem and "3071 MiB" in problem and "clamav_allow_low_memory" in problem
    assert _filter_inputs.clamav_problems(values, 3072) == []
    assert _filter_inputs.clamav_problems(dict(values, clamav_allow_low_memory=True), 1024) == []


@pytest.mark.parametrize("changes, variable", [
    (dict(clamav_signature_source="internet"), "clamav_signature_source"),
    (dict(clamav_signature_source="mirror"), "clamav_private_mirror"),
    (dict(clamav_signature_source="mirror", clamav_private_mirror="ftp://mirror.example.org"), "clamav_private_mirror"),
    (dict(clamav_signature_source="mirror", clamav_private_mirror="http://m.example.org/\nDatabaseMirror x"),
     "clamav_private_mirror"),
    (dict(clamav_signature_source="local"), "clamav_local_signatures must list at least one"),
    (dict(clamav_local_signatures="local.hdb"), "clamav_local_signatures must be a list"),
    (dict(clamav_local_signatures=[dict(name="../../etc/passwd.hdb", content=EICAR_HDB)]), "clamav_local_signatures"),
    (dict(clamav_local_signatures=[dict(name="local.txt", content=EICAR_HDB)]), "clamav_local_signatures"),
    (dict(clamav_local_signatures=[dict(name="local.hdb", content="  ")]), "clamav_local_signatures"),
    (dict(clamav_local_signatures=["local.hdb"]), "clamav_local_signatures"),
    (dict(clamav_freshclam_checks=0), "clamav_freshclam_checks"),
    (dict(clamav_freshclam_checks=True), "clamav_freshclam_checks"),
    (dict(clamav_max_message_size="10M"), "clamav_max_message_size"),
    (dict(clamav_max_message_size=1000), "clamav_max_message_size"),
    (dict(clamav_allow_low_memory="yes"), "clamav_allow_low_memory"),
    (dict(clamav_reject_message="Virus\nOnInfected Accept"), "clamav_reject_message"),
    (dict(clamav_reject_message=""), "clamav_reject_message"),
    (dict(clamav_reject_message="Virus %v, really %v"), "clamav_reject_message may use %v only once"),
    (dict(clamav_report_hostname="mx.example.org\nOnInfected Accept"), "clamav_report_hostname"),
])
def test_clamav_refusals_name_the_variable(changes, variable):
    one_problem(_filter_inputs.clamav_problems(clamav(**changes), 8192), variable)


@pytest.mark.parametrize("memory", ["", "4G", True, 0, -1])
def test_unreadable_memory_is_refused(memory):
    one_problem(_filter_inputs.clamav_problems(clamav(), memory), "clamav_memory_mb")


def test_spamassassin_defaults_pass():
    assert _filter_inputs.spamassassin_problems(spamassassin()) == []
    assert _filter_inputs.spamassassin_problems(spamassassin(spamassassin_reject_score=None)) == []
    assert _filter_inputs.spamassassin_problems(spamassassin(spamassassin_trusted_networks=["192.0.2.0/24"])) == []


@pytest.mark.parametrize("changes, variable", [
    (dict(spamassassin_required_score=0), "spamassassin_required_score"),
    (dict(spamassassin_required_score="5"), "spamassassin_required_score"),
    (dict(spamassassin_required_score=True), "spamassassin_required_score"),
    (dict(spamassassin_reject_score=4), "spamassassin_reject_score"),
    (dict(spamassassin_reject_score="off"), "spamassassin_reject_score"),
    (dict(spamassassin_reject_score=15.5), "spamassassin_reject_score"),
    (dict(spamassassin_skip_authenticated="no"), "spamassassin_skip_authenticated"),
    (dict(spamassassin_network_tests=None), "spamassassin_network_tests"),
    (dict(spamassassin_rule_updates=1), "spamassassin_rule_updates"),
    (dict(spamassassin_max_children=0), "spamassassin_max_children"),
    (dict(spamassassin_max_children=1000), "spamassassin_max_children"),
    (dict(spamassassin_reject_message='spam" -m'), "spamassassin_reject_message"),
    (dict(spamassassin_reject_message="100% spam"), "spamassassin_reject_message"),
    (dict(spamassassin_reject_message="a\nb"), "spamassassin_reject_message"),
    (dict(spamassassin_trusted_networks=["0.0.0.0/0"]), "spamassassin_trusted_networks"),
    (dict(spamassassin_trusted_networks="10.0.0.0/8"), "spamassassin_trusted_networks"),
])
def test_spamassassin_refusals_name_the_variable(changes, variable):
    one_problem(_filter_inputs.spamassassin_problems(spamassassin(**changes)), variable)


def test_reject_below_tag_says_why():
    problem = one_problem(_filter_inputs.spamassassin_problems(spamassassin(spamassassin_reject_score=4)),
                          "spamassassin_reject_score")
    assert "nothing is refused that would not even be tagged" in problem and "(5.0)" in problem


def test_mimedefang_defaults_pass():
    assert _filter_inputs.mimedefang_problems(mimedefang()) == []
    assert _filter_inputs.mimedefang_problems(mimedefang(mimedefang_filter_mode="reject", mimedefang_worm_signatures=[])) == []


@pytest.mark.parametrize("mode", ["Sanitize", "strip", "", None, True])
def test_a_filter_mode_outside_reject_and_sanitize_is_refused(mode):
    one_problem(_filter_inputs.mimedefang_problems(mimedefang(mimedefang_filter_mode=mode)), "mimedefang_filter_mode")
    one_problem(_filter_inputs.clamav_problems(clamav(clamav_filter_mode=mode), 8192), "clamav_filter_mode")


@pytest.mark.parametrize("pattern", ["*", "**", "*.*", "*.W*", "Win.Worm.*; rm -rf /", "*.Worm.*\n", "a b c", "$(id)",
                                     "*.Worm.{x}", "x" * 129, "", 7, None])
def test_a_worm_pattern_that_is_not_a_signature_name_or_would_drop_everything_is_refused(pattern):
    problem = one_problem(_filter_inputs.mimedefang_problems(mimedefang(mimedefang_worm_signatures=[pattern])),
                          "mimedefang_worm_signatures")
    assert "rm -rf" not in problem or "is not a pattern" in problem


def test_a_worm_list_that_is_not_a_list_is_refused():
    one_problem(_filter_inputs.mimedefang_problems(mimedefang(mimedefang_worm_signatures="*.Worm.*")),
                "mimedefang_worm_signatures")


@pytest.mark.parametrize("pattern", ["Win.*", "*.Trojan.*", "*Agent*", "*Test*", "*.UNOFFICIAL"])
def test_a_worm_pattern_the_audit_would_fail_is_refused(pattern):
    """What MAIL-AV-007 fails (a pattern matching an ordinary virus's name) the role refuses."""
    problem = one_problem(_filter_inputs.mimedefang_problems(mimedefang(mimedefang_worm_signatures=[pattern])),
                          "mimedefang_worm_signatures")
    assert "not worms" in problem
