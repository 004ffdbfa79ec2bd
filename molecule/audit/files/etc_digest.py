# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print one SHA-256 over every path, mode and content under /etc (symlinks by their target), so two
runs compare the whole tree; verify runs it with `python3 -c` before and after the audit."""
import hashlib
import os
import stat

digest = hashlib.sha256()
for root, dirs, files in os.walk("/etc"):
    dirs.sort()
    for name in sorted(files):
        path = os.path.join(root, name)
        info = os.lstat(path)
        digest.update(("%s %o\n" % (path, info.st_mode)).encode())
        if stat.S_ISREG(info.st_mode):
            with open(path, "rb") as handle:
                digest.update(handle.read())
        elif stat.S_ISLNK(info.st_mode):
            digest.update(os.readlink(path).encode())
print(digest.hexdigest())
