# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write each role's README.md from its meta/argument_specs.yml (run after changing a role's
interface: `make role-readmes`); the unit tests fail while a README and its spec differ."""

from __future__ import annotations

import pathlib

import yaml

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue._role_docs import markdown

ROLES = pathlib.Path(__file__).resolve().parent.parent / "roles"

if __name__ == "__main__":
    for spec in sorted(ROLES.glob("*/meta/argument_specs.yml")):
        role = spec.parent.parent
        (role / "README.md").write_text(markdown(role.name, yaml.safe_load(spec.read_text())))
        print("wrote %s" % (role / "README.md"))
