# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sweep benchmark of `make bench`: a /24 of loopback addresses with a known set of listeners on
port 25, swept by smtp_scan (through Ansible, as users run it) and by nmap's smtp-open-relay on the
same addresses in the same run; then a /16 with 100 listeners spread over it, swept by both again,
with each tool's peak memory. Writes .testbed/bench/sweep.{json,txt}: wall time of each tool, their
ratio, the peak memory on the /16, and whether their relay verdicts agree on every listener. Numbers
only: nothing here fails because something is slow. Traffic stays on 127.0.0.0/8.

Peak memory is the largest maximum RSS among a process's waited-for descendants (getrusage
RUSAGE_CHILDREN), read by a small Python helper that runs one command and nothing else: around nmap,
around the whole `ansible` command, and as the interpreter Ansible runs the module with, which reads
the module's own process.

Usage: bench-sweep.py STATE_DIR                (run as root: the listeners bind port 25)
       bench-sweep.py --large-only STATE_DIR   (the /16 alone, into sweep-large.{json,txt}, to try it)
"""

import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
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
# nmap's verdict on each kind of listener: the relay test of a server that never greets or speaks no SMTP has none
NMAP_EXPECTED = {"open": "open", "garbage": "no verdict", "dribble": "no verdict"}

# The /16: 100 listeners in 100 different /24s of it, the behaviours shuffled over them the same way every run.
# No greeting tarpit here: the /24 has one, and on the /16 it would only add each tool's step timeout again.
LARGE_RANGE = "127.91.0.0/16"
LARGE_MIX = (("open", 20), ("closed", 30), ("tarpit", 15), ("auth_required", 15), ("tls_required", 10), ("garbage", 10))
NMAP_OPTIONS = ["-Pn", "-n", "-p25", "--script", "smtp-open-relay", "--script-timeout", "60s"]
# On the /16 nmap writes only the hosts with port 25 open, as smtp_scan returns only the listeners, and takes the
# whole range as one host group: by default it scans a /16 group by group and runs the script on each group before
# scanning the next, so every group holding a server with Postfix's error sleep waits it out again.
NMAP_LARGE_OPTIONS = NMAP_OPTIONS + ["--open", "--min-hostgroup", "65536"]
# what a user passes to sweep more than max_addresses (1024 by default)
SMTP_SCAN_LARGE_OPTIONS = dict(allow_large_ranges=True)

# Runs one command and writes its wall time and the peak RSS of its largest descendant to the file named first.
PEAK = """import json, resource, subprocess, sys, time
began = time.monotonic()
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as handle:
    json.dump(dict(seconds=time.monotonic() - began,
                   peak_kib=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), handle)
sys.exit(code)
"""


def large_listeners():
    """address -> behaviour for the /16."""
    behaviours = [behaviour for behaviour, count in LARGE_MIX for dummy in range(count)]
    random.Random(16).shuffle(behaviours)
    return dict(("127.91.%d.%d" % (i * 256 // len(behaviours), 37 * i % 250 + 2), behaviour)
                for i, behaviour in enumerate(behaviours))


def start_listeners(listeners):
    specs = ["%s@%s:25" % (b, a) for a, b in sorted(listeners.items())]
    env = dict(os.environ, PYTHONPATH=os.path.join(PROJECT, ".testbed", "collections"))
    proc = subprocess.Popen([sys.executable, os.path.join(PROJECT, "molecule", "shared", "files", "smtp_listener.py")]
                            + specs, stdout=subprocess.PIPE, env=env, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening"):
        proc.kill()
        raise SystemExit("the loopback listeners did not start: %r" % line)
    return proc


def stop_listeners(proc):
    proc.terminate()
    proc.wait(timeout=30)


TARPIT = "127.0.90.50"


class Meter:
    """Wall time and peak RSS of one command, each run under a fresh helper process (PEAK), so no earlier
    child's peak is counted; the helper can also stand in for the Python that Ansible runs a module with."""

    def __init__(self, directory):
        self.directory = directory
        self.helper = os.path.join(directory, "peak.py")
        with open(self.helper, "w") as handle:
            handle.write(PEAK)

    def report(self, name):
        return os.path.join(self.directory, name + ".json")

    def read(self, name):
        with open(self.report(name)) as handle:
            found = json.load(handle)
        return found["seconds"], round(found["peak_kib"] / 1024.0, 1)

    def run(self, name, argv):
        """(completed process, wall seconds, peak RSS in MiB) of ARGV."""
        done = subprocess.run([sys.executable, self.helper, self.report(name)] + argv, capture_output=True, text=True,
                              check=False)
        return (done,) + self.read(name)

    def interpreter(self, name):
        """An executable that runs Python under the helper: the module's own process, measured on its own."""
        path = os.path.join(self.directory, name, "python")
        os.makedirs(os.path.dirname(path))
        with open(path, "w") as handle:
            handle.write("#!/bin/sh\nexec %s\n" % " ".join(
                [shlex.quote(x) for x in (sys.executable, self.helper, self.report(name), sys.executable)] + ['"$@"']))
        os.chmod(path, 0o755)
        return path


def our_sweep(range_, exclude=(), more=None, meter=None):
    """smtp_scan through Ansible: (wall seconds, {address: class}, timings, result, memory). With a METER the wall
    time and the peak RSS are the helper's, MEMORY {module, ansible} in MiB: the module's process, and the largest
    process of the whole `ansible` command (its controller or the module)."""
    args = dict(ranges=[range_], exclude=list(exclude), ports=[25], timeout=TIMEOUT, connect_timeout=2, tls_versions=[],
                proxy_ports=[])
    args.update(more or {})
    argv = ["ansible", "localhost", "-m", "mailsec.hardening.smtp_scan", "-a", json.dumps(args), "-o"]
    memory = None
    if meter:
        argv += ["-e", json.dumps(dict(ansible_python_interpreter=meter.interpreter("module")))]
        done, wall, whole = meter.run("ansible", argv)
        memory = dict(module=meter.read("module")[1], ansible=whole)
    else:
        began = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        wall = time.monotonic() - began
    match = re.search(r"=> (\{.*\})\s*$", done.stdout, re.S)
    if done.returncode != 0 or not match:
        raise SystemExit("smtp_scan failed: %s %s" % (done.stdout[-2000:], done.stderr[-2000:]))
    result = json.loads(match.group(1))
    return wall, dict((x["address"], x["class"]) for x in result["listeners"]), result["timings"], result, memory


def nmap_verdicts(xml):
    verdicts = {}
    for host in ET.fromstring(xml).iter("host"):
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
    return verdicts


def nmap_sweep(exclude=()):
    began = time.monotonic()
    done = subprocess.run(["nmap"] + NMAP_OPTIONS + ["-oX", "-"] + (["--exclude", ",".join(exclude)] if exclude else [])
                          + [RANGE], capture_output=True, text=True, check=False)
    wall = time.monotonic() - began
    return wall, nmap_verdicts(done.stdout)


def own(timings):
    """The module's own time (discovery and batteries), without Ansible's start-up."""
    return max(timings["discovery"] + timings["probing"], 0.001)


def order(address):
    return tuple(int(part) for part in address.split("."))


def agreement(ours, theirs, listeners=None):
    listeners = LISTENERS if listeners is None else listeners
    rows = []
    for address in sorted(listeners, key=order):
        mine, nmap = ours.get(address), theirs.get(address, "not found")
        relay = {"open_relay": "open", "closed": "not open", "auth_required": "not open"}.get(mine, "no verdict")
        kind = listeners[address]
        rows.append(dict(address=address, listener=kind, expected=EXPECTED[kind], smtp_scan=mine, nmap=nmap,
                         agree=relay == nmap, correct=mine == EXPECTED[kind],
                         nmap_expected=NMAP_EXPECTED.get(kind, "not open"), nmap_correct=nmap == NMAP_EXPECTED.get(kind, "not open")))
    return rows


def ratio(value, base):
    return round(value / base, 2) if value and base else None


def small_sweep():
    """The /24, as before: both tools with and without the greeting tarpit."""
    listeners = start_listeners(LISTENERS)
    try:
        ours_wall, ours, timings, _result, _memory = our_sweep(RANGE)
        nmap_wall, theirs = nmap_sweep()
        # the greeting tarpit costs both tools their step timeout; without it, what responsive servers cost
        quick_wall, _quick, quick_timings, _result, _memory = our_sweep(RANGE, [TARPIT])
        nmap_quick_wall, _theirs = nmap_sweep([TARPIT])
    finally:
        stop_listeners(listeners)
    rows = agreement(ours, theirs)
    extra = sorted(set(ours) - set(LISTENERS))
    result = dict(range=RANGE, addresses=254, listeners=len(LISTENERS), timeout_per_step=TIMEOUT,
                  smtp_scan_seconds=round(ours_wall, 1), smtp_scan_timings=timings, nmap_seconds=round(nmap_wall, 1),
                  nmap_vs_smtp_scan=ratio(nmap_wall, ours_wall),
                  without_tarpit=dict(smtp_scan_seconds=round(quick_wall, 1), smtp_scan_timings=quick_timings,
                                      nmap_seconds=round(nmap_quick_wall, 1),
                                      nmap_vs_smtp_scan=ratio(nmap_quick_wall, quick_wall)),
                  verdicts_agree=sum(r["agree"] for r in rows), classes_correct=sum(r["correct"] for r in rows),
                  unexpected_listeners=extra, rows=rows)
    lines = ["sweep of %s (254 addresses, %d listeners on port 25, %d s per SMTP step)" % (RANGE, len(LISTENERS), TIMEOUT),
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
    return result, lines


def large_sweep():
    """The /16: each tool once, with its wall time and peak memory, on 100 listeners spread over it."""
    expected = large_listeners()
    directory = tempfile.mkdtemp(prefix="bench-sweep-")
    listeners = start_listeners(expected)
    try:
        meter = Meter(directory)
        ours_wall, ours, timings, found, memory = our_sweep(LARGE_RANGE, more=SMTP_SCAN_LARGE_OPTIONS, meter=meter)
        done, nmap_wall, nmap_peak = meter.run("nmap", ["nmap"] + NMAP_LARGE_OPTIONS + ["-oX", "-", LARGE_RANGE])
        theirs = nmap_verdicts(done.stdout)
        nmap_addresses = re.search(r'<hosts up="\d+" down="\d+" total="(\d+)"', done.stdout)
    finally:
        stop_listeners(listeners)
        shutil.rmtree(directory, ignore_errors=True)
    rows = agreement(ours, theirs, expected)
    mix = dict((behaviour, dict(count=count, smtp_scan_correct=sum(r["correct"] for r in rows if r["listener"] == behaviour),
                                nmap_correct=sum(r["nmap_correct"] for r in rows if r["listener"] == behaviour)))
               for behaviour, count in LARGE_MIX)
    result = dict(
        range=LARGE_RANGE, listeners=len(expected), timeout_per_step=TIMEOUT, mix=mix,
        smtp_scan_options=SMTP_SCAN_LARGE_OPTIONS, nmap_options=NMAP_LARGE_OPTIONS,
        smtp_scan=dict(addresses=found["summary"]["addresses"], seconds=round(ours_wall, 1), timings=timings,
                       peak_rss_mib=memory["module"], ansible_peak_rss_mib=memory["ansible"], found=len(ours),
                       correct=sum(r["correct"] for r in rows), unexpected=sorted(set(ours) - set(expected), key=order)),
        nmap=dict(addresses=int(nmap_addresses.group(1)) if nmap_addresses else None, seconds=round(nmap_wall, 1),
                  peak_rss_mib=nmap_peak, found=len(theirs), correct=sum(r["nmap_correct"] for r in rows),
                  unexpected=sorted(set(theirs) - set(expected), key=order)),
        smtp_scan_vs_nmap=dict(seconds=ratio(ours_wall, nmap_wall), peak_rss=ratio(memory["module"], nmap_peak),
                               ansible_peak_rss=ratio(memory["ansible"], nmap_peak)),
        verdicts_agree=sum(r["agree"] for r in rows), rows=rows)
    ours_, nmap_ = result["smtp_scan"], result["nmap"]
    lines = ["sweep of %s (%d listeners on port 25 spread over it, %d s per SMTP step)" % (LARGE_RANGE, len(expected), TIMEOUT),
             "%-26s %12s %12s %16s" % ("", "smtp_scan", "nmap", "smtp_scan / nmap"),
             "%-26s %12d %12s" % ("addresses", ours_["addresses"], nmap_["addresses"]),
             "%-26s %12.1f %12.1f %15.2fx" % ("wall (s)", ours_wall, nmap_wall, result["smtp_scan_vs_nmap"]["seconds"] or 0),
             "%-26s %12s" % ("discovery + batteries (s)", "%.1f + %.1f" % (timings["discovery"], timings["probing"])),
             "%-26s %12.1f %12.1f %15.2fx" % ("peak RSS (MiB)", memory["module"], nmap_peak,
                                              result["smtp_scan_vs_nmap"]["peak_rss"] or 0),
             "%-26s %12.1f %12.1f %15.2fx" % ("with ansible (MiB)", memory["ansible"], nmap_peak,
                                              result["smtp_scan_vs_nmap"]["ansible_peak_rss"] or 0),
             "%-26s %12d %12d" % ("listeners found", ours_["found"], nmap_["found"]),
             "%-26s %12d %12d" % ("verdicts as expected", ours_["correct"], nmap_["correct"]),
             "relay verdicts agree on %d of %d listeners" % (result["verdicts_agree"], len(rows))]
    lines += ["%s (%s): smtp_scan %s (expected %s), nmap %s (expected %s)" % (
        r["address"], LABELS[r["listener"]], r["smtp_scan"], r["expected"], r["nmap"], r["nmap_expected"])
        for r in rows if not (r["correct"] and r["nmap_correct"] and r["agree"])]
    for tool in ("smtp_scan", "nmap"):
        if result[tool]["unexpected"]:
            lines.append("listeners nobody started, found by %s: %s" % (tool, ", ".join(result[tool]["unexpected"])))
    return result, lines


def write(state, name, result, lines):
    with open(os.path.join(state, name + ".json"), "w") as handle:
        json.dump(result, handle, indent=2)
    with open(os.path.join(state, name + ".txt"), "w") as handle:
        handle.write("\n".join(["# generated by testbed/bench-sweep.py"] + lines) + "\n")


def main(argv):
    if argv[:1] == ["--large-only"] and len(argv) == 2:
        large, lines = large_sweep()
        write(argv[1], "sweep-large", dict(large_range=large), lines)
        return 0
    if len(argv) != 1:
        sys.stderr.write("usage: bench-sweep.py STATE_DIR | bench-sweep.py --large-only STATE_DIR\n")
        return 2
    result, lines = small_sweep()
    result["large_range"], more = large_sweep()
    write(argv[0], "sweep", result, lines + [""] + more)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
