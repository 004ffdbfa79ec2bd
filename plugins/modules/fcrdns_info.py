#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: fcrdns_info
short_description: Check forward-confirmed reverse DNS and the HELO name of a mail host's addresses
version_added: 1.0.0
description:
  - For every address of O(addresses) asks the PTR records, then the A (IPv4) or AAAA (IPv6) records of each PTR name,
    and reports whether the address is forward-confirmed - a PTR name resolves back to the address, and that name is
    not an alias (RFC 1912 section 2.1 - PTR records point at a name with its own address record, not a CNAME).
  - With O(helo), reports whether the HELO name is the confirmed name of each address (RFC 5321 section 2.3.5 - the
    EHLO argument is a primary host name that resolves to an address).
  - With O(name), also asks the name's own A and AAAA records; without O(addresses), the addresses checked are the
    name's addresses.
  - Every question goes to each resolver of O(resolvers) on its own. A resolver that times out or fails is asked again
    O(retries) times and then set aside with a warning, so one flapping resolver does not fail the check; resolvers
    that answer differently are reported as a problem of their own.
  - Flags generic-looking names (the address written into the name, provider pool words), and more than one PTR name.
  - Names are compared in their IDNA (ASCII) form; RV(addresses[].name) is ASCII, C(display) fields show Unicode.
  - With O(blocklists), looks every address up in each DNS blocklist zone (RFC 5782) and reports the listings with
    the blocklist's reason.
  - With O(mode), judges the DNS controls of the catalogue (C(docs/controls.md)) and returns them in RV(findings).
  - The module only reads; it never changes anything and always returns C(changed=false).
options:
  addresses:
    description: The addresses to check, bare IPv4 or IPv6 addresses; usually every address the host sends mail from.
    type: list
    elements: str
    default: []
  name:
    description: A host name whose A and AAAA records are checked (the host's FQDN, C(myhostname)).
    type: str
  helo:
    description: The name the host announces in HELO/EHLO (C(smtp_helo_name)); checked against the confirmed names.
    type: str
  resolvers:
    description:
      - Addresses of the resolvers to ask. Default - the C(nameserver) lines of C(/etc/resolv.conf) on the host the
        task runs on.
    type: list
    elements: str
    default: []
  port:
    description: The resolvers' port.
    type: int
    default: 53
  timeout:
    description: Seconds allowed for each question to one resolver; above 0 and at most 60.
    type: float
    default: 3
  retries:
    description: How often a question that got no answer is asked again of the same resolver; from 0 to 10.
    type: int
    default: 2
  blocklists:
    description:
      - DNS blocklist zones (RFC 5782) each of O(addresses) is looked up in, for example V(zen.spamhaus.org) or
        V(bl.spamcop.net); asked of the same resolvers. Without any, MAIL-DNS-009 is not judged.
      - An answer in 127.255.255.0/24 is the blocklist refusing the question (Spamhaus refuses queries that come
        through public resolvers), reported as unknown, never as clear.
    type: list
    elements: str
    default: []
  mode:
    description: The host's intended mode; when set, RV(findings) holds the DNS controls judged for it.
    type: str
    choices: [mx, relay_client, local_only]
extends_documentation_fragment:
  - mailsec.hardening.read_only
requirements:
  - dnspython (Debian package C(python3-dnspython)) on the host the task runs on
seealso:
  - module: mailsec.hardening.mailhost_info
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Check the mail server's outgoing addresses and HELO name against two resolvers
  mailsec.hardening.fcrdns_info:
    addresses: [192.0.2.25, "2001:db8::25"]
    name: mx.dept.example.org
    helo: mx.dept.example.org
    resolvers: [192.0.2.53, 198.51.100.53]
  register: __identity

- name: Fail naming the addresses that are not forward-confirmed
  ansible.builtin.assert:
    that: __identity.confirmed
    fail_msg: "{{ __identity.addresses | rejectattr('confirmed') | map(attribute='reason') | list }}"
"""

RETURN = r"""
confirmed:
  description: Whether every address is forward-confirmed and, with O(helo), the HELO name matches each.
  returned: always
  type: bool
  sample: true
msg:
  description: One-line summary, naming the first problem.
  returned: always
  type: str
  sample: "2 addresses forward-confirmed as mx.dept.example.org"
resolvers:
  description: The resolvers asked.
  returned: always
  type: list
  elements: str
  sample: [192.0.2.53]
addresses:
  description: One entry per address checked.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: The address.
      type: str
      sample: 192.0.2.25
    reverse_name:
      description: The name the PTR records were asked for.
      type: str
      sample: 25.2.0.192.in-addr.arpa
    ptr:
      description: The PTR names found (ASCII, lower case, no trailing dot).
      type: list
      elements: str
      sample: [mx.dept.example.org]
    forward:
      description: For each PTR name, the A or AAAA records it resolves to.
      type: dict
      sample: {mx.dept.example.org: [192.0.2.25]}
    aliases:
      description: PTR names that are aliases, with the name their CNAME leads to.
      type: dict
      sample: {}
    confirmed:
      description: Whether a PTR name that is not an alias resolves back to the address.
      type: bool
    confirmed_names:
      description: The PTR names that resolve back to the address.
      type: list
      elements: str
    name:
      description: The first confirmed name, else the first PTR name, else null.
      type: str
      sample: mx.dept.example.org
    helo:
      description: O(helo) in ASCII form, or null.
      type: str
    helo_matches:
      description: Whether O(helo) is a confirmed name of the address; null without O(helo).
      type: bool
    generic:
      description: Why a PTR name looks generic, one line per name and reason.
      type: list
      elements: str
      sample: ["host-192-0-2-25.pool.example.net: the name embeds the address 192.0.2.25"]
    summary:
      description: One line with the PTR names, the forward answers and the reason.
      type: str
      sample: "192.0.2.25: PTR www.dept.example.org; www.dept.example.org A 192.0.2.80 - 192.0.2.25 is not forward-confirmed: ..."
    unresolved:
      description: Whether no resolver answered the PTR question at all (the DNS controls then report C(error)).
      type: bool
    reason:
      description: Why the address is not confirmed or the HELO name does not match; null when all is well.
      type: str
      sample: "the PTR name www.dept.example.org resolves to 192.0.2.80, not to 192.0.2.25"
    warnings:
      description: Resolvers set aside, several PTR names.
      type: list
      elements: str
    resolvers:
      description: Each question and each resolver's status (ok, nxdomain, nodata, servfail, refused, timeout, error).
      type: list
      elements: dict
host_name:
  description: The A and AAAA records of O(name), when it was given.
  returned: when O(name) is set
  type: dict
  contains:
    name:
      description: The name in ASCII form.
      type: str
    display:
      description: The name in Unicode.
      type: str
    addresses:
      description: Its A and AAAA records.
      type: list
      elements: str
    alias_of:
      description: The name its CNAME leads to, or null.
      type: str
    reason:
      description: What is wrong, or null.
      type: str
    warnings:
      description: Resolvers set aside.
      type: list
      elements: str
blocklists:
  description: Each address looked up in each zone of O(blocklists).
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: The address.
      type: str
    zone:
      description: The blocklist's zone.
      type: str
    query:
      description: The name asked (the address backwards, then the zone).
      type: str
    listed:
      description: Whether the blocklist lists the address; null when it could not be told.
      type: bool
    codes:
      description: The A records the blocklist answered.
      type: list
      elements: str
    reason:
      description: The blocklist's TXT text for a listed address.
      type: str
    problem:
      description: Why the listing could not be told (no answer, a refusal code), or empty.
      type: str
findings:
  description: The DNS controls judged for O(mode), in the shape of the audit's findings; empty without O(mode).
  returned: always
  type: list
  elements: dict
"""

import math

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _blocklists
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _dns
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _fcrdns


def _problem(params):
    for name in ("addresses", "resolvers"):
        for value in params[name]:
            try:
                _inputs.address(value, name)
            except _inputs.Refusal as refusal:
                return "%s must list bare IPv4 or IPv6 addresses; %s" % (name, refusal)
    if not params["addresses"] and not params["name"]:
        return "give addresses, a name, or both"
    for zone in params["blocklists"]:
        try:
            _inputs.hostname(zone, "blocklists")
        except _inputs.Refusal as refusal:
            return "blocklists must list DNS zones such as zen.spamhaus.org; %s" % refusal
    for name in ("name", "helo"):
        if params[name] is not None and _fcrdns.normalize(params[name]) is None:
            return "%s must be a host name, got %r" % (name, params[name])
    if not 1 <= params["port"] <= 65535:
        return "port must be from 1 to 65535, got %d" % params["port"]
    if not (math.isfinite(params["timeout"]) and 0 < params["timeout"] <= 60):
        return "timeout must be a number of seconds above 0 and at most 60, got %s" % params["timeout"]
    if not 0 <= params["retries"] <= 10:
        return "retries must be from 0 to 10, got %d" % params["retries"]
    return None


def _summary(results, host_name):
    problems = [r["reason"] for r in results if r["reason"]]
    if host_name and host_name["reason"]:
        problems.insert(0, host_name["reason"])
    if problems:
        return "; ".join(problems)
    names = sorted(set(r["name"] for r in results))
    return "%d address%s forward-confirmed as %s" % (len(results), "" if len(results) == 1 else "es", ", ".join(names))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            addresses=dict(type="list", elements="str", default=[]),
            name=dict(type="str"),
            helo=dict(type="str"),
            resolvers=dict(type="list", elements="str", default=[]),
            port=dict(type="int", default=53),
            timeout=dict(type="float", default=3),
            retries=dict(type="int", default=2),
            blocklists=dict(type="list", elements="str", default=[]),
            mode=dict(type="str", choices=list(_controls.MODES)),
        ),
        supports_check_mode=True,
    )
    if not _dns.HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib("dnspython (Debian: python3-dnspython)"),
                         exception=_dns.DNSPYTHON_IMPORT_ERROR)
    p = module.params
    problem = _problem(p)
    if problem:
        module.fail_json(msg=problem)
    try:
        resolvers = _dns.resolvers(p["resolvers"])
    except ValueError as error:
        module.fail_json(msg=str(error))

    lookup = _dns.make_lookup(p["timeout"], p["port"])
    host_name = _fcrdns.check_name(p["name"], lookup, resolvers, p["retries"]) if p["name"] else None
    addresses = [str(_inputs.address(a, "addresses")) for a in p["addresses"]] or (host_name or {}).get("addresses", [])
    results = [_fcrdns.check_address(a, lookup, resolvers, p["helo"], p["retries"]) for a in addresses]
    confirmed = bool(results) and all(r["confirmed"] and r["helo_matches"] is not False for r in results) \
        and not (host_name and host_name["reason"])
    listings = [_blocklists.check(a, _inputs.hostname(z, "blocklists"), lookup, resolvers, p["retries"])
                for a in addresses for z in p["blocklists"]]
    evidence = dict(addresses=results, host_name=host_name, helo=p["helo"], blocklists=listings,
                    blocklists_asked=bool(p["blocklists"]))
    findings = _controls.evaluate({"fcrdns": evidence}, p["mode"], source=_controls.DNS) if p["mode"] else []
    output = dict(changed=False, confirmed=confirmed, msg=_summary(results, host_name) if results or host_name
                  else "no address to check", resolvers=resolvers, addresses=results, blocklists=listings,
                  findings=findings)
    if host_name is not None:
        output["host_name"] = host_name
    module.exit_json(**output)


if __name__ == "__main__":
    main()
