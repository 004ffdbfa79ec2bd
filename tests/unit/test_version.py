# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One version number: galaxy.yml's. Every version_added names it or a released version, the
changelog releases nothing beyond it, and the README installs the tarball it builds."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERSION = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
RELEASED = sorted((yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text()).get("releases") or {}).keys())


def semver(text):
    return tuple(int(part) for part in str(text).split("."))


def version_added():
    """(file, version) for every version_added in the plugins' documentation and the role specs."""
    found = []
    for path in sorted(ROOT.glob("plugins/**/*.py")) + sorted(ROOT.glob("plugins/**/*.yml")) + sorted(
            ROOT.glob("roles/*/meta/argument_specs.yml")):
        for value in re.findall(r"^\s*version_added:\s*['\"]?([^'\"\s]+)", path.read_text(), re.M):
            found.append((str(path.relative_to(ROOT)), value))
    return found


def test_galaxy_yml_holds_a_plain_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(VERSION))


@pytest.mark.parametrize("path, value", version_added())
def test_every_version_added_is_this_version_or_a_released_one(path, value):
    assert value == VERSION or value in RELEASED, "%s: version_added %s is neither %s nor released (%s)" % (
        path, value, VERSION, ", ".join(RELEASED) or "no release yet")


def test_nothing_is_released_beyond_this_version():
    assert all(semver(release) <= semver(VERSION) for release in RELEASED), RELEASED


def test_the_readme_installs_the_tarball_the_build_makes():
    readme = (ROOT / "README.md").read_text()
    named = re.findall(r"mailsec-hardening-([0-9][0-9.]*[0-9])\.tar\.gz", readme)
    assert named and set(named) == {str(VERSION)}, named


def test_the_docs_name_no_other_version_of_the_collection():
    for path in [ROOT / "README.md"] + sorted(ROOT.glob("docs/**/*.md")):
        for value in re.findall(r"(?:mailsec[.-]hardening[ -]|version_added:? )v?(\d+\.\d+\.\d+)", path.read_text()):
            assert value == str(VERSION) or value in RELEASED, "%s names version %s" % (path.relative_to(ROOT), value)


def test_the_ansible_core_range_is_the_one_tested():
    """meta/runtime.yml claims only the ansible-core line the tests run on (requirements-dev.txt)."""
    from packaging.specifiers import SpecifierSet

    claimed = SpecifierSet(yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["requires_ansible"])
    tested = re.search(r"^ansible-core==(\S+)", (ROOT / "requirements-dev.txt").read_text(), re.M).group(1)
    line = tested.rsplit(".", 1)[0]
    assert tested in claimed
    assert "%s.0" % line in claimed and "%s.%d.0" % (line.split(".")[0], int(line.split(".")[1]) + 1) not in claimed


def test_the_execution_environment_installs_the_tarball_the_build_makes():
    ee = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    wanted = "mailsec-hardening-%s.tar.gz" % VERSION
    assert [c["name"] for c in ee["dependencies"]["galaxy"]["collections"]] == ["collection/" + wanted]
    assert [f["src"] for f in ee["additional_build_files"]] == ["build/" + wanted]


def test_the_execution_environment_and_the_docs_pin_what_the_tests_run():
    """The ansible package (community.general without Galaxy), ansible-core's line and the image tag
    agree across the EE file, requirements-dev.txt, the README and the EE page."""
    dev = (ROOT / "requirements-dev.txt").read_text()
    pins = dict(re.findall(r"^([a-z-]+)==(\S+)", dev, re.M))
    ee = yaml.safe_load((ROOT / "execution-environment.yml").read_text())["dependencies"]
    assert "ansible==%s" % pins["ansible"] in ee["python"]
    assert ee["ansible_core"]["package_pip"] == "ansible-core>=%s,<2.%d" % (
        pins["ansible-core"].rsplit(".", 1)[0], int(pins["ansible-core"].split(".")[1]) + 1)
    page = (ROOT / "docs" / "execution-environment.md").read_text()
    assert set(re.findall(r"mailsec-hardening-ee:(\S+?)\b(?![.\d])", page)) == {str(VERSION)}
    for tool in ("ansible-builder", "ansible-core"):
        assert set(re.findall(r"\b%s==(\S+)" % tool, page)) <= {pins[tool]}, tool
    assert "ansible==%s" % pins["ansible"] in (ROOT / "README.md").read_text()
