# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SMTP code reads addresses through the input layer: text after '%' (a zone ID) or an IPv4
address written as IPv6 is refused, where ipaddress alone would accept it."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _probe, _relay, _service_check


@pytest.mark.parametrize("value", ["fe80::1%eth0", "2001:db8::25%25", "::ffff:192.0.2.25", "192.0.2.25\n", " 192.0.2.25"])
def test_a_target_with_a_rider_is_refused(value):
    assert "must be a bare IPv4 or IPv6 address" in _probe.address_problem("host_ip", value)
    for render in (_relay.ip_literal, _relay.loopback_for, _relay.xclient_address):
        with pytest.raises(ValueError):
            render(value)


def test_good_targets_render_as_before():
    assert _probe.address_problem("host_ip", "2001:db8::25") is None
    assert _relay.ip_literal("[2001:db8::25]") == "[IPv6:2001:db8::25]"
    assert _relay.ip_literal("192.0.2.25") == "[192.0.2.25]"
    assert _relay.loopback_for("2001:db8::25") == "::1" and _relay.xclient_address("2001:db8::25") == "IPV6:2001:db8::25"
    assert _relay.proxy_header("192.0.2.25", 25) == "PROXY TCP4 127.0.0.1 192.0.2.25 40025 25\r\n"


@pytest.mark.parametrize("hex_address, text", [
    ("0100007F", "127.0.0.1"),                                  # IPv4, little-endian word
    ("0000000000000000FFFF00000100007F", "127.0.0.1"),          # IPv4 on a dual-stack socket
    ("00000000000000000000000001000000", "::1"),
    ("B80D0120000000000000000025000000", "2001:db8::25"),
])
def test_kernel_addresses_decode_to_the_layers_text(hex_address, text):
    assert _service_check._decode_address(hex_address) == text
