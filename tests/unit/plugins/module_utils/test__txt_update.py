# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Publishing one kind of TXT record leaves the name's other TXT records alone."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _txt_update

OTHERS = ["google-site-verification=abc123", "MS=ms12345", "v=spf10 is not spf1", "v=DMARC1; p=none"]


def test_only_the_records_of_the_kind_change():
    change = _txt_update.plan(OTHERS + ["v=spf1 ip4:192.0.2.1 -all"], "v=spf1", ["v=spf1 ip4:192.0.2.25 -all"])
    assert change == dict(remove=["v=spf1 ip4:192.0.2.1 -all"], add=["v=spf1 ip4:192.0.2.25 -all"], kept=OTHERS)


def test_a_record_already_there_changes_nothing_and_an_empty_value_removes_the_kind():
    assert _txt_update.plan(OTHERS + ["v=spf1 -all"], "v=spf1", ["v=spf1 -all"]) == dict(remove=[], add=[], kept=OTHERS)
    assert _txt_update.plan(["v=DKIM1; p=AB", "x"], "v=DKIM1", [])["remove"] == ["v=DKIM1; p=AB"]


def test_the_kind_is_its_tag_then_an_end_a_space_or_a_semicolon():
    assert _txt_update.of_kind("v=spf1", "v=spf1") and _txt_update.of_kind("V=SPF1 -all", "v=spf1")
    assert _txt_update.of_kind("v=DMARC1;p=reject", "v=DMARC1")
    assert not _txt_update.of_kind("v=spf10", "v=spf1") and not _txt_update.of_kind("xv=spf1", "v=spf1")
    assert _txt_update.text_of([b"v=spf1 ", b"-all"]) == "v=spf1 -all"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.text(max_size=30)), st.lists(st.text(max_size=30)))
def test_records_of_other_kinds_are_never_removed(existing, wanted):
    wanted = ["v=spf1 " + w for w in wanted]
    change = _txt_update.plan(existing, "v=spf1", wanted)
    assert all(_txt_update.of_kind(t, "v=spf1") for t in change["remove"])
    assert [t for t in existing if not _txt_update.of_kind(t, "v=spf1")] == change["kept"]
    after = [t for t in existing if t not in change["remove"]] + change["add"]
    assert set(t for t in after if _txt_update.of_kind(t, "v=spf1")) == set(wanted)
