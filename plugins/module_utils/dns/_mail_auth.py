# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Sender authentication records: written from the typed inputs, and judged from DNS answers.

The records a mail domain publishes so that receivers accept its mail: SPF (RFC 7208), the DKIM
public key (RFC 6376), DMARC (RFC 7489) and TLS-RPT (RFC 8460). The mail_auth role writes them
from the input layer's canonical values (``records``); the audit (mail_auth_info) judges what the
DNS answers with maintained libraries: pyspf evaluates SPF exactly as a receiver does (lookup and
void-lookup limits included), dkimpy reads the DKIM key record and the key, and the DMARC and
TLS-RPT records are read with dkimpy's tag=value parser, the syntax both RFCs share with DKIM.

No I/O happens here. DNS questions go through a LOOKUP callable, ``lookup(qname, rdtype) ->
{"status", "records"}`` (status ``ok``, ``nxdomain``, ``nodata`` or a failure), TXT records as
their strings joined, so the module and the unit tests share the logic.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import traceback

try:
    import spf
except ImportError:
    HAS_PYSPF = False
    PYSPF_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PYSPF = True
    PYSPF_IMPORT_ERROR = None

try:
    import dkim.crypto
    import dkim.util
except ImportError:
    HAS_DKIMPY = False
    DKIMPY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DKIMPY = True
    DKIMPY_IMPORT_ERROR = None

ANSWERED = ("ok", "nxdomain", "nodata")
# RFC 1035 §3.3.14: one character-string of a TXT record holds at most 255 octets.
TXT_STRING = 255
MIN_KEY_BITS = 2048
DMARC_POLICIES = ("none", "quarantine", "reject")
ENFORCING = ("quarantine", "reject")
# SPF terms that cost a DNS lookup (RFC 7208 §4.6.4); ip4, ip6 and all cost none.
_LOOKUP_TERMS = ("include:", "a", "a:", "a/", "mx", "mx:", "mx/", "ptr", "ptr:", "exists:", "redirect=")


# --- Writing the records -------------------------------------------------------------------------------

def txt_strings(text):
    """TEXT cut into the character-strings of one TXT record (at most 255 octets each); receivers
    join them without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2)."""
    data = text.encode("ascii")
    return [data[i:i + TXT_STRING].decode("ascii") for i in range(0, len(data), TXT_STRING)] or [""]


def quoted(text):
    """TEXT as a zone file and nsupdate write a TXT record: each string in double quotes."""
    return " ".join('"%s"' % part for part in txt_strings(text))


def spf_text(addresses, senders=(), qualifier="-"):
    """The SPF record of a domain whose mail leaves from ADDRESSES (ip_address objects) and from SENDERS
    (networks as ip4/ip6 terms, domain names as include terms), ending in QUALIFIER all."""
    terms = ["v=spf1"]
    for address in addresses:
        terms.append("ip%d:%s" % (address.version, address))
    for sender in senders:
        if hasattr(sender, "prefixlen"):
            full = sender.prefixlen == sender.max_prefixlen
            terms.append("ip%d:%s" % (sender.version, sender.network_address if full else sender))
        else:
            terms.append("include:%s" % sender)
    terms.append("%sall" % qualifier)
    return " ".join(terms)


def lookup_terms(text):
    """How many terms of SPF record TEXT cost a DNS lookup at the top level (includes count one each
    here; what they include counts when a receiver evaluates it)."""
    count = 0
    for term in text.split()[1:]:
        term = term.lstrip("+-~?").lower()
        if term in ("a", "mx", "ptr") or any(term.startswith(t) for t in _LOOKUP_TERMS if t.endswith((":", "/", "="))):
            count += 1
    return count


def public_key_text(key):
    """Whether KEY is base64 text and nothing else: what a key record's p= may carry (it comes from the
    host's openssl, and goes into a record as it is)."""
    if not isinstance(key, str) or not key or len(key) > 2000:
        return False
    try:
        base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def dkim_text(public_key):
    """The DKIM key record of PUBLIC_KEY (base64 of the DER SubjectPublicKeyInfo): RSA, SHA-256 only,
    for mail (RFC 6376 §3.6.1, RFC 8301)."""
    return "v=DKIM1; h=sha256; k=rsa; s=email; p=%s" % public_key


def dmarc_text(policy, report_address, alignment="relaxed"):
    """The DMARC record: POLICY for mail failing both aligned SPF and aligned DKIM, aggregate reports to
    REPORT_ADDRESS, strict or relaxed ALIGNMENT of both identifiers (RFC 7489 §6.3)."""
    text = "v=DMARC1; p=%s; rua=mailto:%s" % (policy, report_address)
    if alignment == "strict":
        text += "; adkim=s; aspf=s"
    return text


def tlsrpt_text(report_address):
    """The SMTP TLS reporting record (RFC 8460 §3): daily reports of failed TLS sessions to this domain."""
    return "v=TLSRPTv1; rua=mailto:%s" % report_address


def records(domains, host_name, keys, addresses, senders=(), qualifier="-", dmarc_policy="quarantine",
            alignment="relaxed", report_address="", ttl=3600, mta_sts=None):
    """Every record the mail domains need, as [{name, type, kind, text, strings, value, ttl, line}], KIND
    being the tag a TXT record starts with (v=spf1, v=DKIM1, v=DMARC1, v=TLSRPTv1, v=STSv1) or CNAME.

    DOMAINS: the mail domains; HOST_NAME: the HELO name, which gets an SPF record of its own (RFC 7208
    §2.3); KEYS: (domain, selector, base64 public key) of every key published, the signing one and
    a rotation's next or previous one; REPORT_ADDRESS: where DMARC and TLS-RPT reports go ('' =
    postmaster@ each domain); MTA_STS: the ``_mta-sts`` record's text when this host serves the
    domains' MTA-STS policy (RFC 8461), whose name mta-sts.DOMAIN is then an alias of HOST_NAME.
    """
    found = []

    def add(name, text):
        found.append(dict(name=name, type="TXT", kind=text.split(";")[0].split(" ")[0], text=text, strings=txt_strings(text),
                          value=quoted(text), ttl=ttl, line="%s. %d IN TXT %s" % (name, ttl, quoted(text))))

    if host_name and host_name not in domains:
        add(host_name, spf_text(addresses, (), "-"))
    domain_spf = spf_text(addresses, senders, qualifier)
    for domain in domains:
        reports = report_address or "postmaster@%s" % domain
        add(domain, domain_spf)
        for key_domain, selector, key in sorted(keys):
            if key_domain == domain:
                add("%s._domainkey.%s" % (selector, domain), dkim_text(key))
        add("_dmarc.%s" % domain, dmarc_text(dmarc_policy, reports, alignment))
        add("_smtp._tls.%s" % domain, tlsrpt_text(reports))
        if mta_sts:
            add("_mta-sts.%s" % domain, mta_sts)
            found.append(dict(name="mta-sts.%s" % domain, type="CNAME", kind="CNAME", text="%s." % host_name,
                              strings=[], value="%s." % host_name, ttl=ttl,
                              line="mta-sts.%s. %d IN CNAME %s." % (domain, ttl, host_name)))
    return found


# --- Judging what DNS answers ---------------------------------------------------------------------------

def _txt(lookup, name, prefix):
    """(records starting with PREFIX, problem) for the TXT records of NAME; the problem is set when
    DNS gave no answer."""
    answer = lookup(name, "TXT")
    if answer.get("status") not in ANSWERED:
        return [], "%s TXT: no answer (%s)" % (name, answer.get("error") or answer.get("status"))
    found = [r for r in answer.get("records") or [] if r.lower().startswith(prefix.lower())]
    return found, None


def _tags(text):
    """The tag=value list TEXT as {tag: value} (dkimpy's parser: RFC 6376 §3.2, which RFC 7489 §6.4 and
    RFC 8460 §3 use too); raises ValueError naming the fault."""
    try:
        parsed = dkim.util.parse_tag_value(text.encode("ascii"))
    except (dkim.util.InvalidTagValueList, UnicodeError) as error:
        raise ValueError("not a tag=value list: %s" % error)
    return dict((k.decode("ascii").lower(), v.decode("ascii")) for k, v in parsed.items())


@contextlib.contextmanager
def _spf_dns(lookup_spf):
    """pyspf's DNS questions answered by LOOKUP_SPF for the duration (pyspf asks spf.DNSLookup)."""
    saved = spf.DNSLookup
    spf.DNSLookup = lookup_spf
    try:
        yield
    finally:
        spf.DNSLookup = saved


def judge_spf(domain, addresses, lookup_spf, lookup, helo=None):
    """SPF of DOMAIN as receivers evaluate it, for mail from each of ADDRESSES.

    LOOKUP_SPF answers pyspf's questions (``DNSLookup(name, qtype, ...)``); LOOKUP reads the record
    itself. Returns {domain, record, results: [{address, result, explanation, lookups}], all, problems}.
    """
    out = dict(domain=domain, record=None, results=[], all=None, problems=[])
    found, problem = _txt(lookup, domain, "v=spf1")
    found = [r for r in found if r.lower() == "v=spf1" or r[6:7] == " "]
    if problem:
        out["problems"].append(problem)
        return out
    if not found:
        out["problems"].append("%s has no SPF record (TXT v=spf1)" % domain)
        return out
    if len(found) > 1:
        out["problems"].append("%s has %d SPF records; receivers treat that as a permanent error (RFC 7208 §4.5)"
                               % (domain, len(found)))
    out["record"] = found[0]
    terms = found[0].split()
    last = terms[-1].lower() if terms else ""
    if last.lstrip("+-~?") == "all":
        out["all"] = last if last[0] in "+-~?" else "+" + last
    elif not any(t.lower().startswith("redirect=") for t in terms):
        out["all"] = "?all (none given)"
    if out["all"] and out["all"][0] in "+?":
        out["problems"].append("%s ends in %s, which lets any host send as the domain; end it in -all or ~all"
                               % (domain, out["all"]))
    with _spf_dns(lookup_spf):
        for address in addresses:
            query = spf.query(i=str(address), s="postmaster@%s" % domain, h=helo or domain, timeout=10)
            result, _code, explanation = query.check()
            out["results"].append(dict(address=str(address), result=result, explanation=explanation,
                                       lookups=query.lookups))
            if result != "pass":
                said = " (%s)" % explanation if explanation else ""
                out["problems"].append("%s from %s: SPF %s%s" % (domain, address, result, said))
    return out


def public_key_bits(public_key):
    """The size in bits of the RSA key PUBLIC_KEY (base64 DER), or None when it is not one."""
    try:
        parsed = dkim.crypto.parse_public_key(base64.b64decode(public_key, validate=True))
    except (binascii.Error, ValueError, dkim.crypto.UnparsableKeyError, TypeError, AssertionError):
        return None  # dkimpy's ASN.1 reader asserts that a NULL is empty
    modulus = parsed.get("modulus") if isinstance(parsed, dict) else None
    return modulus.bit_length() if isinstance(modulus, int) else None


def judge_dkim(domain, selector, lookup, public_key=None):
    """The DKIM key record of SELECTOR at DOMAIN, and whether it is the public half of the signing key
    (PUBLIC_KEY, base64 DER, derived on the host from the private key). Returns {domain, selector,
    name, bits, matches, testing, problems}."""
    name = "%s._domainkey.%s" % (selector, domain)
    out = dict(domain=domain, selector=selector, name=name, bits=None, matches=None, testing=False, problems=[])
    answer = lookup(name, "TXT")
    if answer.get("status") not in ANSWERED:
        out["problems"].append("%s TXT: no answer (%s)" % (name, answer.get("error") or answer.get("status")))
        return out
    candidates = [r for r in answer.get("records") or [] if "p=" in r]
    if not candidates:
        out["problems"].append("%s has no DKIM key record; receivers cannot verify mail signed with selector %s"
                               % (name, selector))
        return out
    if len(candidates) > 1:
        out["problems"].append("%s has %d key records; publish one" % (name, len(candidates)))
    try:
        tags = _tags(candidates[0])
    except ValueError as error:
        out["problems"].append("%s: %s" % (name, error))
        return out
    if tags.get("v", "DKIM1") != "DKIM1":
        out["problems"].append("%s: v=%s is not DKIM1" % (name, tags["v"]))
    if tags.get("k", "rsa").lower() != "rsa":
        out["problems"].append("%s: k=%s; the signing key is RSA" % (name, tags["k"]))
    if "y" in [f.strip() for f in tags.get("t", "").split(":")]:
        out["testing"] = True
        out["problems"].append("%s: t=y marks the key as a test, and receivers treat its signatures as absent" % name)
    key = "".join(tags.get("p", "").split())
    if not key:
        out["problems"].append("%s: the key is empty (p=), which revokes it" % name)
        return out
    bits = public_key_bits(key)
    out["bits"] = bits
    if bits is None:
        out["problems"].append("%s: p= is not an RSA public key" % name)
    elif bits < MIN_KEY_BITS:
        out["problems"].append("%s: the key has %d bits; use at least %d (RFC 8301)" % (name, bits, MIN_KEY_BITS))
    if public_key is not None:
        out["matches"] = key == "".join(public_key.split())
        if not out["matches"]:
            out["problems"].append("%s is not the public half of the key OpenDKIM signs with; signatures fail "
                                   "verification" % name)
    return out


def _parents(domain):
    """DOMAIN and its parents down to two labels: where DMARC's DNS tree walk looks for a policy."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(0, max(1, len(labels) - 1))]


def _aligned(identifier, domain, strict):
    """Whether IDENTIFIER (a DKIM d= or SPF domain) aligns with the From domain DOMAIN (RFC 7489 §3.1):
    identical in strict mode; in relaxed mode one is the other or a subdomain of it."""
    if strict:
        return identifier == domain
    return identifier == domain or identifier.endswith("." + domain) or domain.endswith("." + identifier)


def _mailto(uri_list, name, problems):
    """The addresses of the mailto: URIs in URI_LIST (RFC 7489 §6.4), noting malformed ones."""
    found = []
    for uri in [u.strip() for u in uri_list.split(",") if u.strip()]:
        address = uri.split("!", 1)[0]
        if not address.lower().startswith("mailto:") or "@" not in address:
            problems.append("%s: %s is not a mailto: URI" % (name, uri))
            continue
        found.append(address[7:].lower())
    return found


def judge_dmarc(domain, lookup, signing_domains=None, spf_domain=None):
    """The DMARC policy that applies to mail from DOMAIN (the domain's record, else the nearest parent's,
    as DMARCbis's tree walk finds the organizational domain), whether it enforces, and whether the
    domain's mail aligns: SIGNING_DOMAINS are the d= domains OpenDKIM signs DOMAIN's mail with,
    SPF_DOMAIN the envelope sender's domain. Reports to another domain need its authorisation record
    (RFC 7489 §7.1). With SIGNING_DOMAINS (a list, even empty) alignment is judged too.
    Returns {domain, name, record, policy, alignment, reports, aligned, problems}."""
    out = dict(domain=domain, name=None, record=None, policy=None, alignment=None, reports=[], aligned=None,
               problems=[])
    for parent in _parents(domain):
        name = "_dmarc.%s" % parent
        found, problem = _txt(lookup, name, "v=DMARC1")
        if problem:
            out["problems"].append(problem)
            return out
        found = [r for r in found if r[8:9] in ("", ";", " ")]
        if found:
            out["name"] = name
            break
    if not found:
        out["problems"].append("no DMARC record at _dmarc.%s or a parent domain" % domain)
        return out
    if len(found) > 1:
        out["problems"].append("%s has %d DMARC records; receivers then apply none (RFC 7489 §6.6.3)" % (out["name"], len(found)))
    out["record"] = found[0]
    try:
        tags = _tags(found[0])
    except ValueError as error:
        out["problems"].append("%s: %s" % (out["name"], error))
        return out
    inherited = out["name"] != "_dmarc.%s" % domain
    policy = (tags.get("sp") or tags.get("p")) if inherited else tags.get("p")
    policy = (policy or "").lower()
    out["policy"] = policy
    if policy not in DMARC_POLICIES:
        out["problems"].append("%s: p=%s is not none, quarantine or reject" % (out["name"], policy or "(missing)"))
    elif policy not in ENFORCING:
        out["problems"].append("%s: p=none only asks for reports; receivers deliver forged mail from %s as if "
                               "there were no policy (use quarantine or reject)" % (out["name"], domain))
    percent = tags.get("pct", "100")
    if percent != "100":
        out["problems"].append("%s: pct=%s applies the policy to part of the failing mail only" % (out["name"], percent))
    strict_dkim, strict_spf = tags.get("adkim", "r").lower() == "s", tags.get("aspf", "r").lower() == "s"
    out["alignment"] = dict(dkim="strict" if strict_dkim else "relaxed", spf="strict" if strict_spf else "relaxed")
    out["reports"] = _mailto(tags.get("rua", ""), out["name"], out["problems"])
    if not out["reports"]:
        out["problems"].append("%s: no rua= report address; nobody hears of forged or failing mail" % out["name"])
    for report in out["reports"]:
        target = report.rpartition("@")[2]
        policy_domain = out["name"][len("_dmarc."):]
        if not _aligned(target, policy_domain, strict=False):
            name = "%s._report._dmarc.%s" % (policy_domain, target)
            allowed, problem = _txt(lookup, name, "v=DMARC1")
            if problem or not allowed:
                out["problems"].append("reports to %s need %s TXT \"v=DMARC1\" (RFC 7489 §7.1); %s"
                                       % (report, name, problem or "it is not there"))
    if signing_domains is not None:
        dkim_ok = [d for d in signing_domains if _aligned(d, domain, strict_dkim)]
        spf_ok = spf_domain is not None and _aligned(spf_domain, domain, strict_spf)
        out["aligned"] = dict(dkim=dkim_ok, spf=spf_ok)
        if not dkim_ok and not spf_ok:
            out["problems"].append("mail from %s aligns neither by DKIM (signed as %s) nor by SPF (%s)"
                                   % (domain, ", ".join(signing_domains) or "nothing", spf_domain or "no envelope domain"))
    return out


def judge_tlsrpt(domain, lookup):
    """The SMTP TLS reporting record of DOMAIN (RFC 8460 §3). Returns {domain, name, record, reports, problems}."""
    name = "_smtp._tls.%s" % domain
    out = dict(domain=domain, name=name, record=None, reports=[], problems=[])
    found, problem = _txt(lookup, name, "v=TLSRPTv1")
    if problem:
        out["problems"].append(problem)
        return out
    if len(found) != 1:
        out["problems"].append("%s has %s TLS-RPT record%s; publish exactly one" % (
            name, len(found) or "no", "" if len(found) == 1 else "s"))
        if not found:
            return out
    out["record"] = found[0]
    try:
        tags = _tags(found[0])
    except ValueError as error:
        out["problems"].append("%s: %s" % (name, error))
        return out
    for uri in [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]:
        if uri.lower().startswith("mailto:") and "@" in uri:
            out["reports"].append(uri[7:].lower())
        elif uri.lower().startswith("https://"):
            out["reports"].append(uri)
        else:
            out["problems"].append("%s: %s is neither a mailto: nor an https: URI" % (name, uri))
    if not out["reports"]:
        out["problems"].append("%s: no rua= report address" % name)
    return out
