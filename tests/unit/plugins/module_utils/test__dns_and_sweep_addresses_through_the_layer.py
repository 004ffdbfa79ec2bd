# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The DNS and sweep code reads addresses through the input layer: text after '%' (a zone ID), an
IPv4 address written as IPv6 and hidden white space are refused, where ipaddress alone accepts some."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _dns, _fcrdns
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _sweep

RIDERS = ["fe80::1%eth0", "2001:db8::25%25", "::ffff:192.0.2.25", "192.0.2.25\n", " 192.0.2.25", "192.0.2.25\x00"]


@pytest.mark.parametrize("value", RIDERS)
def test_an_address_with_a_rider_is_refused(value):
    for read in (_fcrdns.reverse_name, _fcrdns._forward_type, _sweep._address_order):
        with pytest.raises(ValueError):
            read(value)
    assert _fcrdns._same_address(value, value.strip().split("%")[0]) is False


def test_good_addresses_read_as_before():
    assert _fcrdns.reverse_name("192.0.2.25") == "25.2.0.192.in-addr.arpa"
    assert _fcrdns._forward_type("2001:db8::25") == "AAAA"
    assert _fcrdns._same_address("2001:db8::25", "2001:0db8::0025") is True
    assert sorted(["2001:db8::1", "192.0.2.10", "192.0.2.9"], key=_sweep._address_order) == \
        ["192.0.2.9", "192.0.2.10", "2001:db8::1"]


def test_resolv_conf_drops_the_scope_and_skips_ipv4_written_as_ipv6():
    text = "nameserver fe80::1%eth0\nnameserver ::ffff:192.0.2.9\nnameserver 192.0.2.53\n"
    assert _dns.system_resolvers(text) == ["fe80::1", "192.0.2.53"]
