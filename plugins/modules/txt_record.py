#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: txt_record
short_description: Publish one kind of TXT record at a name by RFC 2136, leaving its other TXT records alone
version_added: 1.1.0
description:
  - Makes the TXT records of one kind (those whose text starts with O(kind), such as C(v=spf1)) at O(name) exactly
    O(value), by a dynamic update (RFC 2136) signed with a TSIG key, sent to O(server).
  - A name's other TXT records (site verification tokens, other owners' records) stay as they are - the update removes
    and adds single records, never the whole TXT record set, as a generic DNS update would.
  - The records are read from O(server) first; nothing is sent when they are already as wanted. The zone is found by
    asking O(server) for the SOA of the name and its parents.
  - Long texts are sent as several strings of at most 255 octets (RFC 1035 section 3.3.14), which receivers join.
  - In check mode nothing is sent; C(changed) says whether a real run would change the name.
options:
  name:
    description: The owner name, fully qualified (no final dot needed).
    type: str
    required: true
  kind:
    description: The tag that starts every record of this kind, such as C(v=spf1), C(v=DKIM1), C(v=DMARC1), C(v=TLSRPTv1).
    type: str
    required: true
  value:
    description: The texts of the records of O(kind) the name must hold; V([]) removes them all.
    type: list
    elements: str
    default: []
  ttl:
    description: The time to live of the records added.
    type: int
    default: 3600
  server:
    description: The primary name server that accepts the updates, an address or a name.
    type: str
    required: true
  port:
    description: The server's port.
    type: int
    default: 53
  key_name:
    description: The TSIG key's name.
    type: str
    required: true
  key_secret:
    description: The TSIG key's base64 secret; never shown.
    type: str
    required: true
  key_algorithm:
    description: The TSIG algorithm.
    type: str
    default: hmac-sha256
    choices: [hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5]
  timeout:
    description: Seconds allowed for each question and the update.
    type: float
    default: 10
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
requirements:
  - dnspython (Debian package C(python3-dnspython)) on the host the task runs on
seealso:
  - module: mailsec.hardening.mail_auth_info
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Publish the department's SPF record, keeping the domain's other TXT records
  mailsec.hardening.txt_record:
    name: dept.example.org
    kind: v=spf1
    value: ["v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 -all"]
    ttl: 3600
    server: 192.0.2.53
    key_name: mx-update
    key_secret: "{{ vault_tsig_secret }}"
"""

RETURN = r"""
zone:
  description: The zone the update went to.
  returned: always
  type: str
  sample: dept.example.org
removed:
  description: The texts of the records of O(kind) removed (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
added:
  description: The texts of the records added (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
kept:
  description: The texts of the name's TXT records of other kinds, left as they are.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _dns
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _txt_update

# _dns imports dnspython and says whether it is there; these are the parts only updates need.
if _dns.HAS_DNSPYTHON:
    import dns.inet
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.tsigkeyring
    import dns.update


def _server_address(server, timeout):
    """SERVER as an address dnspython can send to (a name is resolved once)."""
    try:
        dns.inet.af_for_address(server)
        return server
    except ValueError:
        return str(dns.resolver.resolve(server, "A", lifetime=timeout)[0])


def _ask(query, server, port, timeout):
    return dns.query.tcp(query, server, port=port, timeout=timeout)


def _zone(name, server, port, timeout):
    """The zone holding NAME, from the server's SOA answers (the name itself or a parent)."""
    candidate = name
    while True:
        answer = _ask(dns.message.make_query(candidate, dns.rdatatype.SOA), server, port, timeout)
        for rrset in answer.answer:
            if rrset.rdtype == dns.rdatatype.SOA and rrset.name == candidate:
                return candidate
        for rrset in answer.authority:
            if rrset.rdtype == dns.rdatatype.SOA and name.is_subdomain(rrset.name):
                return rrset.name
        if candidate == dns.name.root:
            return None
        candidate = candidate.parent()


def _texts(name, server, port, timeout):
    """The texts of NAME's TXT records on the server; raises when the server does not answer."""
    answer = _ask(dns.message.make_query(name, dns.rdatatype.TXT), server, port, timeout)
    if answer.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        raise dns.exception.DNSException("the server answered %s" % dns.rcode.to_text(answer.rcode()))
    found = []
    for rrset in answer.answer:
        if rrset.rdtype == dns.rdatatype.TXT and rrset.name == name:
            found.extend(_txt_update.text_of(rdata.strings) for rdata in rrset)
    return found


def _rdata(text):
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, _mail_auth.quoted(text))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            kind=dict(type="str", required=True),
            value=dict(type="list", elements="str", default=[]),
            ttl=dict(type="int", default=3600),
            server=dict(type="str", required=True),
            port=dict(type="int", default=53),
            key_name=dict(type="str", required=True, no_log=False),
            key_secret=dict(type="str", required=True, no_log=True),
            key_algorithm=dict(type="str", default="hmac-sha256",
                               choices=["hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5"]),
            timeout=dict(type="float", default=10),
        ),
        supports_check_mode=True,
    )
    if not _dns.HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib("dnspython (Debian: python3-dnspython)"), exception=_dns.DNSPYTHON_IMPORT_ERROR)
    p = module.params
    wrong = [t for t in p["value"] if not _txt_update.of_kind(t, p["kind"]) or not t.isascii() or '"' in t or "\\" in t]
    if wrong:
        module.fail_json(msg="value: %r is not a record of kind %s in printable ASCII without quotes or backslashes"
                         % (wrong[0][:80], p["kind"]))
    if not 1 <= p["ttl"] <= 2 ** 31 - 1 or not 1 <= p["port"] <= 65535 or not 0 < p["timeout"] <= 120:
        module.fail_json(msg="ttl, port and timeout must be a time to live, a port and a number of seconds (at most 120)")
    try:
        name = dns.name.from_text(p["name"])
        server = _server_address(p["server"], p["timeout"])
        zone = _zone(name, server, p["port"], p["timeout"])
        if zone is None:
            module.fail_json(msg="%s answers no SOA for %s or a parent; is it the zone's primary server?" % (p["server"], p["name"]))
        existing = _texts(name, server, p["port"], p["timeout"])
    except (dns.exception.DNSException, OSError) as error:
        module.fail_json(msg="cannot read the TXT records of %s from %s: %s; nothing was changed"
                         % (p["name"], p["server"], error or type(error).__name__))
    change = _txt_update.plan(existing, p["kind"], p["value"])
    result = dict(zone=zone.to_text(omit_final_dot=True), removed=change["remove"], added=change["add"], kept=change["kept"],
                  changed=bool(change["remove"] or change["add"]))
    if not result["changed"] or module.check_mode:
        module.exit_json(**result)
    keyring = dns.tsigkeyring.from_text({p["key_name"]: p["key_secret"]})
    update = dns.update.Update(zone, keyring=keyring, keyalgorithm=dns.name.from_text(p["key_algorithm"]))
    for text in change["remove"]:
        update.delete(name, _rdata(text))
    for text in change["add"]:
        update.add(name, p["ttl"], _rdata(text))
    try:
        response = _ask(update, server, p["port"], p["timeout"])
    except (dns.exception.DNSException, OSError) as error:
        module.fail_json(msg="the update of %s was not accepted by %s: %s" % (p["name"], p["server"], error or type(error).__name__))
    if response.rcode() != dns.rcode.NOERROR:
        module.fail_json(msg="%s refused the update of %s: %s (is the TSIG key allowed to update the zone %s?)"
                         % (p["server"], p["name"], dns.rcode.to_text(response.rcode()), result["zone"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
