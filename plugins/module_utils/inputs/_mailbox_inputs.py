# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Every input of the mailbox role checked together, and the Sieve scripts written from them.

Local mail is delivered by Dovecot's LDA into each user's Maildir. A user with a spam threshold gets
a Sieve script that files mail SpamAssassin scored at or above it into the junk folder, never
discarding it; every other user gets everything in the inbox, the spam headers included. The
scripts are written from the values read here, never from the user's strings.
"""

from __future__ import annotations

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types

TYPED = ("mailbox_junk_thresholds", "mailbox_junk_folder")


def mailbox_problems(values):
    """Problems with the mailbox role's VALUES (name to value)."""
    problems = []
    for variable in TYPED:
        problems.extend(_input_types.problems(variable, values.get(variable)))
    return problems


def threshold_script(threshold, folder):
    """The Sieve script filing mail SpamAssassin scored THRESHOLD or more into FOLDER.

    spamass-milter writes ``X-Spam-Status: Yes, score=7.2 required=5.0 tests=...``. The whole points of
    the score are captured and compared as numbers (RFC 4790 i;ascii-numeric); a negative score has
    no digit after ``score=`` and never matches (the comparator would read it as infinity). ``stop``
    ends Sieve for that message: the user's own script does not run on junk.
    """
    return "\n".join([
        'require ["fileinto", "mailbox", "relational", "comparator-i;ascii-numeric", "variables", "regex"];',
        "",
        "# Mail SpamAssassin scored %d points or more goes to %s, never discarded." % (threshold, folder),
        'if header :regex "X-Spam-Status" "score=([0-9]+)(\\\\.[0-9]+)?" {',
        '  if string :value "ge" :comparator "i;ascii-numeric" "${1}" "%d" {' % threshold,
        '    fileinto :create "%s";' % folder,
        "    stop;",
        "  }",
        "}",
        "",
    ])


def junk_scripts(values):
    """{user: Sieve script} for every user with a spam threshold, from the typed VALUES."""
    thresholds = _input_types.parse("mailbox_junk_thresholds", values.get("mailbox_junk_thresholds"))
    folder = _input_types.parse("mailbox_junk_folder", values.get("mailbox_junk_folder"))
    return dict((user, threshold_script(threshold, folder)) for user, threshold in thresholds.items())
