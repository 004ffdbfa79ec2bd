# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""References that cannot dangle: every control ID the collection writes names a control of the
catalogue, and every remediation that says a role refuses something is backed by that refusal."""
from __future__ import annotations

import pathlib
import re

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _filter_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import role_input_problems
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__filter_inputs import clamav
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.test__postfix_inputs import GOOD

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLACES = ("roles", "playbooks", "plugins", "docs", "molecule", "README.md", "changelogs/fragments")
SUFFIXES = (".py", ".yml", ".yaml", ".j2", ".md", ".txt", ".json", ".cfg", ".sh")
CONTROL_ID = re.compile(r"MAIL-[A-Z]+-[0-9]+")


def _files():
    for place in PLACES:
        path = ROOT / place
        for candidate in [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()):
            if candidate.suffix in SUFFIXES:
                yield candidate


def references(text):
    return set(CONTROL_ID.findall(text))


def test_every_control_id_names_a_real_control():
    cited, dangling = set(), {}
    for path in _files():
        found = references(path.read_text(errors="replace"))
        cited |= found
        if found - set(_controls.BY_ID):
            dangling[str(path.relative_to(ROOT))] = sorted(found - set(_controls.BY_ID))
    assert dangling == {}
    # the scan reads the places that cite controls
    assert len(cited) >= len(_controls.CONTROLS) // 2


def test_a_dangling_id_is_seen():
    # positive control
    assert references("# MAIL-AV-999: no such control") - set(_controls.BY_ID) == {"MAIL-AV-999"}


def _extra(**settings):
    return role_input_problems(dict(GOOD, postfix_extra_settings=settings))


# Each control whose remediation says a role refuses something, with that something.
REFUSALS = {
    "MAIL-SMTPD-010": lambda: _extra(smtpd_authorized_xclient_hosts="static:all"),
    "MAIL-SMTPD-013": lambda: _extra(smtpd_authorized_xforward_hosts="0.0.0.0/0"),
    "MAIL-DOS-005": lambda: _extra(smtpd_hard_error_limit=1000),
    "MAIL-AV-002": lambda: _extra(milter_default_action="accept"),
    "MAIL-SPAM-002": lambda: _extra(receive_override_options="no_milters"),
    "MAIL-ATT-001": lambda: _extra(disable_mime_input_processing="yes"),
    "MAIL-ATT-002": lambda: _extra(receive_override_options="no_header_body_checks"),
    "MAIL-BSC-001": lambda: _extra(smtpd_recipient_restrictions="reject_unverified_sender"),
    "MAIL-BSC-002": lambda: _extra(soft_bounce="yes"),
    "MAIL-AV-006": lambda: _filter_inputs.clamav_problems(clamav(), 2048),
}
# Refusals a running daemon makes, proven by a molecule step (file, the words it asserts).
PROVEN_IN_MOLECULE = {
    "MAIL-SMTPD-008": ("molecule/shared/verify/refuse_broken_config.yml", "Refuse a candidate Postfix would not read cleanly"),
}


def test_every_claimed_refusal_has_its_proof():
    claiming = set(c.id for c in _controls.CONTROLS if "refus" in c.remediation.lower())
    assert claiming == set(REFUSALS) | set(PROVEN_IN_MOLECULE)


@pytest.mark.parametrize("control", sorted(REFUSALS))
def test_the_role_refuses_what_the_remediation_says(control):
    assert REFUSALS[control](), control


@pytest.mark.parametrize("control", sorted(PROVEN_IN_MOLECULE))
def test_the_molecule_proof_exists(control):
    path, words = PROVEN_IN_MOLECULE[control]
    assert words in (ROOT / path).read_text()
