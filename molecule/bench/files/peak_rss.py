# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print, as JSON, the memory of the daemons NAMEd on the command line: for each, how many
processes run under that name (the first word of their command line, without its directory), the
largest peak resident size of one of them (VmHWM) and the sum of their peaks, in MiB. spamd runs a
parent and preforked children (MIMEDefang a multiplexor and Perl workers, named here by their script),
so its sum is what the host must hold at worst.
"""

import json
import os
import sys


def status_kib(pid, field):
    with open("/proc/%s/status" % pid) as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main(names):
    found = dict((name, []) for name in names)
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                words = handle.read().split(b"\0")
            # Perl daemons rename themselves ("spamd child"); the first word names the daemon.
            program = os.path.basename(words[0].decode("utf-8", "replace").split()[0]) if words[0] else ""
            # MIMEDefang's workers run as "perl /usr/bin/mimedefang.pl -server": named by their script.
            if program == "perl" and len(words) > 1 and words[1]:
                program = os.path.basename(words[1].decode("utf-8", "replace"))
            if program in found:
                found[program].append(status_kib(pid, "VmHWM"))
        except (IOError, OSError, IndexError):
            continue
    print(json.dumps(dict((name, dict(processes=len(peaks), peak_mib=round(max(peaks or [0]) / 1024.0, 1),
                                      sum_of_peaks_mib=round(sum(peaks) / 1024.0, 1)))
                          for name, peaks in found.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
