#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mailhost_network_info
short_description: Probe a mail host's listeners as an untrusted client and judge the network controls
version_added: 1.0.0
description:
  - From the host the task runs on (the vantage point, that is the control node or a scanner host through
    C(delegate_to)), connects to every address of a mail host on every port of O(ports), and for each listener that
    answers gathers what an untrusted client sees - the greeting, the EHLO extensions before and after TLS, the answers to C(VRFY) and
    C(EXPN), the relay battery of M(mailsec.hardening.relay_probe) (the same code, run over implicit TLS on 465 and
    after C(STARTTLS) on the submission port when it is offered), and one TLS handshake per version of
    O(tls_versions), offering only that version, so the protocol floor is the one the server enforces.
  - It then judges the network controls of the catalogue (C(docs/controls.md)) for O(mode). An address and port that
    does not answer is listed in RV(probed) with the reason; a host where nothing answers passes the relay control and
    says so.
  - Every relay test sends C(RSET), C(MAIL FROM) and C(RCPT TO) only; C(DATA) is never sent, so no mail is delivered.
  - Run it from outside the host's trusted networks, without SASL credentials; otherwise it says nothing about what
    strangers can do.
  - The module only reads; it never changes anything and always returns C(changed=false).
options:
  host:
    description:
      - Name or address of the mail host; it names the host in the results, and gives the addresses to probe when
        O(addresses) is not set (every address it resolves to, IPv4 and IPv6).
    type: str
    required: true
  addresses:
    description:
      - The addresses to probe, bare IPv4 or IPv6 addresses (no brackets).
    type: list
    elements: str
  ports:
    description: The ports to probe; 465 is spoken with implicit TLS, any other port with plain SMTP and C(STARTTLS).
    type: list
    elements: int
    default: [25, 465, 587]
  mode:
    description: The host's intended mode, which decides the controls that apply.
    type: str
    choices: [mx, relay_client, local_only]
    default: mx
  tls_versions:
    description:
      - The TLS versions to try one handshake each with. Versions below TLS 1.2 are offered at OpenSSL security level 0,
        so a server that still accepts them is found.
    type: list
    elements: str
    choices: [TLSv1, TLSv1.1, TLSv1.2, TLSv1.3]
    default: [TLSv1, TLSv1.1, TLSv1.2, TLSv1.3]
  timeout:
    description: Seconds allowed for each network step (connect, one reply, a TLS handshake); above 0 and at most 300.
    type: float
    default: 10
  probe_domain:
    description: External probe domain of the relay battery, which the host must neither accept nor relay mail for.
    type: str
    default: relay-probe.example.net
  local_domain:
    description: A domain the host accepts mail for; enables the battery's routing tricks through it.
    type: str
extends_documentation_fragment:
  - mailsec.hardening.read_only
seealso:
  - module: mailsec.hardening.relay_probe
  - module: mailsec.hardening.mailhost_info
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Probe the mail host from the control node
  mailsec.hardening.mailhost_network_info:
    host: mx.dept.example.org
    mode: mx
    local_domain: dept.example.org
  delegate_to: localhost
  register: __network_audit

- name: Show the failed network controls
  ansible.builtin.debug:
    msg: "{{ __network_audit.findings | selectattr('status', 'equalto', 'fail') | map(attribute='id') | list }}"
"""

RETURN = r"""
probed:
  description: Every address and port tried, whether it answered, and why not.
  returned: always
  type: list
  elements: dict
  sample: [{address: 192.0.2.25, port: 465, answered: false, error: "connection failed: Connection refused"}]
targets:
  description:
    - One entry per listener that answered, in the shape the network controls judge - C(address), C(port), C(banner),
      C(ehlo_extensions), C(starttls_offered), C(auth_offered), C(auth_offered_before_tls), C(vrfy), C(expn),
      C(proxy_extensions), C(relay) (C(verdict), C(accepted), C(summary), C(msg), C(tls); or C(error)), and
      C(tls_versions) (version to V(true), V(false), or V(null) when this vantage point could not tell; null for a
      listener without TLS) with C(tls_details).
  returned: always
  type: list
  elements: dict
findings:
  description: One finding per network control of the catalogue, in the shape of M(mailsec.hardening.mailhost_info)'s.
  returned: always
  type: list
  elements: dict
summary:
  description: How many findings have each status.
  returned: always
  type: dict
  sample: {pass: 7, fail: 0, waived: 0, not_applicable: 0, error: 0}
msg:
  description: A line naming the failed network controls, or saying none failed.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._probe import (
    TLS_VERSIONS,
    address_problem,
    option_problems,
    port_problem,
    probe_listener,
    resolve_all,
)


def problems(params):
    found = option_problems(dict((k, params[k]) for k in ("host", "timeout", "probe_domain", "local_domain")))
    for address in params["addresses"] or []:
        found.append(address_problem("addresses", address))
    if not params["ports"]:
        found.append("ports must list at least one port")
    for port in params["ports"]:
        found.append(port_problem(port, "ports"))
    return [p for p in found if p]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            host=dict(type="str", required=True),
            addresses=dict(type="list", elements="str"),
            ports=dict(type="list", elements="int", default=list(_controls.MAIL_PORTS)),
            mode=dict(type="str", choices=list(_controls.MODES), default="mx"),
            tls_versions=dict(type="list", elements="str", choices=list(TLS_VERSIONS), default=list(TLS_VERSIONS)),
            timeout=dict(type="float", default=10),
            probe_domain=dict(type="str", default="relay-probe.example.net"),
            local_domain=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    found = problems(p)
    if found:
        module.fail_json(msg="; ".join(found))
    addresses = p["addresses"]
    if not addresses:
        try:
            addresses = resolve_all(p["host"], p["ports"][0])
        except (OSError, UnicodeError) as exc:
            module.fail_json(msg="could not resolve host %s: %s; give its addresses in addresses" % (p["host"], exc))
    probed, targets = [], []
    for address in addresses:
        for port in p["ports"]:
            target, why = probe_listener(p, address, port)
            probed.append(dict(address=address, port=port, answered=target is not None, error=why))
            if target is not None:
                targets.append(target)
    findings = _controls.evaluate(dict(probed=probed, targets=targets), p["mode"], source=_controls.NETWORK)
    summary = _controls.summarize(findings)
    failed = [f["id"] for f in findings if f["status"] == "fail"]
    msg = "%s: %d of %d listeners answered; %s" % (
        p["host"], len(targets), len(probed),
        "failed network controls: %s" % ", ".join(failed) if failed else "no network control failed")
    module.exit_json(changed=False, probed=probed, targets=targets, findings=findings, summary=summary, msg=msg)


if __name__ == "__main__":
    main()
