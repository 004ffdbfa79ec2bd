# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sanitize mode's policy as the MIMEDefang filter and the audit read it: the decoded-name rules give the
same verdicts as Postfix's PCRE table on the same names, and the worm expressions match what the site
listed and nothing an ordinary virus is called."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.filter.content_filters import attachment_table, sanitize_policy, smtpd_milters
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs


def verdict(policy, name):
    for rule in policy["names"]:
        if re.search(rule["pattern"], name, re.IGNORECASE):
            return rule["reason"]
    return None


def refused_by_postfix(table, name):
    """Whether Postfix's PCRE table (as the attachment_table filter writes it) refuses NAME in a
    Content-Disposition header line."""
    line = 'Content-Disposition: attachment; filename="%s"' % name
    for row in table.splitlines():
        if row.startswith("/"):
            pattern, flags = row[1:].split(" REJECT")[0].rsplit("/", 1)
            if re.search(pattern, line, re.IGNORECASE if "i" in flags else 0):
                return True
    return False


def test_the_audit_probes_get_the_verdicts_they_expect():
    policy = sanitize_policy(["*.Worm.*"])
    for dummy, name, refused in _attachments.NAME_PROBES:
        assert (verdict(policy, name) is not None) == refused, name


@pytest.mark.parametrize("name,reason", [
    ("invoice.pdf.exe", "double"), ("Invoice.PDF.ExE", "double"), ("invoice.pdf .exe", "double"),
    ("setup.exe", "program"), ("setup.exe. . ", "program"), ("x.js", "program"), ("a.tar.gz.scr", "double"),
    ("x.{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}", "clsid"),
    ("report.pdf", None), ("archive.zip", None), ("exe", None), ("notes.exe.txt", None), ("setup_exe", None),
])
def test_names_get_the_reason_the_advisory_gives(name, reason):
    assert verdict(sanitize_policy(["*.Worm.*"]), name) == reason


_NAME = st.text(alphabet="abcXYZ019._- ", min_size=1, max_size=12)
_EXT = st.sampled_from(list(_attachments.DEFAULT_EXTENSIONS) + ["pdf", "zip", "txt", "docx", "png"])


@given(stem=_NAME, extension=_EXT, upper=st.booleans(), trailing=st.sampled_from(["", ".", " ", ". "]))
def test_one_list_for_both_modes_postfix_and_mimedefang_agree_on_plain_names(stem, extension, upper, trailing):
    name = "%s.%s%s" % (stem, extension.upper() if upper else extension, trailing)
    policy = sanitize_policy([])
    table = attachment_table()
    assert (verdict(policy, name) is not None) == refused_by_postfix(table, name), name


def test_the_sites_extra_and_allowed_extensions_apply_in_sanitize_mode_too():
    policy = sanitize_policy([], ["xyz"], ["js"])
    assert verdict(policy, "data.xyz") == "program"
    assert verdict(policy, "app.js") is None
    assert sanitize_policy([], attachments=False)["names"] == []


def test_worm_expressions_match_the_listed_worms_only():
    worms = sanitize_policy(["*.Worm.*", "Win.Trojan.Mydoom-*"])["worms"]

    def dropped(signature):
        return any(re.search(worm, signature) for worm in worms)
    assert dropped("Win.Worm.Mydoom-1") and dropped("Win.Worm.Mailsec-Test.UNOFFICIAL")
    assert dropped("Win.Trojan.Mydoom-2")
    for ordinary in ("Eicar-Test-Signature", "Win.Trojan.Agent-1", "Doc.Downloader.Emotet-1", "Win.Trojan.MydoomX",
                     "Local.Test.EICAR-HDB.UNOFFICIAL", "Win.Worm"):
        assert not dropped(ordinary), ordinary


@given(st.text(max_size=40))
def test_any_worm_pattern_is_refused_naming_the_variable_or_gives_an_anchored_expression(pattern):
    try:
        worms = sanitize_policy([pattern])["worms"]
    except AnsibleFilterError as error:
        assert "mimedefang_worm_signatures" in str(error)
        return
    assert worms == [_inputs.signature_regex(pattern)]
    assert worms[0].startswith("^") and worms[0].endswith("$")
    # What Perl's qr{} needs: no delimiter, no interpolation, nothing but the expression.
    assert not set(worms[0][1:-1]) & set("{}@$\n")
    assert re.fullmatch(worms[0], pattern.replace("*", "")) is not None


def test_a_bad_extension_is_refused_naming_the_postfix_variable():
    with pytest.raises(AnsibleFilterError, match="postfix_attachment_extra_extensions"):
        sanitize_policy([], ["e.x/e"])


def test_sanitize_mode_puts_mimedefang_in_clamav_milters_place():
    assert smtpd_milters(["clamav", "spamassassin"], [], False, "sanitize") == ["inet:127.0.0.1:8899", "unix:spamass/spamass.sock"]
    assert smtpd_milters(["clamav", "spamassassin"]) == ["unix:clamav/clamav-milter.ctl", "unix:spamass/spamass.sock"]
    with pytest.raises(AnsibleFilterError, match="filter mode"):
        smtpd_milters(["clamav"], [], False, "strip")
