# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""One TXT record of a kind, changed by RFC 2136 without touching the name's other TXT records.

A mail domain's own name holds TXT records of many owners (SPF, site verification tokens, ...).
An update that replaces the whole TXT record set, as a generic DNS module does, would delete them.
Here only the records of one KIND (those whose text starts with its tag, such as ``v=spf1``) are
replaced, record by record. The plan is pure logic (``plan``); the module sends it.
"""

from __future__ import annotations


def text_of(strings):
    """The text receivers read from a TXT record's STRINGS (bytes or str): joined without separators."""
    return "".join(s.decode("utf-8", "replace") if isinstance(s, bytes) else s for s in strings)


def of_kind(text, kind):
    """Whether the record TEXT is of KIND (its tag, e.g. ``v=spf1``): the tag, then the end, a space or ';'."""
    head = text[:len(kind)]
    rest = text[len(kind):len(kind) + 1]
    return head.lower() == kind.lower() and rest in ("", " ", ";")


def plan(existing, kind, wanted):
    """What to change at a name whose TXT records are EXISTING (texts) so that the records of KIND are
    exactly WANTED (texts: [] removes them): {"remove": [texts], "add": [texts], "kept": [texts]}, the
    kept ones being those of other kinds."""
    wanted = list(dict.fromkeys(wanted))
    mine = [t for t in existing if of_kind(t, kind)]
    return dict(remove=[t for t in mine if t not in wanted], add=[t for t in wanted if t not in mine],
                kept=[t for t in existing if not of_kind(t, kind)])
