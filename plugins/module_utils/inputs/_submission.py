# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Authenticated submission (ports 587 and 465): input checks, the sender login map and the
role's block in master.cf.

Nothing here ever puts a password or a password hash into a message: problems with an account
name the account by its position and login only.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _passwords
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy

BACKENDS = ("passwd_file", "system")
# Dovecot password schemes that store a slow, salted hash, as the audit judges them (MAIL-SMTPD-014).
# Plain, MD5 and unsalted schemes are refused.
HASH_SCHEMES = _passwords.SLOW_SCHEMES
MIN_PASSWORD_LENGTH = 12
# zxcvbn's score from 0 to 4: 3 is "safely unguessable: moderate protection from an offline slow-hash
# scenario", what a stolen passwd-file of SHA512-CRYPT hashes faces.
MIN_STRENGTH = 3
# zxcvbn's time grows with the length; what lies beyond adds no guessability it could find.
_STRENGTH_PREFIX = 72
# Dovecot passwd-file fields are separated by ":", and logins travel in SASL and in the login map.
_LOGIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}\Z")
# Printable ASCII without ':', which would end the hash's field and start the next one in passwd-file.
_HASH = re.compile(r"^\{(?P<scheme>[A-Z0-9-]+)\}[!-9;-~]+\Z")
RATE_LIMITS = ("postfix_submission_auth_rate_limit", "postfix_submission_message_rate_limit")
BLOCK_BEGIN = "# BEGIN mailsec.hardening services"
BLOCK_END = "# END mailsec.hardening services"
# The markers of 1.0.0, when the block held the submission services alone: read, and replaced.
_LEGACY_MARKERS = ("# BEGIN mailsec.hardening submission services", "# END mailsec.hardening submission services")
# master.cf service names that listen on the submission ports.
SUBMISSION_NAMES = {"submission": 587, "587": 587, "submissions": 465, "smtps": 465, "465": 465}


def passwd_line(name, password_hash):
    """The Dovecot passwd-file line 'login:{SCHEME}hash' of one account the role check accepted.

    ValueError when the login or the hash could end its field or its line (the hash is never shown)."""
    if not isinstance(name, str) or not _LOGIN.match(name):
        raise ValueError("postfix_submission_users: login %s must be letters, digits and . _ - (no spaces or colons)"
                         % policy.describe(name))
    match = _HASH.match(password_hash) if isinstance(password_hash, str) else None
    if not match or match.group("scheme") not in HASH_SCHEMES:
        raise ValueError("postfix_submission_users (%s): the password hash is not one line of a Dovecot %s hash "
                         "without ':' (not shown here)" % (name, " or ".join(HASH_SCHEMES)))
    return "%s:%s" % (name, password_hash)


def password_strength(password, hints):
    """zxcvbn's (score from 0 to 4, its warning) for PASSWORD, knowing the words of HINTS (the login, the
    mail domains), or None when the control node lacks zxcvbn. The warning never repeats the password."""
    try:
        from zxcvbn import zxcvbn  # pylint: disable=import-outside-toplevel  # the control node's, only for clear passwords
    except ImportError:
        return None
    result = zxcvbn(password[:_STRENGTH_PREFIX], user_inputs=[h for h in hints if isinstance(h, str)])
    return result["score"], (result.get("feedback") or {}).get("warning") or ""


def _hints(name, domains):
    """The words an attacker who knows the account would try first: the login and the domains' labels."""
    words = [name] if isinstance(name, str) else []
    for domain in domains:
        if isinstance(domain, str):
            words.append(domain)
            words.extend(label for label in domain.split(".") if len(label) > 2)
    return words


def _user_label(index, user):
    name = user.get("name") if isinstance(user, dict) else None
    if isinstance(name, str) and _LOGIN.match(name):
        return "postfix_submission_users[%d] (%s)" % (index, name)
    return "postfix_submission_users[%d]" % index


def _user_problems(index, user, backend, domains, enabled=True):
    label = _user_label(index, user)
    if not isinstance(user, dict):
        return ["%s must be a mapping with name, password or password_hash, and addresses" % label]
    problems = []
    unknown = sorted(set(user) - set(("name", "password", "password_hash", "addresses")))
    if unknown:
        problems.append("%s has unknown keys %s; use name, password or password_hash, and addresses"
                        % (label, ", ".join(str(k) for k in unknown)))
    name = user.get("name")
    if not isinstance(name, str) or not _LOGIN.match(name):
        problems.append("%s: name must be a login of letters, digits and . _ - (at most 64, no spaces or colons)"
                        % label)
    secrets = [key for key in ("password", "password_hash") if user.get(key) not in (None, "")]
    if backend == "passwd_file":
        if len(secrets) != 1:
            problems.append("%s needs exactly one of password (kept in a vault; the role hashes it) or "
                            "password_hash (a Dovecot {SHA512-CRYPT} hash)" % label)
        elif secrets == ["password"]:
            password = user["password"]
            if not isinstance(password, str):
                problems.append("%s: password must be text" % label)
            elif len(password) < MIN_PASSWORD_LENGTH:
                problems.append("%s: password is shorter than %d characters; choose a longer one"
                                % (label, MIN_PASSWORD_LENGTH))
            elif any(ord(c) < 32 for c in password):
                problems.append("%s: password contains control characters" % label)
            else:
                problems.extend(_strength_problems(label, password, _hints(name, domains)))
        else:
            match = _HASH.match(user["password_hash"]) if isinstance(user["password_hash"], str) else None
            if not match or match.group("scheme") not in HASH_SCHEMES:
                problems.append("%s: password_hash must be a Dovecot hash starting with one of %s, as printed by "
                                "'doveadm pw -s SHA512-CRYPT' (plain or unsalted schemes are refused)"
                                % (label, ", ".join("{%s}" % s for s in HASH_SCHEMES)))
    elif secrets:
        problems.append("%s: the system backend checks the host's own account passwords; remove %s"
                        % (label, " and ".join(secrets)))
    addresses = user.get("addresses")
    if addresses is not None:
        if not isinstance(addresses, (list, tuple)) or not addresses:
            problems.append("%s: addresses must be a non-empty list of the envelope senders this login may use"
                            % label)
        else:
            for address in addresses:
                if isinstance(address, str) and "@" not in address:
                    problems.append("%s addresses: %s is not an address; write it as name@domain"
                                    % (label, policy.describe(address)))
                else:
                    problems.extend(policy.address_problems(address, "%s addresses" % label))
    elif enabled and not domains:
        problems.append("%s: list its addresses; there are no mail domains to give it name@domain" % label)
    return problems


def _strength_problems(label, password, hints):
    judged = password_strength(password, hints)
    if judged is None:
        return ["%s: the password's strength cannot be judged: the control node lacks the Python package zxcvbn "
                "(pip install -r requirements.txt); install it, or give password_hash instead" % label]
    score, warning = judged
    if score < MIN_STRENGTH:
        return ["%s: password is too easy to guess (zxcvbn scores it %d of 4, %d is needed%s); choose a longer one of "
                "unrelated words (it is not shown here)" % (label, score, MIN_STRENGTH, ": " + warning if warning else "")]
    return []


def input_problems(values, names=None):
    """Problems with the submission inputs in VALUES (the postfix_submission_* variables), naming the
    variables as NAMES gives them. Empty when submission is off and the inputs are well-formed."""
    names = names or {}
    problems = []
    enabled = values.get("postfix_submission_enabled")
    if not isinstance(enabled, bool):
        return ["postfix_submission_enabled must be true or false, not %s" % policy.describe(enabled)]
    backend = values.get("postfix_submission_auth_backend")
    if backend not in BACKENDS:
        problems.append("postfix_submission_auth_backend: %s is not one of %s"
                        % (policy.describe(backend), ", ".join(BACKENDS)))
    for key in RATE_LIMITS:
        problems.extend(_input_types.problems(key, values.get(key)))
    users = values.get("postfix_submission_users")
    if not isinstance(users, (list, tuple)):
        problems.append("postfix_submission_users must be a list of accounts, not %s" % policy.type_name(users))
        return problems
    domains = values.get("postfix_domains") if isinstance(values.get("postfix_domains"), (list, tuple)) else []
    for index, user in enumerate(users):
        problems.extend(_user_problems(index, user, backend, domains, enabled))
    logins = [u.get("name") for u in users if isinstance(u, dict)]
    for login in sorted(set(n for n in logins if isinstance(n, str) and logins.count(n) > 1)):
        problems.append("postfix_submission_users lists the login %s more than once" % login)
    if not problems:
        owners = {}
        for address, login in sender_logins(users, domains):
            owners.setdefault(address, []).append(login)
        for address, logins_of in sorted(owners.items()):
            if len(logins_of) > 1:
                problems.append("postfix_submission_users: the address %s is given to %s; each sender address "
                                "belongs to one login" % (address, " and ".join(logins_of)))
    if enabled:
        mode = values.get("postfix_mode")
        if mode != "mx":
            problems.append("postfix_submission_enabled needs %s mx; in %s mode Postfix listens on loopback only"
                            % (names.get("postfix_mode", "postfix_mode"), policy.describe(mode)))
        if backend == "passwd_file" and not users:
            problems.append("postfix_submission_users must list at least one account when postfix_submission_enabled "
                            "is true and postfix_submission_auth_backend is passwd_file")
    return problems


def sender_logins(users, domains):
    """(address, login) pairs of the sender login map: each account's addresses, by default
    login@domain for every mail domain. Addresses are lower-cased; sorted by address."""
    pairs = set()
    for user in users:
        name = user["name"]
        addresses = user.get("addresses") or ["%s@%s" % (name, domain) for domain in domains]
        for address in addresses:
            pairs.add((address.lower(), name))
    return sorted(pairs)


def is_submission_service(name, service_type):
    """True for a master.cf inet service that listens on port 587 or 465."""
    if service_type != "inet":
        return False
    port = name.rpartition(":")[2] if not name.startswith("[") else name.partition("]:")[2]
    return port in SUBMISSION_NAMES


def _service_lines(text):
    """(line index, name, type) of every active service definition in master.cf TEXT."""
    found = []
    for index, line in enumerate(text.splitlines()):
        if not line or line[0] in "# \t":
            continue
        fields = line.split()
        if len(fields) >= 2:
            found.append((index, fields[0], fields[1]))
    return found


def _without_block(lines):
    """LINES without the role's block (markers included); raises ValueError when the markers do not pair."""
    begins = [i for i, line in enumerate(lines) if line.strip() in (BLOCK_BEGIN, _LEGACY_MARKERS[0])]
    ends = [i for i, line in enumerate(lines) if line.strip() in (BLOCK_END, _LEGACY_MARKERS[1])]
    if not begins and not ends:
        return list(lines)
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise ValueError("master.cf has a damaged '%s' block; restore it from a backup or remove the "
                         "lines between the markers by hand" % BLOCK_BEGIN[2:])
    return list(lines[:begins[0]]) + list(lines[ends[0] + 1:])


def master_cf(live, block):
    """The master.cf text with the role's block replaced by BLOCK (removed when BLOCK is empty), and the
    conflicts: submission services defined outside the block while BLOCK defines them.

    Returns {"text": str, "conflicts": [str], "problem": str or None}.
    """
    lines = live.splitlines()
    try:
        kept = _without_block(lines)
    except ValueError as exc:
        return dict(text=live, conflicts=[], problem=str(exc))
    if len(kept) == len(lines) and not block.strip():
        return dict(text=live, conflicts=[], problem=None)
    while kept and not kept[-1].strip():
        kept.pop()
    conflicts = []
    if any(is_submission_service(name, kind) for _index, name, kind in _service_lines(block)):
        conflicts = ["%s/%s" % (name, kind) for _index, name, kind in _service_lines("\n".join(kept))
                     if is_submission_service(name, kind)]
    if block.strip():
        kept += ["", BLOCK_BEGIN] + block.strip("\n").splitlines() + [BLOCK_END]
    return dict(text="\n".join(kept) + "\n", conflicts=conflicts, problem=None)
