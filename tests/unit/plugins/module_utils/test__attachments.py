# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The attachment-name rules, matched the way Postfix's PCRE tables match them."""

from __future__ import annotations

import base64
import random
import re
import urllib.parse

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments

RULES = _attachments.rules(_attachments.DEFAULT_EXTENSIONS)


def _compile(pattern):
    match = re.match(r"^/(.*)/([a-z]*)$", pattern)
    assert match, pattern
    return re.compile(match.group(1), re.I if "i" in match.group(2) else 0)


COMPILED = [(_compile(rule["pattern"]), rule) for rule in RULES]


def verdict(header):
    """The first rule matching HEADER, with $1 expanded, as Postfix would apply it; None if none."""
    for pattern, rule in COMPILED:
        found = pattern.search(header)
        if found:
            return re.sub(r"\$(\d)", lambda m: found.group(int(m.group(1))) or "", rule["action"])
    return None


def b_word(name, charset="UTF-8"):
    return "=?%s?B?%s?=" % (charset, base64.b64encode(name.encode("utf-8")).decode())


@pytest.mark.parametrize("header", [
    'Content-Disposition: attachment; filename="setup.exe"',
    "Content-Disposition: attachment; filename=setup.EXE",
    'Content-Type: application/octet-stream; name="x.js"',
    'Content-Type: application/octet-stream; name="x.js."',
    'Content-Disposition: attachment; filename="trailing.exe. "',
    'Content-Disposition: attachment; filename="=?utf-8?Q?invoice=2Eexe?="',
    "Content-Disposition: attachment; filename*=utf-8''invoice%2Eexe",
    "Content-Disposition: attachment; filename*0*=utf-8''a-very-long-name; filename*1*=-part.scr",
    'Content-Disposition: attachment; filename="photo.{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}"',
    'Content-Type: application/pdf; name="invoice.pdf.exe"',
    'Content-Type: application/pdf; name="invoice.pdf .exe"',
    'Content-Disposition: attachment; filename="%s"' % b_word("Rechnung.exe"),
    'Content-Disposition: attachment; filename="%s"' % b_word("Überweisung.pdf.EXE"),
    'Content-Disposition: attachment; filename="%s"' % b_word("a.ExE", "iso-8859-1"),
])
def test_dangerous_names_are_refused(header):
    assert verdict(header).startswith("REJECT 5.7.1 Attachment")


@pytest.mark.parametrize("header", [
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Disposition: attachment; filename="exe.pdf"',
    'Content-Disposition: attachment; filename="archive.zip"',
    'Content-Disposition: attachment; filename="notes.jsx"',
    'Content-Disposition: attachment; filename="%s"' % b_word("Übersicht.pdf"),
    'Content-Disposition: attachment; filename="%s"' % b_word("setup.exe.txt"),
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Type: multipart/mixed; boundary="----=_Part.exe"',
    "Subject: please run setup.exe",
])
def test_harmless_names_pass(header):
    assert verdict(header) is None


def test_double_extension_has_its_own_reason():
    said = verdict('Content-Type: application/pdf; name="invoice.pdf.exe"')
    assert 'Attachment "invoice.pdf.exe"' in said and "look like a document" in said
    assert "zipped" in said


def test_every_base64_encoding_of_every_extension_is_caught():
    """For each extension, every alignment and random upper/lower case, the encoded name is refused;
    the same name with one more letter after it is not."""
    rng = random.Random(8)
    for extension in _attachments.DEFAULT_EXTENSIONS:
        for prefix_length in range(1, 7):
            stem = "".join(rng.choice("abcdeéü_1 ") for _index in range(prefix_length))
            ext = "".join(c.upper() if rng.random() < 0.5 else c for c in extension)
            name = "%s.%s" % (stem, ext)
            assert verdict('Content-Disposition: attachment; filename="%s"' % b_word(name)), name
            assert verdict('Content-Disposition: attachment; filename="%s"' % b_word(name + "q")) is None, name


def test_base64_tail_is_exact_for_a_known_case():
    # "x.exe" is 5 bytes: "x.e" -> eC5l, "xe" -> eGU=; the suffix ".exe" starts at alignment 1.
    tail = _attachments.base64_tail(".exe", 1)
    assert tail == "[A-Za-z0-9+\\/][CSiy]5[Fl][We][EG]U="
    for name, caught in ((b"x.exe", True), (b"x.EXE", True), (b"x.eXe", True), (b"x.exf", False), (b"x.ex", False)):
        assert bool(re.search(tail + "$", base64.b64encode(name).decode())) is caught, name


def test_percent_and_q_encodings_decode_to_what_is_refused():
    assert urllib.parse.unquote("invoice%2Eexe") == "invoice.exe"


def test_custom_extensions_and_their_problems():
    rules = _attachments.rules([".EXE", "exe", "iso"])
    assert len(rules) == 4
    assert "iso" in rules[1]["pattern"] and "exe" in rules[0]["pattern"]
    assert _attachments.rules([]) == []
    assert _attachments.extension_problems(["exe", "j*", ".js", "a.b"], "postfix_attachment_blocked_extensions") == [
        "postfix_attachment_blocked_extensions: 'j*' is not a file name extension (letters, digits, _ and -, up to 16, "
        "without dots or wildcards)",
        "postfix_attachment_blocked_extensions: 'a.b' is not a file name extension (letters, digits, _ and -, up to 16, "
        "without dots or wildcards)"]
    assert _attachments.extension_problems("exe", "v")[0].startswith("v must be a list")


def test_table_text_has_one_rule_per_line_without_stray_slashes():
    text = _attachments.table(_attachments.DEFAULT_EXTENSIONS)
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        pattern, action = re.match(r"^(/.*/[a-z]*) (REJECT .*)$", line).groups()
        # Postfix ends the pattern at the first unescaped slash.
        assert re.search(r"(?<!\\)/", pattern[1:pattern.rindex("/")]) is None, pattern


def test_the_audit_probes_agree_with_the_rules():
    for control, header, refused in _attachments.PROBES:
        assert bool(verdict(header)) is refused, header
