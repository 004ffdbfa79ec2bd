#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mail_auth_info
short_description: Judge the SPF, DKIM, DMARC, TLS-RPT and MTA-STS records of mail domains as receivers and senders read them
version_added: 1.1.0
description:
  - For every domain of O(domains), asks the resolvers for its sender authentication records and judges them with
    maintained libraries, as a receiving mail server would.
  - SPF (RFC 7208) - pyspf evaluates the domain's record for mail from each address of O(addresses), with the 10-lookup
    and 2-void-lookup limits; every address must get C(pass), and the record must end in C(-all) or C(~all).
  - DKIM (RFC 6376) - dkimpy reads the key record of each signing key of O(signing_keys) at C(SELECTOR._domainkey.DOMAIN); it
    must be the public half of the key the host signs with (RSA of 2048 bits or more, not in test mode, not revoked).
  - DMARC (RFC 7489) - the domain's record, else the nearest parent's (the DNS tree walk of DMARCbis); the policy must
    be C(quarantine) or C(reject) for all mail, aggregate reports must go to an address that accepts them (another
    domain's address needs its authorisation record), and the signing domain must align with the From domain.
  - TLS-RPT (RFC 8460) - one C(v=TLSRPTv1) record at C(_smtp._tls.DOMAIN) with a report address.
  - MTA-STS (RFC 8461), where the domain publishes a C(_mta-sts) record - the policy fetched from
    C(https://mta-sts.DOMAIN/.well-known/mta-sts.txt) as a sender fetches it (the name resolved by O(resolvers), the
    certificate verified, redirects not followed) must be a valid policy naming every MX host of the domain, and each
    MX must offer STARTTLS with a certificate valid for its name. A domain without the record has no policy to judge
    (MTA-STS is optional).
  - With O(mode), judges the sender authentication controls of the catalogue (C(docs/controls.md)) and returns them in
    RV(findings).
  - The module only reads; it never changes anything and always returns C(changed=false).
options:
  domains:
    description: The mail domains, fully qualified.
    type: list
    elements: str
    required: true
  addresses:
    description: The addresses the domains' mail leaves from (bare IPv4 or IPv6), which SPF must authorise.
    type: list
    elements: str
    default: []
  helo:
    description: The name the sending host announces in HELO, which pyspf is given with each address.
    type: str
  signing_keys:
    description:
      - The keys the host signs each domain's mail with, as C(mailhost_info) reports them in C(evidence.opendkim.signing_keys) -
        C(domain), C(selector) and C(public_key) (base64 DER). Private keys are never given.
    type: list
    elements: dict
    default: []
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
  ca_file:
    description:
      - The certificate authorities (PEM) the MTA-STS policy host and the MX hosts' certificates are verified against, on
        the host the task runs on. Default - the system's trust store, as senders use theirs.
    type: path
  timeout:
    description: Seconds allowed for each question and connection; above 0 and at most 60.
    type: float
    default: 5
  mode:
    description: The host's intended mode; when set, RV(findings) holds the sender authentication controls judged for it.
    type: str
    choices: [mx, relay_client, local_only]
  optouts:
    description: The controls the host intent switches off (C(mailsec_control_optouts)), reported as waived with their reasons.
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: The control ID.
        type: str
        required: true
      reason:
        description: Why it is switched off.
        type: str
        required: true
extends_documentation_fragment:
  - mailsec.hardening.read_only
requirements:
  - dnspython, pyspf and dkimpy (Debian packages C(python3-dnspython), C(python3-spf), C(python3-dkim)) on the host the
    task runs on
seealso:
  - module: mailsec.hardening.mailhost_info
  - module: mailsec.hardening.fcrdns_info
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Read the signing keys' public halves on the mail server
  mailsec.hardening.mailhost_info:
  register: __host

- name: Judge the department's records from the control node
  mailsec.hardening.mail_auth_info:
    domains: [dept.example.org]
    addresses: [192.0.2.25, "2001:db8::25"]
    helo: mx.dept.example.org
    signing_keys: "{{ __host.evidence.opendkim.signing_keys }}"
    resolvers: [192.0.2.53]
    mode: mx
  delegate_to: localhost
  register: __records

- name: Fail naming every problem with the records
  ansible.builtin.assert:
    that: __records.passed
    fail_msg: "{{ __records.problems }}"
"""

RETURN = r"""
passed:
  description: Whether every record of every domain passed.
  returned: always
  type: bool
  sample: true
msg:
  description: One-line summary, naming the first problem.
  returned: always
  type: str
  sample: "SPF, DKIM, DMARC and TLS-RPT sound for dept.example.org"
problems:
  description: Every problem found, one sentence each.
  returned: always
  type: list
  elements: str
resolvers:
  description: The resolvers asked.
  returned: always
  type: list
  elements: str
domains:
  description: One entry per domain.
  returned: always
  type: list
  elements: dict
  contains:
    domain:
      description: The domain.
      type: str
    spf:
      description: The SPF record and pyspf's result for each address (C(address), C(result), C(explanation), C(lookups)).
      type: dict
    dkim:
      description: One verdict per signing key - C(name), C(bits), C(matches), C(testing), C(problems).
      type: list
      elements: dict
    dmarc:
      description: The DMARC record found, C(policy), C(alignment), C(reports), C(aligned), C(problems).
      type: dict
    tlsrpt:
      description: The TLS-RPT record and C(reports).
      type: dict
    mta_sts:
      description:
        - The MTA-STS verdict - C(published), C(id), C(url), C(policy) (C(version), C(mode), C(mx), C(max_age)),
          C(mx_hosts) (C(host), C(covered), C(tls)) and C(problems).
      type: dict
findings:
  description: With O(mode), one finding per sender authentication control of the catalogue (empty otherwise).
  returned: always
  type: list
  elements: dict
"""

import http.client
import math
import socket
import ssl

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _dns
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mta_sts
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _smtp


def _problem(params):
    """What is wrong with the options, as one sentence, or None."""
    try:
        _inputs.a_list(params["domains"], "domains", _inputs.hostname, "['dept.example.org']", allow_empty=False,
                       what="domain name")
        for name in ("addresses", "resolvers"):
            _inputs.a_list(params[name], name, _inputs.address, "['192.0.2.25']")
        if params["helo"] is not None:
            _inputs.hostname(params["helo"], "helo")
        for key in params["signing_keys"]:
            if not isinstance(key, dict):
                raise _inputs.Refusal("signing_keys", "must list mappings with domain, selector and public_key")
            _inputs.hostname(key.get("domain"), "signing_keys[].domain", what="domain name")
            _inputs.dns_label(key.get("selector"), "signing_keys[].selector")
            if not _mail_auth.public_key_text(key.get("public_key")):
                raise _inputs.Refusal("signing_keys[].public_key", "must be the base64 public key (DER) of %s's key; give what "
                                      "mailhost_info reports in evidence.opendkim.signing_keys" % key.get("domain"))
        _inputs.port(params["port"], "port")
    except _inputs.Refusal as refusal:
        return str(refusal)
    if not (math.isfinite(params["timeout"]) and 0 < params["timeout"] <= 60):
        return "timeout must be a number of seconds above 0 and at most 60, got %s" % params["timeout"]
    return None


def _addresses(lookup, host):
    """HOST's addresses as DNS gives them (IPv4 first); CNAMEs are followed by the resolver."""
    found = []
    for rdtype in ("A", "AAAA"):
        answer = lookup(host, rdtype)
        if answer.get("status") == "ok":
            found.extend(answer.get("records") or [])
    return found


class _AddressedHTTPS(http.client.HTTPSConnection):
    """HTTPS to ADDRESS with the name HOST in SNI, the Host header and the certificate check: the name is
    resolved by the module's resolvers, not the system's."""

    def __init__(self, host, address, context, timeout, port=_mta_sts.PORT):
        super().__init__(host, port, context=context, timeout=timeout)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def make_fetch(lookup, context, timeout, port=_mta_sts.PORT):
    """FETCH for _mta_sts.judge: the policy as a sender reads it (RFC 8461 §3.3); PORT is for the tests."""

    def fetch(domain):
        host = _mta_sts.policy_host(domain)
        addresses = _addresses(lookup, host)
        if not addresses:
            return dict(error="%s has no address in DNS" % host)
        failure = None
        for address in addresses:
            connection = _AddressedHTTPS(host, address, context, timeout, port)
            try:
                connection.request("GET", _mta_sts.WELL_KNOWN, headers={"User-Agent": "mailsec.hardening mail_auth_info"})
                reply = connection.getresponse()
                body = reply.read(_mta_sts.MAX_POLICY_BYTES + 1)
            except ssl.SSLCertVerificationError as error:
                return dict(error="the certificate of %s (%s) is not valid for it: %s" % (host, address, error.verify_message))
            except (ssl.SSLError, OSError, http.client.HTTPException) as error:
                failure = "cannot fetch it from %s: %s" % (address, error)
                continue
            finally:
                connection.close()
            if len(body) > _mta_sts.MAX_POLICY_BYTES:
                return dict(error="the policy is larger than the %d bytes senders read" % _mta_sts.MAX_POLICY_BYTES)
            return dict(status=reply.status, content_type=reply.getheader("Content-Type") or "", body=body)
        return dict(error=failure)

    return fetch


def make_check_tls(lookup, context, timeout, port=_controls.SMTP_PORT):
    """CHECK_TLS for _mta_sts.judge: STARTTLS on the SMTP port of the MX host, its certificate verified for its
    name; PORT is for the tests."""

    def check_tls(host):
        addresses = _addresses(lookup, host)
        if not addresses:
            return dict(error="it has no address in DNS")
        failure = None
        for address in addresses:
            client = _smtp.SMTPClient(address, port, timeout=timeout)
            try:
                client.connect()
                client.ehlo(socket.getfqdn())
                if not client.has_extension("STARTTLS"):
                    return dict(error="it offers no STARTTLS at %s" % address)
                client.starttls(verify=True, server_hostname=host, context=context)
                return dict(error="")
            except _smtp.SMTPProtocolError as error:
                if error.handshake or error.kind == "tls":
                    return dict(error="no TLS with a certificate valid for its name at %s (%s)" % (address, error))
                failure = "no SMTP session at %s (%s)" % (address, error)
            finally:
                client.close()
        return dict(error=failure)

    return check_tls


def judge(domains, addresses, helo, keys, lookup, lookup_spf, fetch=None, check_tls=None):
    """The verdicts of every domain (see RETURN); MTA-STS is judged when FETCH and CHECK_TLS are given."""
    found = []
    for domain in domains:
        domain_keys = [k for k in keys if k["domain"] == domain]
        dkim = [_mail_auth.judge_dkim(domain, k["selector"], lookup, k["public_key"]) for k in domain_keys]
        spf = _mail_auth.judge_spf(domain, addresses, lookup_spf, lookup, helo)
        # The host's mail leaves with the domain as its envelope domain: it aligns by SPF only when SPF passes
        # for every egress address, and by DKIM only with a signing key whose record is sound.
        found.append(dict(
            domain=domain, spf=spf, dkim=dkim,
            dmarc=_mail_auth.judge_dmarc(domain, lookup, signing_domains=[d["domain"] for d in dkim if not d["problems"]],
                                         spf_domain=None if spf["problems"] else domain),
            tlsrpt=_mail_auth.judge_tlsrpt(domain, lookup),
            mta_sts=_mta_sts.judge(domain, lookup, fetch, check_tls) if fetch and check_tls else None))
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domains=dict(type="list", elements="str", required=True),
            addresses=dict(type="list", elements="str", default=[]),
            helo=dict(type="str"),
            signing_keys=dict(type="list", elements="dict", default=[], no_log=False),
            resolvers=dict(type="list", elements="str", default=[]),
            port=dict(type="int", default=53),
            ca_file=dict(type="path"),
            timeout=dict(type="float", default=5),
            mode=dict(type="str", choices=list(_controls.MODES)),
            optouts=dict(type="list", elements="dict", default=[],
                         options=dict(id=dict(type="str", required=True), reason=dict(type="str", required=True))),
        ),
        supports_check_mode=True,
    )
    for present, name, error in ((_dns.HAS_DNSPYTHON, "dnspython (Debian: python3-dnspython)", _dns.DNSPYTHON_IMPORT_ERROR),
                                 (_mail_auth.HAS_PYSPF, "pyspf (Debian: python3-spf)", _mail_auth.PYSPF_IMPORT_ERROR),
                                 (_mail_auth.HAS_DKIMPY, "dkimpy (Debian: python3-dkim)", _mail_auth.DKIMPY_IMPORT_ERROR)):
        if not present:
            module.fail_json(msg=missing_required_lib(name), exception=error)
    p = module.params
    problem = _problem(p)
    if problem:
        module.fail_json(msg=problem)
    optout_problems = _controls.optout_problems(p["optouts"], "optouts")
    if optout_problems:
        module.fail_json(msg="; ".join(optout_problems) + " (set in mailsec_control_optouts)")
    try:
        resolvers = _dns.resolvers(p["resolvers"])
    except ValueError as error:
        module.fail_json(msg=str(error))

    domains = [_inputs.hostname(d, "domains", what="domain name") for d in p["domains"]]
    addresses = [_inputs.address(a, "addresses") for a in p["addresses"]]
    keys = [dict(domain=k["domain"].lower(), selector=k["selector"].lower(), public_key="".join(k["public_key"].split()))
            for k in p["signing_keys"]]
    lookup = _dns.make_record_lookup(resolvers, p["timeout"], p["port"])
    lookup_spf = _dns.make_spf_lookup(resolvers, p["timeout"], p["port"])
    try:
        context = ssl.create_default_context(cafile=p["ca_file"]) if p["ca_file"] else ssl.create_default_context()
    except (OSError, ssl.SSLError) as error:
        module.fail_json(msg="ca_file %s cannot be read as PEM certificates: %s" % (p["ca_file"], error))
    verdicts = judge(domains, addresses, p["helo"], keys, lookup, lookup_spf,
                     make_fetch(lookup, context, p["timeout"]), make_check_tls(lookup, context, p["timeout"]))
    problems = []
    for verdict in verdicts:
        problems.extend(verdict["spf"]["problems"])
        for item in verdict["dkim"]:
            problems.extend(item["problems"])
        if not verdict["dkim"]:
            problems.append("%s: no signing key was given for it" % verdict["domain"])
        problems.extend(verdict["dmarc"]["problems"] + verdict["tlsrpt"]["problems"] + verdict["mta_sts"]["problems"])
    findings = _controls.evaluate({"sender": dict(domains=verdicts)}, p["mode"], source=_controls.SENDER,
                                  optouts=p["optouts"]) if p["mode"] else []
    module.exit_json(changed=False, passed=not problems, problems=problems, resolvers=resolvers, domains=verdicts,
                     findings=findings,
                     msg=problems[0] if problems else "%s sound for %s" % (
                         "SPF, DKIM, DMARC, TLS-RPT and MTA-STS" if any(v["mta_sts"]["published"] for v in verdicts)
                         else "SPF, DKIM, DMARC and TLS-RPT", ", ".join(domains)))


if __name__ == "__main__":
    main()
