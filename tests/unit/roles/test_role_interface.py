# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each role's interface is written once, in meta/argument_specs.yml: its defaults name exactly the
spec's options with the spec's defaults, its checks judge the inputs read from the spec
(role_options), its README.md is generated from it, and the types it declares accept its defaults."""
from __future__ import annotations

import pathlib

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.mailsec.hardening.plugins.filter.roles import role_options
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _identity_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _submission
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue._role_docs import markdown

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())


def _spec(role):
    return yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())


def _options(role):
    return _spec(role)["argument_specs"]["main"]["options"]


def _defaults(role):
    return yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())


def _templated(value):
    return isinstance(value, str) and "{{" in value


def test_every_role_has_a_spec():
    assert ROLES == sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())


@pytest.mark.parametrize("role", ROLES)
def test_the_defaults_are_exactly_the_spec_options_in_order(role):
    assert list(_defaults(role)) == list(_options(role)) == role_options(role)


@pytest.mark.parametrize("role", ROLES)
def test_a_literal_default_is_the_spec_default(role):
    options = _options(role)
    differ = dict((name, (value, options[name].get("default"))) for name, value in _defaults(role).items()
                  if not _templated(value) and options[name].get("default") != value)
    assert differ == {}


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_typed_and_its_documented_default_passes_the_type(role):
    options = _options(role)
    untyped = [name for name, option in options.items() if option.get("type", "raw") == "raw"
               and "memory" not in name]
    assert untyped == []
    spec = dict((name, dict((k, v) for k, v in option.items() if k in ("type", "elements", "choices")))
                for name, option in options.items())
    values = dict((name, option["default"]) for name, option in options.items() if "default" in option)
    result = ArgumentSpecValidator(spec).validate(values)
    assert result.error_messages == []


@pytest.mark.parametrize("role", ROLES)
def test_the_readme_is_generated_from_the_spec(role):
    readme = ROOT / "roles" / role / "README.md"
    assert readme.read_text() == markdown(role, _spec(role)), "roles/%s/README.md is stale: run make role-readmes" % role


def test_the_types_refuse_a_wrong_type():
    # positive control: the validator the spec is read with does refuse
    result = ArgumentSpecValidator(dict(x=dict(type="int"))).validate(dict(x="many"))
    assert result.error_messages


def _owners():
    typed = dict((name, options["choices"]) for name, (dummy, options) in _input_types.TYPES.items() if "choices" in options)
    return dict(typed, postfix_submission_auth_backend=_submission.BACKENDS,
                mail_identity_fcrdns_policy=_identity_inputs.POLICIES,
                mail_identity_tsig_key_algorithm=_identity_inputs.TSIG_ALGORITHMS,
                firewall_mode=_controls.MODES)


@pytest.mark.parametrize("role", ROLES)
def test_the_choices_a_spec_declares_are_those_its_checks_accept(role):
    owners = _owners()
    for name, option in _options(role).items():
        if "choices" in option:
            assert tuple(option["choices"]) == tuple(owners[name]), name
        elif name in owners:
            pytest.fail("%s accepts only %s; declare them as choices" % (name, ", ".join(owners[name])))
