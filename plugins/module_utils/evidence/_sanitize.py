# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""What a sanitize-mode host shows of MIMEDefang, as evidence the control catalogue judges: pure parsing
of /etc/default/mimedefang and /etc/mail/mimedefang-filter, no I/O (mailhost_info does the reading).

The filter is Perl, which the audit does not run: it reads only the lines the mimedefang role writes in
fixed shapes (the clamd socket, the attachment-name and worm rules) and which MIMEDefang functions the
filter calls. Calling a function is not proof of when it is called; the role's molecule scenario proves
that, the audit proves that the pieces are there and that nothing forbidden is.
"""

from __future__ import annotations

import re

# Virus names that are not worms, with and without the suffix of local signatures: a worm pattern that
# matches one of them would discard mail a person sent, unseen by sender and recipient (MAIL-AV-007).
ORDINARY_SIGNATURES = tuple(name + suffix for suffix in ("", ".UNOFFICIAL") for name in (
    "Eicar-Test-Signature", "Win.Trojan.Agent-1", "Doc.Downloader.Emotet-1", "Html.Phishing.Bank-1"))

_VARIABLE = re.compile(r"""^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|'([^']*)'|([^\s#;]*))""")
_CLAMD_SOCK = re.compile(r"""^\s*\$ClamdSock\s*=\s*(['"])(?P<path>[^'"]*)\1\s*;""")
# The pattern runs to the last closing brace before the flags: a pattern may hold braces ({3}, \{).
_NAME_RULE = re.compile(r"^\s*push\s+@MailsecNames\s*,\s*\[\s*'(?P<reason>\w*)'\s*,\s*qr\{(?P<pattern>.*)\}(?P<flags>[a-z]*)\s*\]\s*;")
_WORM_RULE = re.compile(r"^\s*push\s+@MailsecWorms\s*,\s*qr\{(?P<pattern>.*)\}(?P<flags>[a-z]*)\s*;")
# MIMEDefang's actions and its clamd scans (mimedefang-filter(5)), called with parentheses.
_CALL = re.compile(r"\b(action_\w+|\w+_contains_virus_\w+)\s*\(")
_CHANGED_HEADER = re.compile(r"""\baction_change_header\s*\(\s*(['"])(?P<name>[^'"]+)\1""")


def parse_settings(text):
    """A shell variables file such as /etc/default/mimedefang as {NAME: value}: quotes removed, comments
    and other lines skipped, the last assignment of a name winning (as the shell reads it)."""
    values = {}
    for line in (text or "").splitlines():
        match = _VARIABLE.match(line)
        if match:
            values[match.group(1)] = next(v for v in match.groups()[1:] if v is not None)
    return values


def _code_lines(text):
    """The lines of Perl TEXT that are code: not comments, not POD, nothing after __END__ or __DATA__."""
    pod = False
    for line in (text or "").splitlines():
        if re.match(r"^=[A-Za-z]", line):
            pod = not line.startswith("=cut")
            continue
        if line.strip() in ("__END__", "__DATA__"):
            return
        if not pod and not line.lstrip().startswith("#"):
            yield line


def parse_filter(text):
    """A MIMEDefang filter as {clamd_socket, names, worms, calls, changed_headers}: the path of $ClamdSock
    (None when unset), the @MailsecNames rules [{reason, pattern, flags}] and the @MailsecWorms rules
    [{pattern, flags}] in order, and the sorted names of the MIMEDefang actions and clamd scans it calls
    and of the headers it sets with action_change_header."""
    found = dict(clamd_socket=None, names=[], worms=[], calls=set(), changed_headers=set())
    for line in _code_lines(text):
        socket, name, worm = _CLAMD_SOCK.match(line), _NAME_RULE.match(line), _WORM_RULE.match(line)
        if socket:
            found["clamd_socket"] = socket.group("path")
        elif name:
            found["names"].append(name.groupdict())
        elif worm:
            found["worms"].append(worm.groupdict())
        found["calls"].update(_CALL.findall(line))
        found["changed_headers"].update(m.group("name") for m in _CHANGED_HEADER.finditer(line))
    found["calls"], found["changed_headers"] = sorted(found["calls"]), sorted(found["changed_headers"])
    return found


def worm_matches(worm, names=ORDINARY_SIGNATURES):
    """The NAMES that the WORM rule ({pattern, flags}) matches, as Perl matches a signature name
    against it. Raises re.error when Python cannot read the pattern."""
    try:
        compiled = re.compile(worm["pattern"], re.IGNORECASE if "i" in (worm.get("flags") or "") else 0)
    except (OverflowError, RecursionError) as error:  # a{4294967296}, or groups nested too deep
        raise re.error(str(error))
    return [name for name in names if compiled.search(name)]
