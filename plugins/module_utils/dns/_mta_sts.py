# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""SMTP MTA Strict Transport Security (RFC 8461): the policy written, and a domain's policy judged.

A domain publishes ``_mta-sts.DOMAIN TXT "v=STSv1; id=..."`` and serves its policy at
``https://mta-sts.DOMAIN/.well-known/mta-sts.txt``. A sender that honours it delivers only to the
MX hosts the policy names, over TLS with a certificate valid for the MX's name; in ``enforce`` mode
it keeps the mail rather than deliver it otherwise. A policy that leaves out an MX, or an MX whose
certificate senders cannot verify, therefore stops mail: that is what ``judge`` looks for.

No I/O happens here. LOOKUP answers DNS questions as in ``_mail_auth``; FETCH(domain) returns the
HTTPS answer {status, content_type, body} or {error}; CHECK_TLS(mx_host) returns {error} ('' when
the MX offered STARTTLS with a certificate valid for its name).
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth

MODES = ("enforce", "testing", "none")
# RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year).
MAX_AGE_LIMIT = 31557600
# RFC 8461 §3.3: senders should not read more than 64 KiB of policy.
MAX_POLICY_BYTES = 64 * 1024
WELL_KNOWN = "/.well-known/mta-sts.txt"
PORT = 443
# The unit of the web server the mail_auth role runs to serve the policy; the audit expects port 443
# open on a host where this unit holds it.
UNIT = "mailsec-mta-sts.service"
_ID = re.compile(r"^[A-Za-z0-9]{1,32}\Z")
_KEY = re.compile(r"^[A-Za-z0-9_]{1,32}\Z")


def policy_host(domain):
    """The name the policy is served from (RFC 8461 §3.3)."""
    return "mta-sts.%s" % domain


def policy_url(domain):
    return "https://%s%s" % (policy_host(domain), WELL_KNOWN)


def policy_text(mode, mx, max_age):
    """The policy file: version, MODE, one mx line per pattern of MX, MAX_AGE; CRLF line ends (RFC 8461 §3.2)."""
    lines = ["version: STSv1", "mode: %s" % mode] + ["mx: %s" % pattern for pattern in mx] + ["max_age: %d" % max_age]
    return "".join(line + "\r\n" for line in lines)


def policy_id(text):
    """The policy's id: derived from its text, so it changes exactly when the policy does and senders
    fetch the new one (RFC 8461 §3.1), and a re-run writes the same record."""
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:20]


def txt_text(text):
    """The ``_mta-sts`` record announcing the policy TEXT."""
    return "v=STSv1; id=%s" % policy_id(text)


def mx_matches(pattern, host):
    """Whether HOST matches the policy's mx PATTERN: the name itself, or ``*.`` and exactly one more
    label (RFC 8461 §4.1)."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _dot, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


def parse_policy(body):
    """The policy BODY (bytes or text) as {version, mode, mx, max_age} and the problems that make
    senders ignore or misread it (RFC 8461 §3.2)."""
    problems = []
    if isinstance(body, bytes):
        try:
            body = body.decode("ascii")
        except UnicodeDecodeError:
            return {}, ["the policy is not ASCII text"]
    fields = dict(version=None, mode=None, mx=[], max_age=None)
    for number, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not colon or not _KEY.match(key):
            problems.append("line %d of the policy is not a key: value pair" % number)
            continue
        if key == "mx":
            fields["mx"].append(value.lower())
        elif key in ("version", "mode", "max_age"):
            if fields[key] is not None:
                problems.append("the policy gives %s twice" % key)
            fields[key] = value
    if fields["version"] != "STSv1":
        problems.append("version is %s, not STSv1" % (fields["version"] or "missing"))
    if fields["mode"] not in MODES:
        problems.append("mode is %s, not enforce, testing or none" % (fields["mode"] or "missing"))
    age = fields["max_age"]
    if age is None or not (age.isascii() and age.isdigit()) or len(age) > 10:
        problems.append("max_age is %s, not a number of seconds" % (age or "missing"))
        fields["max_age"] = None
    else:
        fields["max_age"] = int(age)
        if fields["max_age"] > MAX_AGE_LIMIT:
            problems.append("max_age %s is above the %d seconds RFC 8461 allows" % (age, MAX_AGE_LIMIT))
    if fields["mode"] in ("enforce", "testing") and not fields["mx"]:
        problems.append("the policy names no mx, so no MX host can satisfy it")
    return fields, problems


def _mx_hosts(lookup, domain):
    """The MX hosts of DOMAIN, highest preference first, and a problem when DNS gave no answer."""
    answer = lookup(domain, "MX")
    if answer.get("status") not in _mail_auth.ANSWERED:
        return [], "%s MX: no answer (%s)" % (domain, answer.get("error") or answer.get("status"))
    hosts = []
    for record in answer.get("records") or []:
        parts = str(record).split()
        if len(parts) == 2 and parts[0].isascii() and parts[0].isdigit():
            hosts.append((int(parts[0]), parts[1].lower().rstrip(".")))
    return [host for _pref, host in sorted(hosts)], None


def judge(domain, lookup, fetch, check_tls):
    """The MTA-STS policy of DOMAIN as a sender reads it. Returns {domain, published, id, url, policy,
    mx_hosts: [{host, covered, tls}], problems}; a domain without a ``_mta-sts`` record has none
    (published false): MTA-STS is optional."""
    name = "_mta-sts.%s" % domain
    out = dict(domain=domain, published=False, id=None, url=policy_url(domain), policy=None, mx_hosts=[], problems=[])
    answer = lookup(name, "TXT")
    if answer.get("status") not in _mail_auth.ANSWERED:
        out["problems"].append("%s TXT: no answer (%s)" % (name, answer.get("error") or answer.get("status")))
        return out
    found = [r for r in answer.get("records") or [] if r.lower().startswith("v=stsv1")]
    if not found:
        return out
    out["published"] = True
    if len(found) > 1:
        out["problems"].append("%s has %d STSv1 records; senders then apply no policy (RFC 8461 §3.1)" % (name, len(found)))
    try:
        tags = _mail_auth._tags(found[0])
    except ValueError as error:
        out["problems"].append("%s: %s" % (name, error))
        tags = {}
    if tags.get("v") != "STSv1" or not _ID.match(tags.get("id", "")):
        out["problems"].append("%s: %s is not v=STSv1 with an id of 1 to 32 letters and digits" % (name, found[0]))
    out["id"] = tags.get("id")

    reply = fetch(domain)
    if reply.get("error"):
        out["problems"].append("%s: %s; senders treat the domain as having no policy" % (out["url"], reply["error"]))
        return out
    if reply.get("status") != 200:
        out["problems"].append("%s answered HTTP %s, not 200 (redirects are not followed, RFC 8461 §3.3)"
                               % (out["url"], reply.get("status")))
        return out
    media = (reply.get("content_type") or "").split(";")[0].strip().lower()
    if media != "text/plain":
        out["problems"].append("%s is served as %s, not text/plain (RFC 8461 §3.2)" % (out["url"], media or "no type"))
    policy, problems = parse_policy(reply.get("body") or b"")
    out["policy"] = policy
    out["problems"].extend("%s: %s" % (out["url"], p) for p in problems)
    if policy.get("mode") not in ("enforce", "testing"):
        return out

    hosts, problem = _mx_hosts(lookup, domain)
    if problem:
        out["problems"].append(problem)
    elif not hosts:
        out["problems"].append("%s has no MX record for the policy to cover" % domain)
    for host in hosts:
        covered = any(mx_matches(pattern, host) for pattern in policy["mx"])
        tls = check_tls(host).get("error") or ""
        out["mx_hosts"].append(dict(host=host, covered=covered, tls=tls or "valid certificate"))
        if not covered:
            out["problems"].append("MX %s is not among the policy's mx (%s); senders honouring the policy will not "
                                   "deliver to it" % (host, ", ".join(policy["mx"])))
        if tls:
            out["problems"].append("MX %s: %s; senders honouring the policy will not deliver to it" % (host, tls))
    return out
