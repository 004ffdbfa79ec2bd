# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sweep benchmark of `make bench`: a /24 of loopback addresses with a known set of listeners on
port 25, swept by smtp_scan (through Ansible, as users run it) and by nmap's smtp-open-relay on the
same addresses in the same run. Writes .testbed/bench/sweep.{json,txt}: wall time of each tool,
their ratio, and whether their relay verdicts agree on every listener. Numbers only: nothing here
fails because something is slow. Traffic stays on 127.0.0.0/8.

Usage: bench-sweep.py STATE_DIR   (run as root: the listeners bind port 25)
"""

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RANGE = "127.0.90.0/24"
# address -> behaviour of the fake servers (tests/unit/plugins/module_utils/fake_smtp.py)
LISTENERS = dict(
    [("127.0.90.%d" % i, "open") for i in (10, 11, 12)]
    + [("127.0.90.%d" % i, "closed") for i in (20, 21)]
    # closed like Postfix: after 10 error replies on one connection, a second's sleep before each reply
    + [("127.0.90.%d" % i, "tarpit") for i in (22, 23, 24)]
    + [("127.0.90.%d" % i, "auth_required") for i in (30, 31)]
    + [("127.0.90.40", "tls_required"), ("127.0.90.50", "dribble"), ("127.0.90.60", "garbage")]
)
EXPECTED = {"open": "open_relay", "closed": "closed", "tarpit": "closed", "auth_required": "auth_required", "tls_required": "closed",
            "dribble": "tarpit", "garbage": "not_smtp"}
LABELS = {"open": "open relay", "closed": "closed", "tarpit": "closed, error sleep", "auth_required": "AUTH required",
          "tls_required": "STARTTLS only", "dribble": "greeting tarpit", "garbage": "garbage"}
TIMEOUT = 8  # seconds per SMTP step, for both tools (smtp_scan's floor: postscreen greets after 6 s)


def start_listeners():
    specs = ["%s@%s:25" % (b, a) for a, b in sorted(LISTENERS.items())]
    env = dict(os.environ, PYTHONPATH=os.path.join(PROJECT, ".testbed", "collections"))
    proc = subprocess.Popen([sys.executable, os.path.join(PROJECT, "molecule", "shared", "files", "smtp_listener.py")]
                            + specs, stdout=subprocess.PIPE, env=env, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening"):
        proc.kill()
        raise SystemExit("the loopback listeners did not start: %r" % line)
    return proc


TARPIT = "127.0.90.50"


def our_sweep(exclude=()):
    args = json.dumps(dict(ranges=[RANGE], exclude=list(exclude), ports=[25], timeout=TIMEOUT, connect_timeout=2,
                           tls_versions=[], proxy_ports=[]))
    began = time.monotonic()
    done = subprocess.run(["ansible", "localhost", "-m", "mailsec.hardening.smtp_scan", "-a", args, "-o"],
                          capture_output=True, text=True, check=False)
    wall = time.monotonic() - began
    match = re.search(r"=> (\{.*\})\s*$", done.stdout, re.S)
    if done.returncode != 0 or not match:
        raise SystemExit("smtp_scan failed: %s %s" % (done.stdout[-2000:], done.stderr[-2000:]))
    result = json.loads(match.group(1))
    return wall, dict((x["address"], x["class"]) for x in result["listeners"]), result["timings"]


def nmap_sweep(exclude=()):
    began = time.monotonic()
    done = subprocess.run(["nmap", "-Pn", "-n", "-p25", "--script", "smtp-open-relay", "--script-timeout", "60s",
                           "-oX", "-"] + (["--exclude", ",".join(exclude)] if exclude else []) + [RANGE],
                          capture_output=True, text=True, check=False)
    wall = time.monotonic() - began
    verdicts = {}
    for host in ET.fromstring(done.stdout).iter("host"):
        address = host.find("address").get("addr")
        port = host.find("ports/port")
        if port is None or port.find("state").get("state") != "open":
            continue
        script = port.find("script[@id='smtp-open-relay']")
        output = script.get("output") if script is not None else ""
        if "Server is an open relay" in output:
            verdicts[address] = "open"
        elif "doesn't seem to be an open relay" in output or "isn't an open relay" in output:
            verdicts[address] = "not open"
        else:
            verdicts[address] = "no verdict"
    return wall, verdicts


def own(timings):
    """The module's own time (discovery and batteries), without Ansible's start-up."""
    return max(timings["discovery"] + timings["probing"], 0.001)


def agreement(ours, theirs):
    rows = []
    for address in sorted(LISTENERS, key=lambda a: int(a.rsplit(".", 1)[1])):
        mine, nmap = ours.get(address), theirs.get(address, "not found")
        relay = {"open_relay": "open", "closed": "not open", "auth_required": "not open"}.get(mine, "no verdict")
        rows.append(dict(address=address, listener=LISTENERS[address], expected=EXPECTED[LISTENERS[address]],
                         smtp_scan=mine, nmap=nmap, agree=relay == nmap, correct=mine == EXPECTED[LISTENERS[address]]))
    return rows


def main():
    state = sys.argv[1]
    listeners = start_listeners()
    try:
        ours_wall, ours, timings = our_sweep()
        nmap_wall, theirs = nmap_sweep()
        # the greeting tarpit costs both tools their step timeout; without it, what responsive servers cost
        quick_wall, _quick, quick_timings = our_sweep([TARPIT])
        nmap_quick_wall, _theirs = nmap_sweep([TARPIT])
    finally:
        listeners.terminate()
        listeners.wait(timeout=10)
    rows = agreement(ours, theirs)
    extra = sorted(set(ours) - set(LISTENERS))
    result = dict(range=RANGE, addresses=254, listeners=len(LISTENERS), timeout_per_step=TIMEOUT,
                  smtp_scan_seconds=round(ours_wall, 1), smtp_scan_timings=timings, nmap_seconds=round(nmap_wall, 1),
                  nmap_vs_smtp_scan=round(nmap_wall / ours_wall, 2) if ours_wall else None,
                  without_tarpit=dict(smtp_scan_seconds=round(quick_wall, 1), smtp_scan_timings=quick_timings,
                                      nmap_seconds=round(nmap_quick_wall, 1),
                                      nmap_vs_smtp_scan=round(nmap_quick_wall / quick_wall, 2) if quick_wall else None),
                  verdicts_agree=sum(r["agree"] for r in rows), classes_correct=sum(r["correct"] for r in rows),
                  unexpected_listeners=extra, rows=rows)
    with open(os.path.join(state, "sweep.json"), "w") as handle:
        json.dump(result, handle, indent=2)
    lines = ["# generated by testbed/bench-sweep.py",
             "sweep of %s (254 addresses, %d listeners on port 25, %d s per SMTP step)" % (RANGE, len(LISTENERS), TIMEOUT),
             "%-14s %9s  %s" % ("tool", "wall (s)", "note"),
             "%-14s %9.1f  discovery %.1f s, batteries %.1f s, through ansible" % (
                 "smtp_scan", ours_wall, timings["discovery"], timings["probing"]),
             "%-14s %9.1f  %.2fx smtp_scan's time, %.2fx its discovery and batteries" % (
                 "nmap", nmap_wall, result["nmap_vs_smtp_scan"] or 0, nmap_wall / own(timings)),
             "without the greeting tarpit (%s), which costs both tools their step timeout:" % TARPIT,
             "%-14s %9.1f  discovery %.1f s, batteries %.1f s" % (
                 "smtp_scan", quick_wall, quick_timings["discovery"], quick_timings["probing"]),
             "%-14s %9.1f  %.2fx smtp_scan's time, %.2fx its discovery and batteries" % (
                 "nmap", nmap_quick_wall, result["without_tarpit"]["nmap_vs_smtp_scan"] or 0,
                 nmap_quick_wall / own(quick_timings)),
             "relay verdicts agree on %d of %d listeners; smtp_scan's class is the expected one on %d of %d"
             % (result["verdicts_agree"], len(rows), result["classes_correct"], len(rows)),
             "%-13s %-20s %-14s %-11s %s" % ("address", "listener", "smtp_scan", "nmap", "agree")]
    lines += ["%-13s %-20s %-14s %-11s %s" % (r["address"], LABELS[r["listener"]], r["smtp_scan"], r["nmap"],
                                              "yes" if r["agree"] else "NO") for r in rows]
    if extra:
        lines.append("listeners nobody started: %s" % ", ".join(extra))
    with open(os.path.join(state, "sweep.txt"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
