# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles never accept what their own audit fails.

Every bound a role and the audit both know is owned by the catalogue (_controls.BOUNDS and
SETTING_BOUNDS). For each tunable, generated values are given to the role's input check; a value
it accepts is written as the template writes it (its canonical form) into the evidence of an
otherwise hardened host, and the control that owns the bound must pass on it.
"""
from __future__ import annotations

import copy
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _baseline_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _filter_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import role_input_problems
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._postfix_settings import master_services
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__baseline_inputs import good as baseline
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__controls import (
    filtering_evidence, fixture)
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__filter_inputs import spamassassin
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__postfix_inputs import GOOD as POSTFIX

BOUNDED = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
EVIDENCE = filtering_evidence()
SUBMISSION = dict(postfix_submission_enabled=True, postfix_submission_auth_backend="system",
                  postfix_submission_users=[], postfix_submission_auth_rate_limit=10,
                  postfix_submission_message_rate_limit=60)


def _role_problems(variable, value, optouts=None):
    extra = dict(postfix_control_optouts=optouts) if optouts else {}
    if variable.startswith("postfix_submission_"):
        return role_input_problems(dict(POSTFIX, **dict(SUBMISSION, **dict(extra, **{variable: value}))))
    if variable.startswith("postfix_"):
        return role_input_problems(dict(POSTFIX, **dict(extra, **{variable: value})))
    if variable.startswith("spamassassin_"):
        return _filter_inputs.spamassassin_problems(spamassassin(**{variable: value}))
    return _baseline_inputs.baseline_problems(baseline(**{variable: value}))


def _evidence_with(variable, written):
    """The hardened host's evidence with the setting VARIABLE writes set to WRITTEN."""
    evidence = copy.deepcopy(EVIDENCE)
    setting = cat.BOUNDS[variable][1]
    if variable.startswith("postfix_submission_"):
        overrides = re.sub(r"(?m)^(submissions?/inet/%s) = .*$" % setting, r"\1 = %s" % written,
                           fixture("overrides-hardened-mx-debian13.txt"))
        evidence["postfix"]["services"] = master_services(fixture("master-hardened-mx-debian13.txt"), overrides)
    elif variable.startswith("postfix_"):
        evidence["postfix"]["effective"][setting] = str(written)
    elif variable.startswith("spamassassin_"):
        evidence["spamassassin"]["config"][setting] = str(written)
    else:
        evidence["logs"].update(retention_days=float(written), max_retention="%sday" % written)
    return evidence


def _status(evidence, control):
    (finding,) = cat.evaluate(evidence, "mx", only=[control])
    return finding


def test_every_bound_names_a_real_control_and_a_typed_variable():
    for variable, (control, dummy, low, high) in cat.BOUNDS.items():
        assert control in cat.BY_ID and variable in _input_types.TYPES
        assert low is not None or high is not None
    for name, (control, dummy, dummy, dummy) in cat.SETTING_BOUNDS.items():
        assert control in cat.BY_ID


def test_the_hardened_evidence_passes_every_bounding_control():
    for control in set(entry[0] for entry in list(cat.BOUNDS.values()) + list(cat.SETTING_BOUNDS.values())):
        assert _status(EVIDENCE, control)["status"] == "pass", control


values = st.one_of(st.integers(-5, 200), st.integers(0, 2 ** 32), st.sampled_from([0, 1, 3, 10, 29, 30, 50, 51, 100, 1000,
                                                                                   1001, 65535, 65536, 104857600,
                                                                                   104857601]),
                   st.floats(-1, 60, allow_nan=False).map(lambda f: round(f, 1)))


@BOUNDED
@given(st.sampled_from(sorted(cat.BOUNDS)), values)
def test_a_value_the_role_accepts_passes_the_control_that_owns_its_bound(variable, value):
    if _role_problems(variable, value):
        return
    written = _input_types.rendered(variable, value)
    finding = _status(_evidence_with(variable, written), cat.BOUNDS[variable][0])
    assert finding["status"] == "pass", (variable, value, finding)


@pytest.mark.parametrize("variable, value", [
    ("postfix_client_connection_count_limit", 500), ("postfix_recipient_limit", 100000),
    ("spamassassin_required_score", 1.0), ("baseline_log_retention_days", 7),
    ("postfix_message_size_limit", 104857601),
])
def test_the_reviewed_values_fail_the_audit_and_the_role_refuses_them_naming_the_control(variable, value):
    # positive control: the audit does fail these, so the property above is not vacuous
    assert _status(_evidence_with(variable, value), cat.BOUNDS[variable][0])["status"] == "fail"
    problems = _role_problems(variable, value)
    assert problems and problems[0].startswith(variable), problems


setting_values = st.one_of(st.integers(0, 500), st.sampled_from(["0s", "1s", "1", "2m", "0", "10", "21", "ten"]))


@BOUNDED
@given(st.sampled_from(sorted(cat.SETTING_BOUNDS)), setting_values)
def test_a_site_setting_the_role_accepts_passes_the_control_that_bounds_it(name, value):
    if role_input_problems(dict(POSTFIX, postfix_extra_settings={name: value})):
        return
    evidence = copy.deepcopy(EVIDENCE)
    evidence["postfix"]["effective"][name] = str(value).strip()
    finding = _status(evidence, cat.SETTING_BOUNDS[name][0])
    assert finding["status"] == "pass", (name, value, finding)


@pytest.mark.parametrize("extra, says", [
    ({"smtpd_hard_error_limit": 1000}, "MAIL-DOS-005"),
    ({"smtpd_error_sleep_time": "0s"}, "MAIL-DOS-005"),
    ({"header_size_limit": 10240000}, "MAIL-DOS-004"),
    ({"smtpd_client_connection_count_limit": 500}, "set it there"),
])
def test_extra_settings_that_weaken_a_bounded_setting_are_refused(extra, says):
    problems = role_input_problems(dict(POSTFIX, postfix_extra_settings=extra))
    assert any(says in p and p.startswith("postfix_extra_settings.") for p in problems), problems


# --- A control switched off in the host intent (mailsec_control_optouts) ------------------------------------

OPTABLE_BOUNDED = sorted(v for v in cat.BOUNDS if v.startswith("postfix_") and cat.optable(cat.BY_ID[cat.BOUNDS[v][0]]))


def _optout(control):
    return [dict(id=control, reason="printers behind one NAT address, ticket 4711")]


@BOUNDED
@given(st.sampled_from(OPTABLE_BOUNDED), values)
def test_a_value_beyond_the_bound_is_accepted_only_with_a_reason_the_audit_shows_as_waived(variable, value):
    control = cat.BOUNDS[variable][0]
    optouts = _optout(control)
    if _role_problems(variable, value, optouts):
        return
    written = _input_types.rendered(variable, value, optouts=optouts)
    (finding,) = cat.evaluate(_evidence_with(variable, written), "mx", only=[control], optouts=optouts)
    if not _role_problems(variable, value):
        assert _status(_evidence_with(variable, written), control)["status"] == "pass"
    assert finding["status"] == "waived" and "ticket 4711" in finding["note"], finding


def test_a_connection_limit_of_100_needs_mail_dos_001_switched_off():
    assert _role_problems("postfix_client_connection_count_limit", 100)
    assert role_input_problems(dict(POSTFIX, postfix_client_connection_count_limit=100,
                                    postfix_control_optouts=_optout("MAIL-DOS-001"))) == []
    assert _input_types.rendered("postfix_client_connection_count_limit", 100, optouts=_optout("MAIL-DOS-001")) == 100


def test_a_switched_off_control_is_waived_never_passed_and_its_settings_are_not_written():
    optouts = _optout("MAIL-SMTPD-004")
    (finding,) = cat.evaluate(EVIDENCE, "mx", only=["MAIL-SMTPD-004"], optouts=optouts)
    assert finding["status"] == "waived" and "mailsec_control_optouts" in finding["note"]
    assert "MAIL-SMTPD-004" in [group["id"] for group in cat.role_settings("mx")]
    assert "MAIL-SMTPD-004" not in [group["id"] for group in cat.role_settings("mx", optouts)]


@pytest.mark.parametrize("optouts, says", [
    ([{"id": "MAIL-RELAY-004", "reason": "x"}], "cannot be switched off"),
    ([{"id": "MAIL-SMTPD-007", "reason": "x"}], "cannot be switched off"),   # high
    ([{"id": "MAIL-NET-008", "reason": "x"}], "cannot be switched off"),     # not the postfix role's
    ([{"id": "MAIL-XYZ-001", "reason": "x"}], "is not a control of the catalogue"),
    ([{"id": "MAIL-SMTPD-004", "reason": "a\nMAIL-RELAY-001"}], "line break"),
    ([{"id": "MAIL-SMTPD-004"}], "exactly id and reason"),
    ([{"id": "MAIL-SMTPD-004", "reason": "x"}, {"id": "MAIL-SMTPD-004", "reason": "y"}], "twice"),
    ("MAIL-SMTPD-004", "must be a list"),
])
def test_optouts_that_are_not_allowed_are_refused_naming_the_variable(optouts, says):
    problems = role_input_problems(dict(POSTFIX, postfix_control_optouts=optouts))
    assert any(p.startswith("postfix_control_optouts") and says in p for p in problems), problems
