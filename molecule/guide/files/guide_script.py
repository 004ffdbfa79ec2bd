"""The README's user path as shell scripts: the fenced blocks marked ``<!-- guide: run -->``
(commands, run as written) and ``<!-- guide: file -->`` (a file whose first line is a comment
naming its path), in the README's order. Changing the README changes the test.

A marker ``<!-- guide: stand-in NAME -->`` (no block follows it) is where the README leaves a step
to other people, such as the DNS administrators publishing records: the script is cut there, and
the scenario does that step (NAME) between the parts.

Usage: guide_script.py README.md script      the whole script, on stdout (stand-ins as comments)
       guide_script.py README.md parts       the scripts between the stand-ins, as JSON: each with
                                             the stand-in that follows it (null after the last)
       guide_script.py README.md ranges      the address ranges its commands sweep, as JSON: each with
                                             its prefix length and its first and last address
       guide_script.py clone SOURCE DEST     DEST as a clone of the working tree SOURCE (the files git
                                             tracks or would, as they are now, without the ignored ones)
The guide scenario runs the script as an ordinary user; the ranges are checked to lead only to the
scenario's own network before it runs (docs/testing.md)."""

import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

MARK = re.compile(r"^<!-- guide: (run|file) -->\s*$")
STAND_IN = re.compile(r"^<!-- guide: stand-in ([a-z-]+) -->\s*$")
FENCE = re.compile(r"^```")


def blocks(text):
    """(kind, lines) of every marked block; a marker must be followed by a fenced block."""
    found = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        mark = MARK.match(lines[index])
        stand_in = STAND_IN.match(lines[index])
        index += 1
        if stand_in:
            found.append(("stand-in", [stand_in.group(1)]))
            continue
        if not mark:
            continue
        if index >= len(lines) or not FENCE.match(lines[index]):
            raise SystemExit("README line %d: a guide marker must be followed by a fenced block" % index)
        end = index + 1
        while end < len(lines) and not FENCE.match(lines[end]):
            end += 1
        if end >= len(lines):
            raise SystemExit("README line %d: the fenced block never ends" % (index + 1))
        found.append((mark.group(1), lines[index + 1:end]))
        index = end + 1
    if not found:
        raise SystemExit("the README has no block marked <!-- guide: run --> or <!-- guide: file -->")
    return found


def file_path(lines):
    """The path a file block names in its first line: ``# inventory/hosts.ini`` or ``# path: words``."""
    match = re.match(r"^#\s*([A-Za-z0-9_./-]+?)(?::\s.*)?\s*$", lines[0]) if lines else None
    if not match or match.group(1).startswith("/") or ".." in match.group(1).split("/"):
        raise SystemExit("a guide file block must start with a comment naming a relative path, not %r" % (
            lines[0] if lines else ""))
    return match.group(1)


HEADER = ["#!/bin/bash", "# Generated from README.md by molecule/guide/files/guide_script.py", "set -euo pipefail",
          "PS4='+ guide: '", "set -x"]


def parts(text):
    """[{script, then}]: the scripts between the stand-ins, each with the stand-in that follows it."""
    found = [dict(script=list(HEADER), then=None)]
    for kind, lines in blocks(text):
        if kind == "stand-in":
            found[-1]["then"] = lines[0]
            found.append(dict(script=list(HEADER), then=None))
        elif kind == "file":
            path = file_path(lines)
            body = "\n".join(lines) + "\n"
            found[-1]["script"].append("mkdir -p %s" % shlex.quote(path.rsplit("/", 1)[0] if "/" in path else "."))
            found[-1]["script"].append("printf '%%s' %s > %s" % (shlex.quote(body), shlex.quote(path)))
        else:
            found[-1]["script"].extend(lines)
    return [dict(script="\n".join(p["script"]) + "\n", then=p["then"]) for p in found]


def script(text):
    out = []
    for part in parts(text):
        out.append(part["script"] if not out else part["script"].split("set -x\n", 1)[1])
        if part["then"]:
            out.append("# guide: stand-in %s (done by the scenario between the parts)\n" % part["then"])
    return "".join(out)


def ranges(text):
    """Every address range a run block gives scan_ranges, which the sweep will connect to."""
    found = []
    for kind, lines in blocks(text):
        if kind != "run":
            continue
        command = " ".join(line.rstrip("\\") for line in lines)
        for extra in re.findall(r"-e\s+'(\{[^']*\})'", command):
            found.extend(json.loads(extra).get("scan_ranges", []))
        if "scan_ranges" in command and not found:
            raise SystemExit("a guide command sets scan_ranges in a form this script cannot read: %s" % command)
    return found


def clone(source, dest):
    """Copy the working tree as a fresh clone would hold it, with uncommitted edits, so a run on a
    developer's machine tests what they are about to commit."""
    listed = subprocess.run(["git", "-C", source, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    if os.path.exists(dest):
        shutil.rmtree(dest)
    for name in filter(None, listed):
        origin = os.path.join(source, name)
        if not os.path.lexists(origin):  # deleted in the working tree, not yet in git
            continue
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(origin, target, follow_symlinks=False)


def main():
    if sys.argv[1] == "clone":
        clone(sys.argv[2], sys.argv[3])
        return
    text = open(sys.argv[1], encoding="utf-8").read()
    if sys.argv[2] == "script":
        sys.stdout.write(script(text))
    elif sys.argv[2] == "parts":
        sys.stdout.write(json.dumps(parts(text)))
    else:
        networks = [ipaddress.ip_network(item) for item in ranges(text)]
        sys.stdout.write(json.dumps([dict(range=str(n), prefix=n.prefixlen, first=str(n[0]), last=str(n[-1]))
                                     for n in networks]) + "\n")


if __name__ == "__main__":
    main()
