# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""How the submission accounts' passwords are stored: each line of a Dovecot passwd-file judged by its
scheme, never read further than that (MAIL-SMTPD-014). Pure parsing, no I/O; no hash leaves here."""

from __future__ import annotations

import re

# Dovecot schemes that store a slow, salted hash (doveadm-pw(1)); the postfix role writes only these.
SLOW_SCHEMES = ("SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "ARGON2I", "ARGON2ID", "PBKDF2")
# crypt(3) strings of slow, salted methods, which Dovecot's CRYPT scheme (and a hash without a scheme,
# read as the default CRYPT) verifies: SHA-512, SHA-256, bcrypt, yescrypt, scrypt.
_SLOW_CRYPT = re.compile(r"^\$(6|5|2[abxy]|y|7|gy)\$")
_SCHEME = re.compile(r"^\{(?P<scheme>[A-Za-z0-9.-]+)\}(?P<rest>.*)\Z")


def schemes(text):
    """The accounts of passwd-file TEXT as [{user, scheme, slow}]: comments and empty lines skipped; a
    hash without a {SCHEME} prefix is Dovecot's CRYPT. Nothing of a hash but its scheme is kept."""
    accounts = []
    for line in (text or "").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        user, _sep, rest = line.partition(":")
        password = rest.split(":", 1)[0]
        match = _SCHEME.match(password)
        scheme = match.group("scheme").upper() if match else "CRYPT"
        value = match.group("rest") if match else password
        slow = scheme in SLOW_SCHEMES or (scheme in ("CRYPT", "DES-CRYPT") and bool(_SLOW_CRYPT.match(value)))
        if scheme == "CRYPT" and value and not _SLOW_CRYPT.match(value):
            scheme = "CRYPT (DES or MD5)"
        accounts.append(dict(user=user.strip(), scheme=scheme if password else "(no password)", slow=slow))
    return accounts
