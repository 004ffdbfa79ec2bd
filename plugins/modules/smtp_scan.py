#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: smtp_scan
short_description: Sweep address ranges for mail servers, test each for open relaying, compare them with the registry
version_added: 1.0.0
description:
  - From the host the task runs on (normally the control node or a scanner host), connects to every address of
    O(ranges) (minus O(exclude)) on every port of O(ports), at most O(concurrency) connection attempts at a time,
    each given O(connect_timeout) seconds. Nothing is sent on these connections.
  - On every listener that answered, runs the relay battery of M(mailsec.hardening.relay_probe) with the same code as
    the audit's M(mailsec.hardening.mailhost_network_info) - greeting, EHLO, C(STARTTLS) (implicit TLS on
    O(implicit_tls_ports)), C(VRFY)/C(EXPN), every relay test, and one handshake per version of O(tls_versions) - at
    most O(probe_concurrency) listeners at a time, each network step bounded by O(timeout).
  - Classifies each listener as V(open_relay), V(closed), V(auth_required), V(inconclusive), V(tarpit) (accepts the
    connection but never completes a greeting), V(not_smtp) (answers with something that is not SMTP) or V(error)
    (speaks SMTP, then breaks off, for example a 421 rate limit).
  - Compares every address with O(registry) and judges it with the catalogue (C(docs/controls.md)) - MAIL-REG-001
    (registered), MAIL-REG-002 (only approved ports), MAIL-REG-003 (a registered server takes mail on its approved
    ports, so a server that is down fails), and on the listeners that speak SMTP the network controls MAIL-RELAY-011
    (open relay), MAIL-TLS-009 (STARTTLS), MAIL-SMTPD-011 (banner names software), MAIL-SMTPD-012, MAIL-SMTPD-013,
    MAIL-TLS-008 and MAIL-TLS-010. RV(by_address) feeds M(mailsec.hardening.audit_report), which writes the same JSON,
    JUnit, HTML and terminal reports as the audit.
  - The same discovery covers O(proxy_ports). Every listener there is asked for a tunnel to port 25 of O(proxy_target)
    (C(CONNECT TARGET:25 HTTP/1.1) with a C(Host) header), at most O(probe_concurrency) at a time, the proxy's answer and
    the greeting through the tunnel each bounded by O(timeout); through a tunnel only C(QUIT) is sent. A proxy that
    tunnels to an SMTP greeting is an V(open_proxy) and fails MAIL-NET-010 (no open HTTP proxy reaches port 25), one
    that answers 403 or 407 V(refused), one that answers 2xx without a greeting, 500, 502, 503 or 504, or nothing at all
    V(inconclusive) (MAIL-NET-010 is then V(error)), and anything else V(not_proxy). MAIL-NET-010 is judged on every
    address the sweep reports, and alone on an address where only something that is or may be a proxy answered.
  - It never connects to an address outside O(ranges) (a proxy is asked for a tunnel only to port 25 of O(proxy_target),
    a registered server or the proxy itself by default), refuses ranges holding more than O(max_addresses) addresses
    unless O(allow_large_ranges) is set, and never sends C(DATA), so no mail is delivered.
  - The module only reads; it always returns C(changed=false). Sweep only networks you are responsible for.
options:
  ranges:
    description:
      - The networks to sweep, in CIDR notation (V(192.0.2.0/24), V(2001:db8:5::/120)) or bare addresses. Host bits
        are refused (V(192.0.2.1/24) is a mistake for V(192.0.2.0/24)). IPv4 networks larger than /31 are swept
        without their network and broadcast addresses.
    type: list
    elements: str
    required: true
  exclude:
    description:
      - Networks or addresses inside O(ranges) never to connect to.
      - An O(exclude) that leaves nothing of O(ranges) is refused, since a sweep of nothing would pass the gate.
    type: list
    elements: str
    default: []
  ports:
    description: The ports to sweep on every address.
    type: list
    elements: int
    default: [25, 465, 587]
  implicit_tls_ports:
    description:
      - Ports spoken with implicit TLS (SMTPS). A listener there that does not complete a TLS handshake is tried with
        plain SMTP.
    type: list
    elements: int
    default: [465]
  registry:
    description:
      - The approved mail servers, each C({name, addresses, ports, owner, contact, mode}) - C(name) and C(addresses)
        (bare IPv4 or IPv6) are required, C(ports) default to V([25]), C(mode) to V(mx). The playbook
        C(mailsec.hardening.scan) builds it from the inventory group and the registry file (C(docs/scanning.md)).
        An invalid registry fails the task before any connection is made.
    type: list
    elements: dict
    default: []
  max_addresses:
    description: The most addresses O(ranges) may hold together.
    type: int
    default: 1024
  allow_large_ranges:
    description: Sweep ranges larger than O(max_addresses) (never more than 1048576 addresses).
    type: bool
    default: false
  concurrency:
    description: How many connection attempts run at once during discovery (1 to 512).
    type: int
    default: 64
  probe_concurrency:
    description: How many listeners are probed with the relay battery at once (1 to 64).
    type: int
    default: 8
  connect_timeout:
    description: Seconds a discovery connection may take; above 0 and at most 300.
    type: float
    default: 3
  timeout:
    description:
      - Seconds allowed for each network step of a probe (connect, one reply, a TLS handshake); at least 8 and at most
        300. A listener that sends no complete greeting within it is a V(tarpit); Postfix behind postscreen completes
        its greeting only after 6 s, so a shorter step would class an open relay as a tarpit and is refused.
    type: float
    default: 10
  tls_versions:
    description:
      - The TLS versions to try one handshake each with on every TLS listener, for MAIL-TLS-008. An empty list skips
        them (a faster sweep).
    type: list
    elements: str
    choices: [TLSv1, TLSv1.1, TLSv1.2, TLSv1.3]
    default: [TLSv1, TLSv1.1, TLSv1.2, TLSv1.3]
  probe_domain:
    description: External probe domain of the relay battery, which no swept server may accept or relay mail for.
    type: str
    default: relay-probe.example.net
  proxy_ports:
    description:
      - The ports swept for HTTP proxies on every address (squid's 3128, 8080, tinyproxy's 8888), in the same discovery
        as O(ports); a port cannot be in both. An empty list sweeps for no proxies, and MAIL-NET-010 is not judged.
    type: list
    elements: int
    default: [3128, 8080, 8888]
    version_added: 1.1.0
  proxy_target:
    description:
      - The address (bare IPv4 or IPv6) whose port 25 every proxy is asked to tunnel to. Choose a mail server you answer
        for; an address in O(exclude) is refused.
      - Default the first address of the first O(registry) entry approved for port 25 (outside O(exclude)), else each
        proxy's own address.
    type: str
    version_added: 1.1.0
extends_documentation_fragment:
  - mailsec.hardening.read_only
seealso:
  - module: mailsec.hardening.relay_probe
  - module: mailsec.hardening.mailhost_network_info
  - module: mailsec.hardening.audit_report
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Sweep the department's networks and compare with the registry
  mailsec.hardening.smtp_scan:
    ranges: [192.0.2.0/24, 2001:db8:5::/120]
    exclude: [192.0.2.1]
    registry:
      - name: mx.dept.example.org
        addresses: [192.0.2.25, "2001:db8:5::25"]
        ports: [25, 587]
        owner: Physics
        contact: postmaster@dept.example.org
  delegate_to: localhost
  register: __scan

- name: Name the unregistered servers and the open relays
  ansible.builtin.debug:
    msg: "unregistered: {{ __scan.unregistered }}; open relays: {{ __scan.open_relays }}"

- name: Sweep a lab network on more proxy ports, asking each proxy for a tunnel to the hub's port 25
  mailsec.hardening.smtp_scan:
    ranges: [192.0.2.128/26]
    ports: [25]
    proxy_ports: [3128, 8080, 8118, 8888]
    proxy_target: 192.0.2.10
  delegate_to: localhost
  register: __lab

- name: Name the proxies that reach port 25
  ansible.builtin.debug:
    msg: "open proxies: {{ __lab.open_proxies }}"
"""

RETURN = r"""
listeners:
  description:
    - Every listener that answered - C(address), C(port), C(class), C(registered) (the registry name or null),
      C(banner), C(starttls_offered), C(tls) (the version the battery's sessions used), C(auth_offered),
      C(relay_verdict), C(accepted) (the relay tests that were accepted) and C(detail).
  returned: always
  type: list
  elements: dict
  sample: [{address: 192.0.2.40, port: 25, class: open_relay, registered: null, banner: "220 lab ESMTP",
            starttls_offered: false, tls: null, auth_offered: false, relay_verdict: open, accepted: [N2, N3]}]
by_address:
  description:
    - "The findings per address, C({ADDRESS: {mode, registered, findings}}), C(mode) being the registered mode or
      V(unregistered); the input of M(mailsec.hardening.audit_report)."
  returned: always
  type: dict
summary:
  description:
    - Counts - C(addresses) swept, C(connections) tried (mail and proxy ports), C(listeners) per class, C(proxies) per
      class (since 1.1.0), C(findings) per status.
  returned: always
  type: dict
  sample: {addresses: 254, connections: 1524, listeners: {open_relay: 1, closed: 3}, proxies: {open_proxy: 1, refused: 2},
           findings: {pass: 20, fail: 4}}
unregistered:
  description: The addresses with a mail listener that are not in the registry.
  returned: always
  type: list
  elements: str
open_relays:
  description: The listeners (C(ADDRESS:PORT)) that relayed at least one test.
  returned: always
  type: list
  elements: str
proxies:
  description:
    - Every listener on O(proxy_ports) that answered - C(address), C(port), C(class) (V(open_proxy), V(refused),
      V(inconclusive) or V(not_proxy)), C(target) (the C(ADDRESS:25) the tunnel was asked for), C(status) (the proxy's
      status line), C(greeting) (the first line that came through the tunnel) and C(detail).
  returned: always
  type: list
  elements: dict
  version_added: 1.1.0
  sample: [{address: 192.0.2.41, port: 8080, class: open_proxy, target: "192.0.2.25:25",
            status: "HTTP/1.1 200 Connection established", greeting: "220 mx.dept.example.org ESMTP",
            detail: "tunnels to 192.0.2.25:25 (HTTP/1.1 200 Connection established): 220 mx.dept.example.org ESMTP"}]
open_proxies:
  description: The proxies (C(ADDRESS:PORT)) that tunnelled to an SMTP greeting on port 25.
  returned: always
  type: list
  elements: str
  version_added: 1.1.0
no_starttls:
  description: The port 25 listeners that speak SMTP but do not offer STARTTLS.
  returned: always
  type: list
  elements: str
banner_leaks:
  description: The listeners whose greeting names software or a version.
  returned: always
  type: list
  elements: str
down:
  description: Registered servers in the swept ranges that do not take mail on an approved port, with the reason.
  returned: always
  type: list
  elements: str
not_swept:
  description: Registered addresses outside O(ranges) or inside O(exclude), which this sweep did not judge.
  returned: always
  type: list
  elements: str
timings:
  description: Seconds spent on discovery and on probing (the relay batteries and the proxies' tunnels).
  returned: always
  type: dict
  sample: {discovery: 0.41, probing: 3.2}
msg:
  description: One line with the counts that matter.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _proxy
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _sweep
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._probe import (
    TLS_VERSIONS,
    option_problems,
    port_problem,
    probe_listener,
)
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._smtp import format_target


def problems(params):
    """Every problem with the options, each naming the option."""
    found = _sweep.range_problems(params["ranges"], params["exclude"], params["max_addresses"],
                                  params["allow_large_ranges"])
    found += option_problems(dict(timeout=params["timeout"], probe_domain=params["probe_domain"]))
    found.append(_sweep.timeout_problem(params["timeout"]))
    if not 0 < params["connect_timeout"] <= 300:
        found.append("connect_timeout must be a number of seconds above 0 and at most 300, got %s"
                     % params["connect_timeout"])
    if not params["ports"]:
        found.append("ports must list at least one port")
    for name in ("ports", "implicit_tls_ports"):
        found += [port_problem(port, name) for port in params[name]]
    if not 1 <= params["concurrency"] <= _sweep.MAX_CONCURRENCY:
        found.append("concurrency must be from 1 to %d, got %d" % (_sweep.MAX_CONCURRENCY, params["concurrency"]))
    if not 1 <= params["probe_concurrency"] <= 64:
        found.append("probe_concurrency must be from 1 to 64, got %d" % params["probe_concurrency"])
    found += _registry.registry_problems(params["registry"], "registry")
    excluded, _problems = _sweep.parse_networks(params["exclude"] or [], "exclude")
    found += _proxy.read_options(params["proxy_ports"], params["proxy_target"], params["ports"], excluded)[0]
    return [p for p in found if p]


def report_lists(listeners, results, proxies=()):
    """The lists a security team reads first."""
    def where(item):
        return format_target(item["address"], item["port"])

    leaks = []
    for address, result in results.items():
        for finding in result["findings"]:
            if finding["id"] == "MAIL-SMTPD-011" and finding["status"] == "fail":
                leaks.append(finding["actual"])
    listening = set(item["address"] for item in listeners)
    return dict(
        unregistered=[a for a, r in results.items() if r["registered"] is None and a in listening],
        open_relays=[where(item) for item in listeners if item["class"] == "open_relay"],
        open_proxies=[where(item) for item in proxies if item["class"] == _proxy.OPEN],
        no_starttls=[where(item) for item in listeners
                     if item["port"] == 25 and item["class"] in _sweep.SPEAKS_SMTP and not item["starttls_offered"]],
        banner_leaks=leaks,
        down=["%s (%s): %s" % (a, r["registered"], f["actual"]) for a, r in results.items() for f in r["findings"]
              if f["id"] == "MAIL-REG-003" and f["status"] == "fail"],
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ranges=dict(type="list", elements="str", required=True),
            exclude=dict(type="list", elements="str", default=[]),
            ports=dict(type="list", elements="int", default=list(_controls.MAIL_PORTS)),
            implicit_tls_ports=dict(type="list", elements="int", default=[465]),
            registry=dict(type="list", elements="dict", default=[]),
            max_addresses=dict(type="int", default=_sweep.DEFAULT_MAX_ADDRESSES),
            allow_large_ranges=dict(type="bool", default=False),
            concurrency=dict(type="int", default=64),
            probe_concurrency=dict(type="int", default=8),
            connect_timeout=dict(type="float", default=3),
            timeout=dict(type="float", default=10),
            tls_versions=dict(type="list", elements="str", choices=list(TLS_VERSIONS), default=list(TLS_VERSIONS)),
            probe_domain=dict(type="str", default="relay-probe.example.net"),
            proxy_ports=dict(type="list", elements="int", default=list(_proxy.DEFAULT_PORTS)),
            proxy_target=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    found = problems(p)
    if found:
        module.fail_json(msg="; ".join(found))
    entries = _registry.normalize(p["registry"])
    ports = sorted(set(p["ports"]))
    addresses = _sweep.addresses(p["ranges"], p["exclude"])
    options = dict(timeout=p["timeout"], probe_domain=p["probe_domain"], tls_versions=p["tls_versions"])
    implicit = tuple(p["implicit_tls_ports"])
    excluded, _problems = _sweep.parse_networks(p["exclude"], "exclude")
    _problems, proxy_ports, proxy_target = _proxy.read_options(p["proxy_ports"], p["proxy_target"], ports, excluded)
    proxy_target = proxy_target or _proxy.default_target(entries, excluded)
    probed, targets, timings, proxy_rows = _sweep.sweep(
        addresses, ports,
        connect=lambda address, port: _sweep.tcp_connect(address, port, p["connect_timeout"]),
        probe=lambda address, port: probe_listener(options, address, port, implicit),
        concurrency=p["concurrency"], probe_concurrency=p["probe_concurrency"], proxy_ports=proxy_ports,
        check_proxy=lambda address, port: _proxy.check_proxy(address, port, proxy_target, p["timeout"]))
    results = _sweep.compare(probed, targets, entries, ports, proxy_rows, proxy_ports)
    registry = _registry.by_address(entries)
    listeners = [_sweep.listener_summary(t, (registry.get(t["address"]) or {}).get("name")) for t in targets]
    proxies = [dict((k, row.get(k)) for k in ("address", "port", "class", "target", "status", "greeting", "detail"))
               for row in proxy_rows if row.get("class")]
    swept = set(addresses)
    lists = report_lists(listeners, results, proxies)
    findings = [f for r in results.values() for f in r["findings"]]
    summary = dict(addresses=len(addresses), connections=len(probed) + len(proxy_rows),
                   listeners=dict((c, len([x for x in listeners if x["class"] == c])) for c in _sweep.CLASSES),
                   proxies=dict((c, len([x for x in proxies if x["class"] == c])) for c in _proxy.CLASSES),
                   findings=_controls.summarize(findings))
    msg = "%d addresses, %d listeners: %d unregistered server(s), %d open relay(s), %d open proxy(ies) to port 25, " \
          "%d without STARTTLS, %d banner leak(s), %d registered server(s) down" % (
              len(addresses), len(listeners), len(lists["unregistered"]), len(lists["open_relays"]),
              len(lists["open_proxies"]), len(lists["no_starttls"]), len(lists["banner_leaks"]), len(lists["down"]))
    module.exit_json(changed=False, listeners=listeners, proxies=proxies, by_address=results, summary=summary,
                     timings=timings, not_swept=sorted(a for a in registry if a not in swept), msg=msg, **lists)


if __name__ == "__main__":
    main()
