# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Forward-confirmed reverse DNS, judged from DNS answers.

An address is forward-confirmed when a name in its PTR records resolves (A for IPv4, AAAA for IPv6)
back to that address, and that name is not an alias: RFC 1912 §2.1 wants PTR records to "point
back to a valid A record, not a alias defined by a CNAME". The HELO name a host announces should be
that confirmed name (RFC 5321 §2.3.5, §4.1.1.1).

No I/O happens here. Every DNS question goes through a LOOKUP callable,
``lookup(resolver, qname, rdtype) -> {"status", "records", "canonical", "error"}`` with status one of
``ok``, ``nxdomain``, ``nodata`` (answers) or ``servfail``, ``timeout``, ``refused``, ``error`` (no
answer), so the same logic serves the module (``_dns.lookup``, dnspython) and the unit tests.
Questions go to several resolvers and are retried: a resolver that times out or fails is asked
again, then set aside with a warning, so one flapping resolver does not raise a false alarm; two
resolvers that give different answers are a finding of their own.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs

ANSWERED = ("ok", "nxdomain", "nodata")


def normalize(name):
    """NAME in the form DNS compares: ASCII (IDNA, ``xn--`` labels), lower case, no trailing dot.
    None when it is not a usable host name."""
    if not isinstance(name, str):
        return None
    text = name.strip().rstrip(".")
    if not text or len(text) > 253 or any(c.isspace() or ord(c) < 32 for c in text):
        return None
    labels = []
    for label in text.split("."):
        if not label:
            return None
        if any(ord(c) > 127 for c in label):
            try:
                label = label.encode("idna").decode("ascii")
            except UnicodeError:
                return None
        if len(label) > 63:
            return None
        labels.append(label.lower())
    return ".".join(labels)


def display(name):
    """NAME as people read it: ``xn--`` labels shown in Unicode when they decode."""
    labels = []
    for label in (name or "").split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        labels.append(label)
    return ".".join(labels)


def _address(text):
    """TEXT read by the input layer (no zone ID, no IPv4 written as IPv6); a Refusal is a ValueError."""
    return _inputs.address(text, "address")


def reverse_name(address):
    """The in-addr.arpa / ip6.arpa name of ADDRESS."""
    return _address(address).reverse_pointer


def zone_for(name, zones):
    """The longest of ZONES that contains NAME, or "" (names compared without trailing dots)."""
    name = (normalize(name) or "")
    found = [z for z in (normalize(z) for z in zones or []) if z and (name == z or name.endswith("." + z))]
    return max(found, key=len) if found else ""


def _forward_type(address):
    return "AAAA" if _address(address).version == 6 else "A"


def _same_address(a, b):
    try:
        return _address(a) == _address(b)
    except ValueError:
        return False


_POOL_WORDS = re.compile(r"(^|[.-])(dyn|dynamic|dhcp|dsl|adsl|xdsl|cable|pool|ppp|pppoe|dialup|dial|client|"
                         r"customer|cust|broadband|bb|ip|host|static|unknown|nat)[.-]?\d", re.I)


def generic_reasons(name, address):
    """Why NAME looks like a provider's generic name for ADDRESS (the address written into the
    host name, or pool words next to numbers). Large receivers treat such names as dial-up space."""
    reasons = []
    ip = _address(address)
    first = (name or "").split(".")[0].lower()
    lower = (name or "").lower()
    if ip.version == 4:
        octets = str(ip).split(".")
        forms = {
            "-".join(octets), ".".join(octets), "_".join(octets), "-".join(reversed(octets)),
            ".".join(reversed(octets)), "".join("%03d" % int(o) for o in octets), "%08x" % int(ip),
        }
        if any(form in lower for form in forms):
            reasons.append("the name embeds the address %s" % ip)
    else:
        packed = "%032x" % int(ip)
        tail = packed[-8:]
        if packed in lower.replace("-", "").replace(":", "") or (tail.strip("0") and tail in first.replace("-", "")):
            reasons.append("the name embeds the address %s" % ip)
    if not reasons and _POOL_WORDS.search(first) and sum(c.isdigit() for c in first) >= 4:
        reasons.append("the first label %s reads like a provider's address pool" % first)
    return reasons


def ask(lookup, resolvers, qname, rdtype, retries):
    """Ask every resolver, retrying failures; returns [{resolver, status, records, canonical, error,
    attempts}]."""
    results = []
    for resolver in resolvers:
        attempt = 0
        while True:
            attempt += 1
            answer = dict(lookup(resolver, qname, rdtype))
            if answer.get("status") in ANSWERED or attempt > retries:
                break
        answer.setdefault("records", [])
        answer.setdefault("canonical", qname)
        answer.setdefault("error", None)
        answer.update(resolver=resolver, attempts=attempt)
        results.append(answer)
    return results


def _key(answer):
    return (answer["status"], tuple(sorted(str(r).lower() for r in answer["records"])),
            normalize(answer.get("canonical")) or "")


def agree(results, question):
    """One answer from several resolvers: (answer or None, problem or None, warnings)."""
    answered = [r for r in results if r["status"] in ANSWERED]
    silent = [r for r in results if r["status"] not in ANSWERED]
    warnings = ["resolver %s gave no answer to %s after %d attempt%s (%s)%s" % (
        r["resolver"], question, r["attempts"], "" if r["attempts"] == 1 else "s", r["status"],
        ": %s" % r["error"] if r.get("error") else "") for r in silent] if answered else []
    if not answered:
        return None, "no resolver answered %s (%s)" % (question, "; ".join(
            "%s: %s" % (r["resolver"], r["status"]) for r in results)), []
    keys = set(_key(r) for r in answered)
    if len(keys) > 1:
        shown = "; ".join("%s: %s %s" % (r["resolver"], r["status"], ", ".join(r["records"]) or "-") for r in answered)
        return None, "the resolvers disagree on %s (%s)" % (question, shown), warnings
    return answered[0], None, warnings


def resolve(result, lookup, resolvers, qname, rdtype, retries):
    """Ask one question of every resolver and agree on the answer; each resolver's status goes to
    RESULT's resolvers list (when it keeps one), the warnings to its warnings.
    Returns (answer or None, problem or None, whether any resolver answered)."""
    answers = ask(lookup, resolvers, qname, rdtype, retries)
    question = "%s %s" % (rdtype, qname)
    if "resolvers" in result:
        result["resolvers"].extend(dict(resolver=a["resolver"], question=question, status=a["status"],
                                        attempts=a["attempts"]) for a in answers)
    answer, problem, warnings = agree(answers, question)
    result["warnings"].extend(warnings)
    return answer, problem, any(a["status"] in ANSWERED for a in answers)


def check_address(address, lookup, resolvers, helo=None, retries=2):
    """The FCrDNS verdict for ADDRESS:
    {address, reverse_name, ptr, forward, aliases, confirmed, confirmed_names, name, helo, helo_matches,
     generic, reason, warnings, resolvers}."""
    address = str(_address(address))
    qname = reverse_name(address)
    rdtype = _forward_type(address)
    result = dict(address=address, reverse_name=qname, ptr=[], forward={}, aliases={}, confirmed=False,
                  confirmed_names=[], name=None, helo=normalize(helo) if helo else None, helo_matches=None,
                  generic=[], reason=None, warnings=[], resolvers=[], unresolved=False)
    answer, problem, answered = resolve(result, lookup, resolvers, qname, "PTR", retries)
    if problem:
        # no answer at all says nothing about the records: the caller reports an error, not a failure
        result["unresolved"] = not answered
        return _finish(result, problem)
    names = []
    for record in answer["records"]:
        name = normalize(record)
        if name and name not in names:
            names.append(name)
    result["ptr"] = names
    if not names:
        return _finish(result, "%s has no PTR record (%s: %s)" % (address, qname, answer["status"]))
    if len(names) > 1:
        result["warnings"].append("%s has %d PTR records (%s); receivers may pick any of them, so keep one"
                                  % (address, len(names), ", ".join(names)))
    result["generic"] = ["%s: %s" % (name, reason) for name in names for reason in generic_reasons(name, address)]
    problems = []
    for name in names:
        reply, problem = resolve(result, lookup, resolvers, name, rdtype, retries)[:2]
        if problem:
            problems.append(problem)
            continue
        records = [str(r) for r in reply["records"]]
        result["forward"][name] = records
        canonical = normalize(reply.get("canonical")) or name
        if canonical != name:
            result["aliases"][name] = canonical
        matches = any(_same_address(r, address) for r in records)
        if matches and canonical != name:
            problems.append("the PTR name %s is an alias (CNAME) of %s; RFC 1912 §2.1 wants the PTR to name a host "
                            "with its own %s record" % (name, canonical, rdtype))
        elif matches:
            result["confirmed_names"].append(name)
        elif reply["status"] != "ok" or not records:
            problems.append("the PTR name %s has no %s record (%s), so %s is not forward-confirmed"
                            % (name, rdtype, reply["status"], address))
        else:
            problems.append("the PTR name %s resolves to %s, not to %s" % (name, ", ".join(records), address))
    result["confirmed"] = bool(result["confirmed_names"])
    result["name"] = result["confirmed_names"][0] if result["confirmed"] else names[0]
    if not result["confirmed"]:
        return _finish(result, "%s is not forward-confirmed: %s" % (address, "; ".join(problems)))
    if result["helo"] is not None:
        result["helo_matches"] = result["helo"] in result["confirmed_names"]
        if not result["helo_matches"]:
            return _finish(result, "the HELO name %s is not the confirmed name of %s (%s)"
                           % (display(result["helo"]), address, ", ".join(result["confirmed_names"])))
    return _finish(result, None)


def _finish(result, reason):
    result["reason"] = reason
    forward = "; ".join("%s %s %s" % (name, "A" if "." in result["address"] else "AAAA",
                                      ", ".join(records) or "none") for name, records in sorted(result["forward"].items()))
    result["summary"] = "%s: PTR %s%s%s" % (result["address"], ", ".join(result["ptr"]) or "none",
                                            "; " + forward if forward else "", " - " + reason if reason else "")
    if result["helo"] is not None and result["helo_matches"] is None:
        result["helo_matches"] = result["helo"] in result["confirmed_names"]
    return result


def check_name(name, lookup, resolvers, retries=2):
    """The address records of NAME: {name, display, addresses, aliases, reason, warnings}."""
    qname = normalize(name)
    result = dict(name=qname, display=display(qname) if qname else name, addresses=[], alias_of=None,
                  reason=None, warnings=[])
    if qname is None or "." not in qname:
        result["reason"] = "%r is not a fully qualified host name" % (name,)
        return result
    problems = []
    for rdtype in ("A", "AAAA"):
        answer, problem = resolve(result, lookup, resolvers, qname, rdtype, retries)[:2]
        if problem:
            problems.append(problem)
            continue
        result["addresses"].extend(str(r) for r in answer["records"])
        canonical = normalize(answer.get("canonical")) or qname
        if canonical != qname and answer["records"]:
            result["alias_of"] = canonical
    if problems:
        result["reason"] = "; ".join(problems)
    elif not result["addresses"]:
        result["reason"] = "%s has no A or AAAA record" % qname
    elif result["alias_of"]:
        result["reason"] = "%s is an alias (CNAME) of %s; the host name must have its own address records" % (
            qname, result["alias_of"])
    return result
