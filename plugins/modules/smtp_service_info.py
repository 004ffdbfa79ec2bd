#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: smtp_service_info
short_description: Check that the SMTP services listening on a host greet and take a recipient
version_added: 1.0.0
description:
  - Finds the TCP sockets listening on O(ports) on the host the task runs on (from C(/proc/net/tcp) and
    C(/proc/net/tcp6)), connects to each (a wildcard socket over loopback of its address family) and holds a short
    dialogue - greeting, C(EHLO), and with O(recipient) also C(MAIL FROM:<>) and C(RCPT TO). C(DATA) is never sent,
    so nothing is delivered.
  - A service is healthy when every step is answered positively. A check that fails is repeated up to O(attempts)
    times, O(delay) seconds apart, so a service that is still starting after a reload is not judged too early.
  - The postfix role runs it after every change of the configuration and puts the previous configuration back when a
    service is not healthy.
  - The module only reads; it never changes anything and always returns C(changed=false).
options:
  ports:
    description: TCP ports whose listening sockets are checked.
    type: list
    elements: int
    default: [25]
  recipient:
    description:
      - Address sent with C(RCPT TO) after C(MAIL FROM:<>); the service must accept it with a 2xx reply.
      - Without it, the dialogue ends after C(EHLO).
    type: str
  helo:
    description: Name sent with C(EHLO).
    type: str
    default: localhost.localdomain
  timeout:
    description: Seconds allowed for each network step; from 0.1 to 300.
    type: float
    default: 10
  attempts:
    description: How often a failing service is tried before it is reported unhealthy; from 1 to 30.
    type: int
    default: 3
  delay:
    description: Seconds between two attempts; from 0 to 60.
    type: float
    default: 2
  require_listener:
    description: Report the check unhealthy when nothing listens on one of O(ports).
    type: bool
    default: true
  probe:
    description: Connect to the services. V(false) only lists the listening sockets (RV(services) is empty).
    type: bool
    default: true
extends_documentation_fragment:
  - mailsec.hardening.read_only
notes:
  - Runs on Linux hosts (it reads C(/proc/net)).
seealso:
  - module: mailsec.hardening.relay_probe
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Check that Postfix takes mail for the postmaster
  mailsec.hardening.smtp_service_info:
    ports: [25]
    recipient: postmaster@dept.example.org
  register: __smtp_health

- name: Show what failed
  ansible.builtin.debug:
    msg: "{{ __smtp_health.services | rejectattr('healthy') | map(attribute='error') | list }}"
"""

RETURN = r"""
healthy:
  description: Whether every listening service passed (and, with O(require_listener), every port had one).
  returned: always
  type: bool
  sample: true
msg:
  description: One-line summary.
  returned: always
  type: str
  sample: "1 SMTP service checked on port 25: all healthy"
listening:
  description: The listening sockets found on O(ports).
  returned: always
  type: list
  elements: dict
  sample: [{address: 0.0.0.0, port: 25}, {address: "::", port: 25}]
services:
  description: One entry per address connected to.
  returned: always
  type: list
  elements: dict
  contains:
    target:
      description: Address and port connected to, IPv6 in brackets.
      type: str
      sample: "[::1]:25"
    healthy:
      description: Whether every step was answered positively.
      type: bool
    stage:
      description: The step that failed (V(connect), V(greeting), V(ehlo), V(mail), V(rcpt)), or V(done).
      type: str
      sample: done
    banner:
      description: The greeting, control characters escaped.
      type: str
      sample: 220 mx.dept.example.org ESMTP
    rcpt:
      description: The reply to C(RCPT TO), when O(recipient) was given.
      type: str
      sample: 250 2.1.5 Ok
    error:
      description: What went wrong, or null.
      type: str
      sample: "connection closed by the server"
    attempts:
      description: How many attempts were made.
      type: int
      sample: 1
"""

import math
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._service_check import (
    check_service,
    listening,
    read_proc,
    targets_for,
)
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._smtp import SMTPClient


def _problem(params):
    if not all(1 <= port <= 65535 for port in params["ports"]) or not params["ports"]:
        return "ports must list numbers from 1 to 65535"
    if not (math.isfinite(params["timeout"]) and 0.1 <= params["timeout"] <= 300):
        return "timeout must be a number of seconds from 0.1 to 300, got %s" % params["timeout"]
    if not 1 <= params["attempts"] <= 30:
        return "attempts must be from 1 to 30, got %d" % params["attempts"]
    if not (math.isfinite(params["delay"]) and 0 <= params["delay"] <= 60):
        return "delay must be a number of seconds from 0 to 60, got %s" % params["delay"]
    for name in ("recipient", "helo"):
        value = params[name]
        if value is not None and (not value or any(c in value for c in " <>\r\n\t\x00")):
            return "%s must be a plain value without spaces, control characters, '<' or '>'" % name
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ports=dict(type="list", elements="int", default=[25]),
            recipient=dict(type="str"),
            helo=dict(type="str", default="localhost.localdomain"),
            timeout=dict(type="float", default=10),
            attempts=dict(type="int", default=3),
            delay=dict(type="float", default=2),
            require_listener=dict(type="bool", default=True),
            probe=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    problem = _problem(p)
    if problem:
        module.fail_json(msg=problem)

    def find_sockets():
        return listening(read_proc("/proc/net/tcp"), read_proc("/proc/net/tcp6"), p["ports"])

    def client_factory(host, port):
        return SMTPClient(host, port, timeout=p["timeout"])

    sockets = find_sockets()
    services = []
    for target in targets_for(sockets) if p["probe"] else []:
        for attempt in range(1, p["attempts"] + 1):
            result = check_service(client_factory, target["host"], target["port"], p["helo"], p["recipient"])
            result["attempts"] = attempt
            if result["healthy"]:
                break
            if attempt < p["attempts"]:
                time.sleep(p["delay"])
        services.append(result)

    silent = sorted(set(p["ports"]) - set(s["port"] for s in sockets)) if p["require_listener"] else []
    failed = [s for s in services if not s["healthy"]]
    healthy = not failed and not silent
    ports = ", ".join(str(port) for port in p["ports"])
    if healthy:
        msg = "%d SMTP service%s checked on port %s: all healthy" % (len(services), "" if len(services) == 1 else "s", ports)
    else:
        parts = ["nothing listens on port %d" % port for port in silent]
        parts += ["%s failed at %s: %s" % (s["target"], s["stage"], s["error"]) for s in failed]
        msg = "; ".join(parts)
    module.exit_json(changed=False, healthy=healthy, msg=msg, listening=sockets, services=services)


if __name__ == "__main__":
    main()
