# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Every input of the clamav, mimedefang and spamassassin roles checked together, before anything changes.

Each function takes the role's variables and returns one sentence per problem, naming the
variable and saying what to write instead.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _sanitize
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy

SIGNATURE_SUFFIXES = ("hdb", "hsb", "ndb", "ldb", "ign2", "fp", "sfp", "cdb", "msb", "mdb")
MIN_MEMORY_MB = _controls.CLAMAV_DATABASE_MEMORY_MB

_SIGNATURE_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(%s)\Z" % "|".join(SIGNATURE_SUFFIXES))


def clamav_problems(values, memory_mb):
    """Problems with the clamav role's VALUES on a host with MEMORY_MB of RAM for clamd; with MEMORY_MB
    None (the memory not read yet) everything but the memory is judged."""
    problems = []
    source = values.get("clamav_signature_source")
    problems.extend(_input_types.problems("clamav_signature_source", source))
    if source == "mirror":
        problems.extend(_input_types.problems("clamav_private_mirror", values.get("clamav_private_mirror")))
    signatures = values.get("clamav_local_signatures")
    if not isinstance(signatures, (list, tuple)):
        problems.append("clamav_local_signatures must be a list of {name, content}, not %s" % policy.type_name(signatures))
        signatures = []
    for item in signatures:
        name = item.get("name") if isinstance(item, dict) else None
        content = item.get("content") if isinstance(item, dict) else None
        if not (isinstance(name, str) and _SIGNATURE_NAME.match(name)) or not (isinstance(content, str) and content.strip()):
            problems.append("clamav_local_signatures: %s needs a name such as local.hdb (suffix %s, no path) and a "
                            "non-empty content" % (policy.describe(name), ", ".join(SIGNATURE_SUFFIXES)))
    if source == "local" and not signatures:
        problems.append("clamav_local_signatures must list at least one signature file for the local source, "
                        "or clamd has nothing to scan with")
    problems.extend(_input_types.problems("clamav_freshclam_checks", values.get("clamav_freshclam_checks")))
    problems.extend("%s (set mailsec_message_size_limit for Postfix and ClamAV together)" % problem for problem in
                    _input_types.problems("clamav_max_message_size", values.get("clamav_max_message_size")))
    low = values.get("clamav_allow_low_memory")
    if not isinstance(low, bool):
        problems.append("clamav_allow_low_memory must be true or false, not %s" % policy.describe(low))
    for name in ("clamav_reject_message", "clamav_report_hostname", "clamav_filter_mode"):
        problems.extend(_input_types.problems(name, values.get(name)))
    if memory_mb is None:
        pass
    elif not policy.whole(memory_mb, 1, 2 ** 31):
        problems.append("clamav_memory_mb must be a whole number of MiB, not %s" % policy.describe(memory_mb))
    elif source in ("official", "mirror") and memory_mb < MIN_MEMORY_MB and low is not True:
        problems.append("clamav_signature_source %s: the full signature database needs at least 3 GiB of RAM and "
                        "clamd has %d MiB here; add memory, use the local source, or set clamav_allow_low_memory "
                        "true and accept that clamd may be killed" % (source, memory_mb))
    return problems


def spamassassin_problems(values):
    """Problems with the spamassassin role's VALUES."""
    problems = []
    required = values.get("spamassassin_required_score")
    required_problems = _input_types.problems("spamassassin_required_score", required)
    problems.extend(required_problems)
    reject = values.get("spamassassin_reject_score")
    reject_problems = _input_types.problems("spamassassin_reject_score", reject)
    if reject_problems or (reject is not None and not required_problems and reject < required):
        problems.append("spamassassin_reject_score must be null (never refuse) or a whole number from 1 to 1000 and "
                        "at least spamassassin_required_score (%s), so nothing is refused that would not even be "
                        "tagged; not %s" % (required, policy.describe(reject)))
    for key in ("spamassassin_skip_authenticated", "spamassassin_network_tests", "spamassassin_rule_updates"):
        if not isinstance(values.get(key), bool):
            problems.append("%s must be true or false, not %s" % (key, policy.describe(values.get(key))))
    problems.extend(_input_types.problems("spamassassin_max_children", values.get("spamassassin_max_children")))
    problems.extend(_input_types.problems("spamassassin_reject_message", values.get("spamassassin_reject_message")))
    problems.extend(policy.network_problems(values.get("spamassassin_trusted_networks"),
                                            "spamassassin_trusted_networks"))
    return problems


def mimedefang_problems(values):
    """Problems with the mimedefang role's VALUES. A worm pattern that would drop an ordinary virus's
    message is refused with the audit's own judgement (MAIL-AV-007), so the role never writes a list its
    audit fails."""
    problems = []
    for name in ("mimedefang_filter_mode", "mimedefang_worm_signatures", "mimedefang_report_hostname"):
        problems.extend(_input_types.problems(name, values.get(name)))
    if not problems:
        for pattern in values["mimedefang_worm_signatures"]:
            hits = _sanitize.worm_matches(dict(pattern=_inputs.signature_regex(pattern)))
            if hits:
                problems.append("mimedefang_worm_signatures: %s also matches %s, which are not worms: their messages "
                                "would be dropped unseen; name the worms, e.g. *.Worm.*" % (policy.describe(pattern), ", ".join(hits[:2])))
    return problems
