# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""DNS questions for the FCrDNS checks, asked with dnspython: the LOOKUP that ``_fcrdns`` uses.

Each question goes to one resolver only (no search list, no fallback to another server), so the
caller sees which resolver said what. dnspython follows CNAMEs in the answer and reports the
name it ended on as ``canonical``.
"""

from __future__ import annotations

import traceback

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs

try:
    import dns.exception
    import dns.name
    import dns.resolver
except ImportError:
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None


def system_resolvers(text):
    """The ``nameserver`` addresses of resolv.conf TEXT, in order (scope suffixes dropped)."""
    found = []
    for line in (text or "").splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(words) >= 2 and words[0] == "nameserver":
            address = words[1].split("%", 1)[0]
            try:
                address = str(_inputs.address(address, "nameserver"))
            except ValueError:
                continue
            if address not in found:
                found.append(address)
    return found


def _record_text(rdata):
    if hasattr(rdata, "target"):
        return rdata.target.to_text(omit_final_dot=True)
    if hasattr(rdata, "address"):
        return str(rdata.address)
    return rdata.to_text()


def make_lookup(timeout, port=53):
    """A LOOKUP for ``_fcrdns``: ``lookup(resolver, qname, rdtype)``, TIMEOUT seconds per question."""

    def lookup(resolver, qname, rdtype):
        client = dns.resolver.Resolver(configure=False)
        client.nameservers = [resolver]
        client.port = port
        client.timeout = timeout
        client.lifetime = timeout
        try:
            answer = client.resolve(dns.name.from_text(qname), rdtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return dict(status="nxdomain", records=[], canonical=qname)
        except dns.resolver.NoNameservers as error:
            text = str(error)
            return dict(status="refused" if "REFUSED" in text else "servfail", records=[], canonical=qname, error=text)
        except dns.exception.Timeout:
            return dict(status="timeout", records=[], canonical=qname, error="no reply within %ss" % timeout)
        except dns.exception.DNSException as error:
            return dict(status="error", records=[], canonical=qname, error=str(error) or type(error).__name__)
        records = [_record_text(r) for r in answer.rrset] if answer.rrset is not None else []
        return dict(status="ok" if records else "nodata", records=records,
                    canonical=answer.canonical_name.to_text(omit_final_dot=True))

    return lookup
