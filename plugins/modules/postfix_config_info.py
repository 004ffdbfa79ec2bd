#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: postfix_config_info
short_description: Read a host's Postfix configuration and check a candidate main.cf against it
version_added: 1.0.0
description:
  - Reads the live configuration with C(postconf) - the explicit C(main.cf) settings, the C(master.cf) services and
    their C(-o) overrides - and reports every service override that weakens relay control or makes Postfix believe
    a client address it cannot verify (the same rules the postfix role applies to its own inputs).
  - With O(candidate), checks a new C(main.cf) before it goes live, in a temporary copy of the configuration
    directory; C(postconf) warnings, certificate or key files that cannot be read, lookup tables whose files are
    missing (except alias databases, which C(newaliases) builds) and table types Postfix does not have are problems.
    It also lists the live settings the candidate would drop and so change, except those the postfix role wrote
    itself on an earlier run.
  - The module only reads; it never changes anything and always returns C(changed=false). The temporary directory
    is removed before it returns.
options:
  candidate:
    description: Text of the C(main.cf) to check. Without it only the live configuration is read.
    type: str
  candidate_master_cf:
    description:
      - Text of the C(master.cf) to check together with O(candidate) (which is then required). Without it the
        candidate is checked with the live C(master.cf).
      - The services of this C(master.cf) are judged and returned in RV(candidate.services).
    type: str
    version_added: 1.0.0
  config_dir:
    description: Postfix configuration directory.
    type: path
    default: /etc/postfix
  accept_wide_trust:
    description:
      - A reason for wider trust was given (the postfix role's C(postfix_wide_trust_reason)), so service overrides
        that only need a reason are listed under C(accepted) instead of C(problems).
    type: bool
    default: false
extends_documentation_fragment:
  - mailsec.hardening.read_only
notes:
  - Without Postfix on the host (no C(postconf)), RV(installed) is false and nothing else is reported.
seealso:
  - module: mailsec.hardening.smtp_service_info
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Check a rendered main.cf before writing it
  mailsec.hardening.postfix_config_info:
    candidate: "{{ lookup('ansible.builtin.template', 'main.cf.j2') }}"
  register: __postfix_config

- name: Refuse it when Postfix would not read it cleanly
  ansible.builtin.assert:
    that: __postfix_config.candidate.problems | length == 0
    fail_msg: "{{ __postfix_config.candidate.problems | join(' | ') }}"
"""

RETURN = r"""
installed:
  description: Whether C(postconf) was found.
  returned: always
  type: bool
version:
  description: Postfix version (C(mail_version)).
  returned: when installed
  type: str
  sample: 3.7.11
live:
  description: The live C(main.cf).
  returned: when installed
  type: dict
  contains:
    exists:
      description: Whether C(main.cf) exists.
      type: bool
    settings:
      description: Explicit settings (C(postconf -n)).
      type: dict
    written_by_role:
      description: Names the postfix role recorded as its own in C(main.cf).
      type: list
      elements: str
services:
  description: The C(master.cf) services with their overrides and the problems those cause.
  returned: when installed
  type: list
  elements: dict
  contains:
    service:
      description: Service name and type, for example V(smtp/inet) or V(2525/inet).
      type: str
    command:
      description: The program run, for example V(smtpd).
      type: str
    listen:
      description:
        - For C(inet) services, where they listen - C(address) (null for every address of C(inet_interfaces)) and
          C(port) (null when the name is not a known service); null for other service types.
      type: dict
      sample: {address: null, port: 25}
    overrides:
      description: C(-o) parameter overrides.
      type: dict
    problems:
      description:
        - Overrides that weaken relay control or switch a content control off, each with C(parameter), C(value),
          C(reason) and C(acknowledgeable).
        - C(receive_override_options) and C(smtpd_milter_maps) count only on an C(smtpd) that takes mail from other
          hosts; a loopback C(smtpd) that takes mail back from an after-queue filter may skip the filters.
      type: list
      elements: dict
    accepted:
      description: Overrides that need a reason for wider trust, when O(accept_wide_trust) is true.
      type: list
      elements: dict
candidate:
  description: Findings about O(candidate).
  returned: when installed and O(candidate) was given
  type: dict
  contains:
    problems:
      description: Reasons the candidate must not go live.
      type: list
      elements: str
      sample: ["candidate main.cf: unused parameter: smtpd_recipient_limt=50"]
    settings:
      description: Explicit settings of the candidate.
      type: dict
    dropped:
      description:
        - Live settings the candidate drops whose effective value would change, each with C(name), C(live), C(after)
          and C(weakens), the ways the live value weakens relay control (empty for an ordinary setting).
      type: list
      elements: dict
      sample: [{name: virtual_alias_maps, live: "hash:/etc/postfix/virtual", after: ""}]
    services:
      description: The services of O(candidate_master_cf), in the form of RV(services); absent without it.
      type: list
      elements: dict
      version_added: 1.0.0
"""

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._candidate import write_candidate
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence._postfix_settings import (
    dropped_settings,
    map_files,
    master_services,
    parse_main_cf,
    receives_from_network,
    service_problems,
    setting_risks,
    written_names,
)

FILE_PARAMETERS = ("smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_chain_files")
# Alias tables are built by newaliases from their source file, not by postmap.
ALIAS_PARAMETERS = ("alias_maps", "alias_database")
# main.cf values a service's overrides are judged together with: the relay lists and the milters.
SERVICE_CONTEXT = ("smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_milters")


class Postconf:
    """postconf run against one configuration directory."""

    def __init__(self, module, binary, directory):
        self.module = module
        self.binary = binary
        self.directory = directory

    def run(self, *args):
        return self.module.run_command([self.binary, "-c", self.directory] + list(args))

    def settings(self):
        _rc, out, _err = self.run("-n")
        return parse_main_cf(out)

    def effective(self, names):
        """Expanded effective values of NAMES ({name: value}; unknown names are left out)."""
        if not names:
            return {}
        _rc, out, _err = self.run("-x", *names)
        return parse_main_cf(out)

    def warnings(self, *args):
        rc, _out, err = self.run(*args)
        lines = [line.strip() for line in err.splitlines() if line.strip()]
        if rc != 0 and not lines:
            lines.append("postconf %s exited with status %d" % (" ".join(args), rc))
        return [line.replace(self.directory + "/", "candidate ") for line in lines]


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def services_with_problems(postconf, main_values, accept_wide_trust):
    _rc, services_out, _err = postconf.run("-M")
    _rc, overrides_out, _err = postconf.run("-P")
    services = []
    for item in master_services(services_out, overrides_out):
        own = item["overrides"]
        listen = dict(address=item["address"], port=item["port"]) if item["type"] == "inet" else None
        found = service_problems(own, main_values, item["port"], receives_from_network(item))
        accepted = [f for f in found if f["acknowledgeable"] and accept_wide_trust]
        services.append(dict(service="%s/%s" % (item["service"], item["type"]), command=item["command"],
                             overrides=own, accepted=accepted, listen=listen,
                             problems=[f for f in found if f not in accepted]))
    return services


def candidate_findings(module, binary, config_dir, text, live, master_text=None, accept_wide_trust=False):
    directory = tempfile.mkdtemp(prefix="postfix-candidate.")
    try:
        write_candidate(directory, config_dir, text, master_text)
        candidate = Postconf(module, binary, directory)
        problems = candidate.warnings() + candidate.warnings("-M")
        settings = candidate.settings()
        for name in FILE_PARAMETERS:
            for path in settings.get(name, "").replace(",", " ").split():
                if not os.access(path, os.R_OK):
                    problems.append("%s names %s, which does not exist or cannot be read" % (name, path))
        _rc, types_out, _err = candidate.run("-m")
        known_types = set(types_out.split())
        for need in map_files(settings):
            if need["parameter"] in ALIAS_PARAMETERS and need["type"] in known_types:
                continue  # newaliases builds the alias database from its source (written by the postfix role)
            if need["type"] not in known_types:
                problems.append("%s uses %s, but this Postfix has no %s tables (install the postfix-%s package)"
                                % (need["parameter"], need["table"], need["type"], need["type"]))
            elif not os.path.exists(need["file"]):
                problems.append("%s uses %s, but %s does not exist (build it with postmap)"
                                % (need["parameter"], need["table"], need["file"]))
        live_postconf = Postconf(module, binary, config_dir)
        names = sorted(set(live["settings"]) - set(settings))
        dropped = dropped_settings(live["settings"], settings, live_postconf.effective(names),
                                   candidate.effective(names), live["written_by_role"])
        for item in dropped:
            item["weakens"] = [found["reason"] for found in setting_risks(item["name"], item["live"])]
        findings = dict(problems=problems, settings=settings, dropped=dropped)
        main_values = candidate.effective(SERVICE_CONTEXT)
        if master_text is not None:
            findings["services"] = services_with_problems(candidate, main_values, accept_wide_trust)
        return findings, main_values
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            candidate=dict(type="str"),
            candidate_master_cf=dict(type="str"),
            config_dir=dict(type="path", default="/etc/postfix"),
            accept_wide_trust=dict(type="bool", default=False),
        ),
        required_by=dict(candidate_master_cf="candidate"),
        supports_check_mode=True,
    )
    binary = module.get_bin_path("postconf")
    if binary is None:
        module.exit_json(changed=False, installed=False)
    config_dir = module.params["config_dir"]
    live_postconf = Postconf(module, binary, config_dir)
    main_text = read_text(os.path.join(config_dir, "main.cf"))
    live = dict(exists=main_text is not None,
                settings=live_postconf.settings() if main_text is not None else {},
                written_by_role=written_names(main_text or ""))
    _rc, version, _err = live_postconf.run("-h", "mail_version")
    result = dict(changed=False, installed=True, version=version.strip(), live=live)
    main_values = live_postconf.effective(SERVICE_CONTEXT)
    if module.params["candidate"] is not None:
        result["candidate"], main_values = candidate_findings(
            module, binary, config_dir, module.params["candidate"], live,
            module.params["candidate_master_cf"], module.params["accept_wide_trust"])
    result["services"] = services_with_problems(live_postconf, main_values, module.params["accept_wide_trust"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
