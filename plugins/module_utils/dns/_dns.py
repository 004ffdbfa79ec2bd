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


def resolvers(given, resolv_conf="/etc/resolv.conf"):
    """The resolvers to ask: GIVEN (addresses the caller has checked), else the nameservers of
    RESOLV_CONF. Raises ValueError with a sentence saying what to set when there are none."""
    if given:
        return [str(_inputs.address(r, "resolvers")) for r in given]
    try:
        with open(resolv_conf) as handle:
            found = system_resolvers(handle.read())
    except (IOError, OSError) as error:
        raise ValueError("no resolvers given and %s cannot be read (%s); set resolvers" % (resolv_conf, error))
    if not found:
        raise ValueError("no resolvers given and %s names none; set resolvers" % resolv_conf)
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


def _resolver(resolvers, timeout, port):
    client = dns.resolver.Resolver(configure=False)
    client.nameservers = list(resolvers)
    client.port = port
    client.timeout = timeout
    client.lifetime = timeout * max(1, len(resolvers))
    return client


def make_record_lookup(resolvers, timeout, port=53):
    """``lookup(qname, rdtype)`` for ``_mail_auth``: the RESOLVERS asked in turn; a TXT record comes back
    as its strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2), anything else as ``to_text()``."""
    client = _resolver(resolvers, timeout, port)

    def lookup(qname, rdtype):
        try:
            answer = client.resolve(dns.name.from_text(qname), rdtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return dict(status="nxdomain", records=[])
        except dns.exception.Timeout:
            return dict(status="timeout", records=[], error="no reply within %ss" % timeout)
        except dns.exception.DNSException as error:
            return dict(status="servfail", records=[], error=str(error) or type(error).__name__)
        if answer.rrset is None:
            return dict(status="nodata", records=[])
        if rdtype == "TXT":
            texts = [b"".join(r.strings).decode("utf-8", "replace") for r in answer.rrset]
        else:
            texts = [_record_text(r) for r in answer.rrset]
        return dict(status="ok", records=texts)

    return lookup


def make_spf_lookup(resolvers, timeout, port=53):
    """pyspf's ``DNSLookup(name, qtype, ...)`` asking RESOLVERS: [((name, qtype), data)], data in the
    shapes pyspf's own dnspython driver returns. Failures raise pyspf's TempError, which it reports as
    ``temperror`` (RFC 7208 §2.6.6)."""
    import spf  # only where the caller has checked that pyspf is installed

    client = _resolver(resolvers, timeout, port)

    def lookup(name, qtype, *args, **kwargs):
        try:
            answer = client.resolve(dns.name.from_text(name), qtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return []
        except dns.exception.DNSException as error:
            raise spf.TempError("DNS %s" % (str(error) or type(error).__name__))
        found = []
        for rdata in answer.rrset if answer.rrset is not None else []:
            if qtype in ("A", "AAAA"):
                found.append(((name, qtype), rdata.address))
            elif qtype == "MX":
                found.append(((name, qtype), (rdata.preference, rdata.exchange)))
            elif qtype == "PTR":
                found.append(((name, qtype), rdata.target.to_text(True)))
            elif qtype in ("TXT", "SPF"):
                found.append(((name, qtype), rdata.strings))
        return found

    return lookup
