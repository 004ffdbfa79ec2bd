# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The candidate configuration directory postfix_config_info checks before the postfix role writes
anything: the new main.cf and master.cf beside copies of the files postconf needs to read them.

Postfix rereads a configuration file changed within the last second every 0.3 s until it has "cooled
down" (``dict_load_file`` in Postfix's ``util/dict.c``), so postconf on a candidate just written waited
1.5 to 2.4 s before it answered. The candidate is a private copy that nobody edits while it is read, so its
files are dated back instead.
"""

from __future__ import annotations

import os
import shutil
import time

# Files a configuration directory needs besides main.cf for postconf to read it.
COPIED = ("master.cf", "dynamicmaps.cf", "dynamicmaps.cf.d", "postfix-files", "postfix-files.d")
# How far back the candidate's files are dated: well past Postfix's one second.
COOL_SECONDS = 60


def write_candidate(directory, config_dir, main_text, master_text=None, now=None):
    """Fill DIRECTORY (new and empty) with MAIN_TEXT as main.cf, MASTER_TEXT as master.cf (else the live
    one), and the other files of COPIED that CONFIG_DIR has; then date every file back by COOL_SECONDS."""
    with open(os.path.join(directory, "main.cf"), "w") as handle:
        handle.write(main_text)
    if master_text is not None:
        with open(os.path.join(directory, "master.cf"), "w") as handle:
            handle.write(master_text)
    for name in COPIED:
        if name == "master.cf" and master_text is not None:
            continue
        source = os.path.join(config_dir, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(directory, name))
        elif os.path.isfile(source):
            shutil.copyfile(source, os.path.join(directory, name))
    cool_down(directory, now)


def cool_down(directory, now=None):
    """Date every file under DIRECTORY back by COOL_SECONDS from NOW (default: the current time)."""
    past = (time.time() if now is None else now) - COOL_SECONDS
    for root, _dirs, files in os.walk(directory):
        for name in files:
            os.utime(os.path.join(root, name), (past, past))
