# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.filter.content_filters import FilterModule

FILTERS = FilterModule().filters()


def test_milter_endpoint_and_list():
    assert FILTERS["milter_endpoint"]("spamassassin")["libmilter"] == "unix:/var/spool/postfix/spamass/spamass.sock"
    assert FILTERS["smtpd_milters"](["spamassassin", "clamav"], None) == ["unix:clamav/clamav-milter.ctl", "unix:spamass/spamass.sock"]
    with pytest.raises(AnsibleFilterError, match="milter_endpoint"):
        FILTERS["milter_endpoint"]("amavis")


def _blocked(table, name):
    header = 'Content-Disposition: attachment; filename="%s"' % name
    for line in table.splitlines():
        match = re.match(r"^/(.*)/(\w*)\s+REJECT ", line)
        if match and re.search(match.group(1), header, re.I if "i" in match.group(2) else 0):
            return True
    return False


def test_attachment_table_adds_and_allows_extensions():
    table = FILTERS["attachment_table"](["xyz"], ["js"])
    assert _blocked(table, "payload.xyz")
    assert _blocked(table, "setup.exe")
    assert not _blocked(table, "app.js")
    assert not _blocked(table, "report.pdf")


@pytest.mark.parametrize("extra, allowed", [(["*"], []), ([], ["a.b"]), ("exe", [])])
def test_attachment_table_refuses_unsafe_lists(extra, allowed):
    with pytest.raises(AnsibleFilterError, match="attachment_table"):
        FILTERS["attachment_table"](extra, allowed)


def test_input_filters_need_a_mapping():
    with pytest.raises(AnsibleFilterError, match="mapping"):
        FILTERS["clamav_input_problems"]([], 4096)
    with pytest.raises(AnsibleFilterError, match="mapping"):
        FILTERS["spamassassin_input_problems"]("x")


def test_clamav_size_reads_what_clamav_reads():
    assert FILTERS["clamav_size"]("25M") == 26214400
    assert FILTERS["clamav_size"]("10485760") == 10485760
    with pytest.raises(AnsibleFilterError, match="not a ClamAV size"):
        FILTERS["clamav_size"]("2G")
