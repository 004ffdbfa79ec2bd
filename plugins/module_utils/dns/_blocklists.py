# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Whether an address is on a DNS blocklist (RFC 5782): the blocklist answers an A record in 127.0.0.0/8
for the address written backwards under its zone (octets for IPv4, nibbles for IPv6), and usually a TXT
record with the reason; no record (NXDOMAIN) means not listed.

Some blocklists answer 127.255.255.0/24 to say they refused the question (Spamhaus: 252 a malformed
query, 254 a query through a public resolver, 255 too many queries); that is no listing and no clearance,
and is reported as such. No I/O happens here: questions go through the LOOKUP of ``_fcrdns``.
"""

from __future__ import annotations

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _fcrdns
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs

LISTED = _inputs.network("127.0.0.0/8", "LISTED")
REFUSED = _inputs.network("127.255.255.0/24", "REFUSED")
_REFUSALS = {"127.255.255.252": "a malformed query", "127.255.255.254": "a query through a public resolver",
             "127.255.255.255": "too many queries"}


def query_name(address, zone):
    """The name a blocklist is asked about for ADDRESS: its octets (IPv4) or nibbles (IPv6) backwards, then ZONE."""
    ip = _inputs.address(address, "address")
    reverse = ip.reverse_pointer.rsplit(".", 2)[0]   # without in-addr.arpa / ip6.arpa
    return "%s.%s" % (reverse, zone.rstrip("."))


def _codes(records):
    codes = []
    for record in records:
        try:
            codes.append(_inputs.address(record.strip(), "the blocklist's answer"))
        except _inputs.Refusal:
            continue
    return codes


def check(address, zone, lookup, resolvers, retries=2):
    """ADDRESS on the blocklist ZONE: {address, zone, query, listed (True, False or None when unknown), codes,
    reason (the TXT text when listed), problem (why it is unknown)}."""
    name = query_name(address, zone)
    result = dict(address=str(_inputs.address(address, "address")), zone=zone.rstrip("."), query=name, listed=None,
                  codes=[], reason="", problem="", warnings=[])
    answer, problem, _answered = _fcrdns.resolve(result, lookup, resolvers, name, "A", retries)
    if answer is None:
        result["problem"] = problem
        return result
    codes = _codes(answer["records"])
    result["codes"] = [str(c) for c in codes]
    if answer["status"] in ("nxdomain", "nodata") or not codes:
        result["listed"] = False
        return result
    refusals = [c for c in codes if c.version == 4 and c in REFUSED]
    if refusals:
        meaning = _REFUSALS.get(str(refusals[0]), "an error code")
        result["problem"] = "%s refused to answer (%s: %s)" % (zone, refusals[0], meaning)
        return result
    if not any(c.version == 4 and c in LISTED for c in codes):
        result["problem"] = "%s answered %s, outside 127.0.0.0/8: not a blocklist's answer" % (zone, ", ".join(result["codes"]))
        return result
    result["listed"] = True
    text, _problem, _answered = _fcrdns.resolve(result, lookup, resolvers, name, "TXT", retries)
    if text is not None:
        result["reason"] = " ".join(r.strip('"') for r in text["records"])[:300]
    return result
