# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.filter.postfix import FilterModule as PostfixFilters
from ansible_collections.mailsec.hardening.plugins.filter.inputs import FilterModule as InputFilters


FILTERS = dict(PostfixFilters().filters(), **InputFilters().filters())


def test_filter_dispatches_by_kind_and_names_the_variable():
    problems = FILTERS["mail_input_problems"](["::/0"], "networks", "mailsec_trusted_networks")
    assert problems == [
        "mailsec_trusted_networks: ::/0 trusts every address on the Internet and makes an open relay; "
        "list only the networks of your own clients"]
    assert FILTERS["mail_input_problems"]("mx.example.org", "fqdn", "postfix_hostname") == []


def test_unknown_kind_is_an_error():
    with pytest.raises(AnsibleFilterError, match="kind must be one of"):
        FILTERS["mail_input_problems"]([], "cidr", "v")


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("false", False), ("Yes", True), (" no ", False), ("1", True), ("off", False),
])
def test_intent_switch_reads_booleans_and_their_words(value, expected):
    assert FILTERS["intent_switch"](value, "mailsec_manage_identity") is expected


@pytest.mark.parametrize("value", ["ture", "", "false\nyes", 0, 2, None, ["true"]])
def test_intent_switch_refuses_anything_else_naming_the_variable(value):
    with pytest.raises(AnsibleFilterError, match="^mailsec_manage_identity must be true or false, not "):
        FILTERS["intent_switch"](value, "mailsec_manage_identity")
