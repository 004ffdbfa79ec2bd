# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The attachment-name policy: which file names are refused at SMTP time, as Postfix PCRE rules.

Postfix reads each MIME header line (``Content-Type: ...; name=...``, ``Content-Disposition: ...;
filename=...``) through ``mime_header_checks`` before the message is accepted, so a rule that
answers ``REJECT`` refuses the whole message inside the SMTP session: nothing is bounced, the
sender's own server tells the sender. Postfix does not decode the names, so the rules here match
them as they travel:

* plain names, quoted or not, with trailing dots or blanks (Windows drops them);
* names whose dot is encoded, as in RFC 2047 Q-encoding (``=2E``) or RFC 2231 (``%2E``);
* RFC 2047 Base64 encoded-words (``=?UTF-8?B?...?=``): the tail of the Base64 text is fixed by the
  last bytes of the name, so for each extension and each of the three byte alignments a pattern
  of character classes matches exactly the encodings of names ending in that extension, in any
  mix of upper and lower case (the case bit of a letter lands in one Base64 character only);
* Windows CLSID names (``{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}``), which Explorer hides.

Names inside archives are not seen by Postfix; ClamAV scans archive contents (docs/filtering.md, attachment policy).
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._mail_policy import describe

# Programs and scripts Windows, macOS or a browser will run or install when opened; from the
# Postfix header_checks(5) example, the blocked lists of Gmail and Outlook (reference list in
# docs/filtering.md, attachment policy). Archives are not here: they are how users are told to send files.
DEFAULT_EXTENSIONS = (
    "ade", "adp", "apk", "app", "appx", "appxbundle", "asp", "bas", "bat", "chm", "cmd", "com", "cpl", "crt",
    "diagcab", "dll", "exe", "hlp", "hta", "htt", "inf", "ins", "isp", "jar", "jnlp", "js", "jse", "lib", "lnk",
    "mde", "mjs", "msc", "msi", "msix", "msp", "mst", "nsh", "pif", "ps1", "reg", "scr", "sct", "shb", "shs",
    "sys", "vb", "vbe", "vbs", "vhd", "vhdx", "vxd", "wsc", "wsf", "wsh", "xll",
)
# Extensions that make a double extension ("invoice.pdf.exe") worth its own message; from the
# amavisd-new default banned_filename_re.
DOUBLE_EXTENSION_TARGETS = ("exe", "vbs", "pif", "scr", "bat", "cmd", "com", "cpl", "dll", "js", "jse", "lnk")

_EXTENSION = re.compile(r"^[A-Za-z0-9_-]{1,16}\Z")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CLSID = r"\{[0-9A-F]{8}(?:-[0-9A-F]{4}){3}-[0-9A-F]{12}\}"

# The part of a MIME header line up to a file name's value: name=, filename=, and the RFC 2231
# forms filename*=, filename*0=, filename*1*= (the last segment carries the extension).
_NAME_PREFIX = r'^Content-(?:Disposition|Type):.*\b(?:file)?name(?:\*\d+)?\*?\s*=\s*"?'
# What may follow a name: Windows ignores trailing dots and blanks; then the closing quote, the
# end of an RFC 2047 encoded-word, and the next parameter or the end of the line.
_NAME_END = r'[.\s]*(?:\?=)?"?\s*(?:;|$)'
_DOT = r"(?:\.|=2E|%2E)"

_ADVICE = ("Nothing was delivered. If the file is genuine, send it zipped or share it another way; "
           "ask the postmaster if you need help.")


def extension_problems(extensions, variable):
    """Problems with a list of extensions given by the user, each naming VARIABLE."""
    if not isinstance(extensions, (list, tuple)):
        return ["%s must be a list of file name extensions such as exe or js, not %s" % (variable, describe(extensions))]
    problems = []
    for extension in extensions:
        if not isinstance(extension, str) or not _EXTENSION.match(extension.lstrip(".")):
            problems.append("%s: %s is not a file name extension (letters, digits, _ and -, up to 16, "
                            "without dots or wildcards)" % (variable, describe(extension)))
    return problems


def normalize(extensions):
    """Lower case, no leading dot, no duplicates, in the given order."""
    seen = []
    for extension in extensions:
        extension = extension.lstrip(".").lower()
        if extension not in seen:
            seen.append(extension)
    return seen


def _case_variants(char):
    if char.isalpha():
        return sorted({ord(char.lower()), ord(char.upper())})
    return [ord(char)]


def _b64_class(values):
    chars = sorted({_B64[value] for value in values}, key=_B64.index)
    if len(chars) == 64:
        return "[A-Za-z0-9+\\/]"
    if len(chars) == 1:
        return "\\/" if chars[0] == "/" else re.escape(chars[0])
    return "[" + "".join("\\" + c if c in "+/" else c for c in chars) + "]"


def base64_tail(suffix, alignment):
    """A pattern matching the end of the Base64 encoding of any text that ends in SUFFIX, when
    ALIGNMENT bytes (0, 1 or 2) of its last full three-byte group come before SUFFIX. Letters of
    SUFFIX may be in either case. Padding ('=') is part of the pattern."""
    options = [list(range(256))] * alignment + [_case_variants(c) for c in suffix]
    parts = []
    for start in range(0, len(options), 3):
        group = options[start:start + 3]
        count = len(group)
        # Base64 character k of a group takes its 6 bits at OFFSET in byte k*6//8, running into the
        # next byte when OFFSET > 2 (zero past the end of the group).
        for k in range(count + 1):
            first, offset = divmod(k * 6, 8)
            second = group[first + 1] if offset > 2 and first + 1 < count else [0]
            shift = 10 - offset
            # The bits from each byte do not overlap, so each byte's share is taken apart: the same
            # set as over every pair of bytes, without the 65536 pairs of two unknown bytes.
            high = set(((a << 8) >> shift) & 0x3F for a in group[first])
            low = set((b >> shift) & 0x3F for b in second)
            values = set(top | bottom for top in high for bottom in low)
            parts.append(_b64_class(values))
        parts.append("=" * (3 - count))
    return "".join(parts)


def rules(extensions, double_targets=DOUBLE_EXTENSION_TARGETS):
    """The PCRE rules of the policy, in order: [{"comment", "pattern", "action"}]. Patterns are
    Postfix PCRE table patterns (between slashes, with flags)."""
    exts = normalize(extensions)
    if not exts:
        return []
    listed = "|".join(re.escape(e) for e in sorted(exts, key=lambda e: (-len(e), e)))
    doubled = "|".join(e for e in normalize(double_targets) if e in exts)
    found = []
    if doubled:
        found.append(dict(
            comment="MAIL-ATT-002: a program disguised by a second extension, such as invoice.pdf.exe",
            pattern="/%s([^\";]*\\.[^.\\/\";]*[A-Za-z][^.\\/\";]*%s\\s*(?:%s))%s/i" % (_NAME_PREFIX, _DOT, doubled, _NAME_END),
            action='REJECT 5.7.1 Attachment "$1" refused: a program named to look like a document. ' + _ADVICE))
    found.append(dict(
        comment="MAIL-ATT-001: names ending in a blocked extension, plain or with an encoded dot",
        pattern="/%s([^\";]*%s\\s*(?:%s))%s/i" % (_NAME_PREFIX, _DOT, listed, _NAME_END),
        action='REJECT 5.7.1 Attachment "$1" refused: this type of file is not accepted here. ' + _ADVICE))
    found.append(dict(
        comment="MAIL-ATT-001: Windows CLSID names, which hide the real type",
        pattern="/%s([^\";]*%s\\s*%s)%s/i" % (_NAME_PREFIX, _DOT, _CLSID, _NAME_END),
        action='REJECT 5.7.1 Attachment "$1" refused: a Windows class-ID name hides the real type of file. '
               + _ADVICE))
    tails = []
    for extension in exts:
        for alignment in range(3):
            tails.append(base64_tail("." + extension, alignment))
    found.append(dict(
        comment="MAIL-ATT-001: RFC 2047 Base64-encoded names ending in a blocked extension "
                "(case-sensitive: Base64 is)",
        pattern="/^Content-(?:Disposition|Type):.*\\b(?:file)?name\\s*=\\s*\"?=\\?[^?\\s]+\\?[Bb]\\?[A-Za-z0-9+\\/]*"
                "(?:%s)\\?=\"?\\s*(?:;|$)/" % "|".join(tails),
        action="REJECT 5.7.1 Attachment refused: its encoded name ends in a type of file that is not accepted "
               "here. " + _ADVICE))
    return found


def table(extensions, double_targets=DOUBLE_EXTENSION_TARGETS):
    """The rules as the text of a Postfix PCRE table (without the managed-file header)."""
    lines = []
    for rule in rules(extensions, double_targets):
        lines.append("# " + rule["comment"])
        lines.append("%s %s" % (rule["pattern"], rule["action"]))
    return "\n".join(lines) + ("\n" if lines else "")


def name_patterns(extensions, double_targets=DOUBLE_EXTENSION_TARGETS):
    """The policy for names already decoded, as sanitize mode's MIMEDefang filter reads them (it
    decodes RFC 2047 and RFC 2231 itself): [(reason, pattern)] in order, each pattern a regular
    expression that Perl and Python read alike, matched without regard to case. The reasons are
    ``double`` (MAIL-ATT-002), ``program`` and ``clsid`` (MAIL-ATT-001)."""
    exts = normalize(extensions)
    if not exts:
        return []
    listed = "|".join(re.escape(e) for e in sorted(exts, key=lambda e: (-len(e), e)))
    doubled = "|".join(e for e in normalize(double_targets) if e in exts)
    end = r"[.\s]*$"
    found = []
    if doubled:
        found.append(("double", r"\.[^./\\]*[A-Za-z][^./\\]*\.\s*(?:%s)%s" % (doubled, end)))
    found.append(("program", r"\.\s*(?:%s)%s" % (listed, end)))
    found.append(("clsid", r"\.\s*%s%s" % (_CLSID, end)))
    return found


def name_verdict(name, patterns):
    """The reason the first of PATTERNS ([(reason, pattern)]) gives for decoded file NAME, or None."""
    for reason, pattern in patterns:
        if re.search(pattern, name, re.IGNORECASE):
            return reason
    return None


# Decoded names the audit judges a sanitize-mode policy with: (control, name, refused).
NAME_PROBES = (
    ("MAIL-ATT-001", "setup.exe", True),
    ("MAIL-ATT-001", "x.js", True),
    ("MAIL-ATT-001", "x.{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}", True),
    ("MAIL-ATT-001", "Rechnung.EXE", True),
    ("MAIL-ATT-002", "invoice.pdf.exe", True),
    ("MAIL-ATT-002", "invoice.pdf .exe", True),
    ("MAIL-ATT-001", "report.pdf", False),
)

# Names the audit looks up in a host's mime_header_checks, with what a policy must answer.
PROBES = (
    ("MAIL-ATT-001", 'Content-Disposition: attachment; filename="setup.exe"', True),
    ("MAIL-ATT-001", 'Content-Type: application/javascript; name="x.js"', True),
    ("MAIL-ATT-001", 'Content-Disposition: attachment; filename="x.{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}"', True),
    ("MAIL-ATT-001", 'Content-Disposition: attachment; filename="=?UTF-8?B?UmVjaG51bmcuZXhl?="', True),
    ("MAIL-ATT-002", 'Content-Disposition: attachment; filename="invoice.pdf.exe"', True),
    ("MAIL-ATT-002", 'Content-Disposition: attachment; filename="invoice.pdf .exe"', True),
    ("MAIL-ATT-001", 'Content-Disposition: attachment; filename="report.pdf"', False),
)
