# Copyright (c) 2026, Contributors to mailsec.hardening
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check a candidate Postfix main.cf before it replaces the live one.

Usage: python3 postfix_candidate_check.py CANDIDATE_MAIN_CF

Copies the candidate with the live master.cf and dynamic-map definitions into a temporary
configuration directory, then asks postconf to read it. Any warning or error fails the check,
so a broken value never goes live. Exit 0 when clean, 1 with the reasons on stderr otherwise.
"""
import os
import shutil
import subprocess
import sys
import tempfile

LIVE = "/etc/postfix"
COPIED = ("master.cf", "dynamicmaps.cf", "dynamicmaps.cf.d", "postfix-files", "postfix-files.d")
FILE_PARAMETERS = ("smtpd_tls_cert_file", "smtpd_tls_key_file")


def run(args):
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def problems_in(directory):
    found = []
    for args in (["postconf", "-c", directory], ["postconf", "-c", directory, "-M"]):
        rc, _out, err = run(args)
        lines = [line for line in err.splitlines() if line.strip()]
        found.extend(lines)
        if rc != 0 and not lines:
            found.append("%s exited with status %d" % (" ".join(args[:1] + args[3:]), rc))
    for name in FILE_PARAMETERS:
        rc, out, _err = run(["postconf", "-c", directory, "-h", name])
        path = out.strip()
        if rc == 0 and path and not os.access(path, os.R_OK):
            found.append("%s names %s, which does not exist or cannot be read" % (name, path))
    return found


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    with tempfile.TemporaryDirectory(prefix="postfix-candidate.") as directory:
        shutil.copyfile(argv[1], os.path.join(directory, "main.cf"))
        for name in COPIED:
            source = os.path.join(LIVE, name)
            if os.path.isdir(source):
                shutil.copytree(source, os.path.join(directory, name))
            elif os.path.isfile(source):
                shutil.copyfile(source, os.path.join(directory, name))
        found = problems_in(directory)
    if found:
        sys.stderr.write("candidate main.cf refused, the live configuration is unchanged:\n")
        sys.stderr.write("".join("  %s\n" % line.replace(directory + "/", "candidate ") for line in found))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
