# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import errno
import socket
import threading
import time

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _sweep
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._probe import probe_listener
from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import free_port


def statuses(findings):
    return dict((f["id"], f["status"]) for f in findings)


# --- which addresses a sweep may touch ---------------------------------------------------------

def test_ranges_expand_to_host_addresses_once_without_the_excluded():
    assert _sweep.addresses(["192.0.2.0/30"]) == ["192.0.2.1", "192.0.2.2"]
    assert _sweep.addresses(["192.0.2.0/31", "192.0.2.1"]) == ["192.0.2.0", "192.0.2.1"]
    assert _sweep.addresses(["192.0.2.0/29"], exclude=["192.0.2.4/30", "192.0.2.1"]) == ["192.0.2.2", "192.0.2.3"]
    assert _sweep.addresses(["2001:db8::/126"]) == ["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"]


@pytest.mark.parametrize("ranges, exclude, cap, allow, message", [
    (["192.0.2.1/24"], [], 1024, False, "ranges: 192.0.2.1/24 has host bits set after the prefix"),
    (["fe80::1%eth0/128"], [], 1024, False, "ranges: 'fe80::1%eth0/128' has a zone ID"),
    (["mail.example.org"], [], 1024, False, "ranges: 'mail.example.org' is not a network"),
    ([], [], 1024, False, "ranges must name at least one network"),
    (["192.0.2.0/24"], ["x"], 1024, False, "exclude: 'x' is not a network"),
    (["10.0.0.0/16"], [], 1024, False, "ranges hold 65536 addresses, more than max_addresses (1024)"),
    (["10.0.0.0/16"], [], 1024, False, "set allow_large_ranges=true"),
    (["10.0.0.0/8"], [], 1024, True, "more than any sweep may cover (1048576)"),
    (["2001:db8::/64"], [], 1024, True, "more than any sweep may cover"),
    (["192.0.2.0/24"], [], 0, False, "max_addresses must be a positive number"),
    # a sweep of nothing would pass the gate on no evidence
    (["192.0.2.0/29"], ["192.0.2.0/29"], 1024, False, "exclude covers every address of ranges"),
    (["192.0.2.0/30"], ["192.0.2.1", "192.0.2.2"], 1024, False, "exclude covers every address of ranges"),
    (["10.0.0.0/12"], ["10.0.0.0/13", "10.8.0.0/13"], 1024, True, "exclude covers every address of ranges"),
])
def test_unsafe_or_malformed_ranges_are_refused(ranges, exclude, cap, allow, message):
    problems = _sweep.range_problems(ranges, exclude, cap, allow)
    assert any(message in p for p in problems), problems


def test_a_large_range_is_swept_only_when_allowed():
    assert _sweep.range_problems(["10.0.0.0/16"], [], 1024, True) == []
    assert _sweep.range_problems(["10.0.0.0/22"], [], 1024, False) == []


def test_the_sweep_touches_only_the_given_addresses_and_bounds_its_concurrency():
    calls, running, peak = [], [0], [0]
    lock = threading.Lock()

    def connect(address, port):
        with lock:
            calls.append((address, port))
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return dict(state="open" if address.endswith(".5") else "closed", error=None)

    def probe(address, port):
        calls.append(("probe", address, port))
        return dict(address=address, port=port, relay=dict(verdict="closed")), None

    addresses = _sweep.addresses(["192.0.2.0/28"], exclude=["192.0.2.8/29"])
    probed, targets, timings, proxies = _sweep.sweep(addresses, [25, 587], connect, probe, concurrency=3, probe_concurrency=2)
    touched = set(c[-2] for c in calls)
    assert touched == set("192.0.2.%d" % i for i in range(1, 8))
    assert peak[0] <= 3
    assert len(probed) == 14 and [t["class"] for t in targets] == ["closed", "closed"]
    assert ("probe", "192.0.2.5", 25) in calls and set(timings) == {"discovery", "probing"} and proxies == []


def test_a_listener_gone_before_its_battery_is_closed_not_a_target():
    probed, targets, _timings, _proxies = _sweep.sweep(
        ["192.0.2.5"], [25], lambda a, p: dict(state="open", error=None),
        lambda a, p: (None, "connection refused"), 4, 4)
    assert targets == [] and probed[0]["state"] == "closed" and probed[0]["error"] == "connection refused"


def test_a_range_without_exclude_is_not_expanded_to_be_checked(monkeypatch):
    monkeypatch.setattr(_sweep, "addresses", lambda *args: pytest.fail("a range with no exclude was expanded"))
    assert _sweep.range_problems(["10.0.0.0/16"], [], 1024, True) == []


def test_an_exclude_elsewhere_or_of_the_other_family_leaves_the_range_whole():
    assert _sweep.addresses(["192.0.2.0/30"], exclude=["198.51.100.0/24", "2001:db8::/32"]) == ["192.0.2.1", "192.0.2.2"]
    assert _sweep.addresses(["192.0.2.0/30", "192.0.2.0/31"]) == ["192.0.2.1", "192.0.2.2", "192.0.2.0"]


def test_the_pool_takes_no_item_before_a_worker_is_free_and_keeps_the_order():
    read, release = [], threading.Event()

    class Items:
        """A sequence that records which items were taken."""

        def __len__(self):
            return 100

        def __getitem__(self, index):
            read.append(index)
            return index

    def slow_square(number):
        release.wait(5)
        return number * number

    done = []
    worker = threading.Thread(target=lambda: done.append(_sweep._pool_map(slow_square, Items(), 4)))
    worker.start()
    time.sleep(0.2)
    assert sorted(read) == [0, 1, 2, 3]  # one item per busy worker, no queue of the other 96
    release.set()
    worker.join(10)
    assert done == [[n * n for n in range(100)]]
    assert _sweep._pool_map(slow_square, [], 4) == []


def test_the_pool_raises_the_first_failure_and_takes_no_more_items():
    taken = []

    def fails_on_three(number):
        taken.append(number)
        if number == 3:
            raise ValueError("three")
        return number

    with pytest.raises(ValueError, match="three"):
        _sweep._pool_map(fails_on_three, range(1000), 1)
    assert taken == [0, 1, 2, 3]


def test_discovery_rows_come_per_address_in_port_order_split_into_mail_and_proxy_ports():
    def connect(address, port):
        return dict(state="open" if port == 587 and address.endswith(".2") else "closed", error=None)

    probed, targets, _timings, proxies = _sweep.sweep(
        ["192.0.2.1", "192.0.2.2"], [25, 587], connect, lambda a, p: (dict(address=a, port=p, relay={}), None), 3, 1,
        proxy_ports=[3128], check_proxy=None)
    assert [(r["address"], r["port"], r["answered"]) for r in probed] == [
        ("192.0.2.1", 25, False), ("192.0.2.1", 587, False), ("192.0.2.2", 25, False), ("192.0.2.2", 587, True)]
    assert [(r["address"], r["port"]) for r in proxies] == [("192.0.2.1", 3128), ("192.0.2.2", 3128)]
    assert [(t["address"], t["port"]) for t in targets] == [("192.0.2.2", 587)]


class _FakeSocket:
    """Stands in for socket.socket: its connect raises FAILURE (or succeeds), and it records close()."""

    made = []

    def __init__(self, family, kind, failure=None):
        self.family, self.kind, self.failure, self.closed, self.timeout = family, kind, failure, False, None
        _FakeSocket.made.append(self)

    def settimeout(self, timeout):
        self.timeout = timeout

    def connect(self, where):
        if self.failure is not None:
            raise self.failure

    def close(self):
        self.closed = True


@pytest.mark.parametrize("address, failure, expected", [
    ("192.0.2.1", None, dict(state="open", error=None)),
    ("192.0.2.1", ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
     dict(state="closed", error="connection refused")),
    ("192.0.2.1", socket.timeout("timed out"), dict(state="filtered", error="no answer within 2.5s")),
    ("2001:db8::1", OSError(errno.EHOSTUNREACH, "No route to host"), dict(state="unreachable", error="No route to host")),
])
def test_a_discovery_connect_names_no_lookup_and_closes_its_socket(monkeypatch, address, failure, expected):
    _FakeSocket.made = []
    monkeypatch.setattr(_sweep.socket, "socket", lambda family, kind: _FakeSocket(family, kind, failure))
    monkeypatch.setattr(_sweep.socket, "getaddrinfo", lambda *args: pytest.fail("an address was looked up"))
    assert _sweep.tcp_connect(address, 25, 2.5) == expected
    made = _FakeSocket.made[0]
    assert made.family == (socket.AF_INET6 if ":" in address else socket.AF_INET) and made.timeout == 2.5
    assert made.closed


def test_a_discovery_connect_on_loopback():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(1)
        assert _sweep.tcp_connect("127.0.0.1", listening.getsockname()[1], 1.0) == dict(state="open", error=None)
    assert _sweep.tcp_connect("127.0.0.1", free_port(), 1.0) == dict(state="closed", error="connection refused")


@pytest.mark.parametrize("relay, expected", [
    (dict(verdict="open"), "open_relay"),
    (dict(verdict="closed"), "closed"),
    (dict(verdict="auth_required"), "auth_required"),
    (dict(verdict="inconclusive"), "inconclusive"),
    (dict(verdict="error", stage="timeout"), "tarpit"),
    (dict(verdict="error", stage="garbage"), "not_smtp"),
    (dict(verdict="error", stage="too_long"), "not_smtp"),
    (dict(verdict="error", stage="refused"), "error"),
    (dict(verdict="error", stage="disconnect"), "error"),
])
def test_classes(relay, expected):
    assert _sweep.classify(dict(relay=relay)) == expected


# --- the comparison with the registry -------------------------------------------------------------

def target(address, port, cls, **extra):
    data = dict(address=address, port=port, banner="220 mx ESMTP", starttls_offered=True, auth_offered=False,
                auth_offered_before_tls=False, vrfy=502, expn=502, proxy_extensions=[], tls_versions=None,
                relay=dict(verdict={"open_relay": "open"}.get(cls, cls), accepted=["N2"] if cls == "open_relay" else []))
    data.update(extra)
    data["class"] = cls
    return data


def probed(address, ports, open_ports):
    return [dict(address=address, port=p, state="open" if p in open_ports else "closed",
                 error=None if p in open_ports else "connection refused", answered=p in open_ports) for p in ports]


def test_registered_unregistered_down_and_unapproved_ports():
    entries = _registry.normalize([
        dict(name="mx.physics", addresses=["192.0.2.25"], ports=[25], owner="Physics"),
        dict(name="mx.down", addresses=["192.0.2.26"], ports=[25, 587]),
        dict(name="mx.elsewhere", addresses=["198.51.100.1"]),
    ])
    sweep = (probed("192.0.2.25", [25, 587], [25, 587]) + probed("192.0.2.26", [25, 587], [])
             + probed("192.0.2.40", [25, 587], [25]))
    targets = [target("192.0.2.25", 25, "closed"), target("192.0.2.25", 587, "auth_required"),
               target("192.0.2.40", 25, "open_relay", starttls_offered=False)]
    results = _sweep.compare(sweep, targets, entries, [25, 587])
    assert list(results) == ["192.0.2.25", "192.0.2.26", "192.0.2.40"]  # the unswept registered address is absent

    physics = results["192.0.2.25"]
    assert physics["mode"] == "mx" and physics["registered"] == "mx.physics"
    found = statuses(physics["findings"])
    assert found["MAIL-REG-001"] == "pass" and found["MAIL-REG-003"] == "pass"
    assert found["MAIL-REG-002"] == "fail"
    reg2 = [f for f in physics["findings"] if f["id"] == "MAIL-REG-002"][0]
    assert reg2["actual"] == "mx.physics also listens on 587; approved: 25"

    down = results["192.0.2.26"]
    found = statuses(down["findings"])
    assert found["MAIL-REG-003"] == "fail" and "MAIL-RELAY-011" not in found
    reg3 = [f for f in down["findings"] if f["id"] == "MAIL-REG-003"][0]
    assert reg3["actual"] == "mx.down does not take mail on 25: connection refused; 587: connection refused"

    stranger = results["192.0.2.40"]
    assert stranger["mode"] == "unregistered" and stranger["registered"] is None
    found = statuses(stranger["findings"])
    assert found["MAIL-REG-001"] == "fail" and found["MAIL-RELAY-011"] == "fail" and found["MAIL-TLS-009"] == "fail"
    assert found["MAIL-REG-002"] == "not_applicable" and found["MAIL-REG-003"] == "not_applicable"
    reg1 = [f for f in stranger["findings"] if f["id"] == "MAIL-REG-001"][0]
    assert reg1["actual"] == "not in the registry; listening: 192.0.2.40:25 (open_relay)"


def test_the_comparison_reads_the_sweeps_rows_once_however_many_addresses_it_judges():
    class Rows(list):
        passes = 0

        def __iter__(self):
            Rows.passes += 1
            return super().__iter__()

    addresses = ["192.0.2.%d" % i for i in range(1, 41)]
    sweep = Rows(row for address in addresses for row in probed(address, [25, 587], [25]))
    results = _sweep.compare(sweep, [target(a, 25, "closed") for a in addresses], [], [25, 587])
    assert list(results) == addresses and Rows.passes <= 2
    assert statuses(results["192.0.2.7"]["findings"])["MAIL-REG-001"] == "fail"


def test_listeners_that_do_not_speak_smtp_are_not_judged_as_mail_servers():
    results = _sweep.compare(probed("192.0.2.7", [25], [25]), [target("192.0.2.7", 25, "tarpit")], [], [25])
    assert statuses(results["192.0.2.7"]["findings"]) == {
        "MAIL-REG-001": "fail", "MAIL-REG-002": "not_applicable", "MAIL-REG-003": "not_applicable"}


def test_starttls_is_judged_only_where_port_25_answered_and_the_tls_floor_only_where_tls_was_tried():
    results = _sweep.compare(probed("192.0.2.8", [587], [587]), [target("192.0.2.8", 587, "auth_required")], [], [587])
    found = statuses(results["192.0.2.8"]["findings"])
    assert "MAIL-TLS-009" not in found and "MAIL-TLS-008" not in found and found["MAIL-RELAY-011"] == "pass"


# --- real listeners on loopback addresses ----------------------------------------------------------

def test_every_class_on_loopback_listeners_and_the_registry_comparison(smtp_server, tls_files):
    port, smtps = free_port(), free_port()
    kinds = {
        "127.0.91.2": ("open", dict()),
        "127.0.91.3": ("closed", dict(tls_files=tls_files)),
        "127.0.91.4": ("auth_required", dict()),
        "127.0.91.5": ("tls_required", dict(tls_files=tls_files)),
        "127.0.91.6": ("dribble", dict(tarpit_delay=0.4)),
        "127.0.91.7": ("garbage", dict()),
        "127.0.91.8": ("http", dict()),
    }
    servers = dict((address, smtp_server(behaviour, host=address, port=port, **options))
                   for address, (behaviour, options) in kinds.items())
    servers["127.0.91.9"] = smtp_server("closed", host="127.0.91.9", port=smtps, tls_files=tls_files,
                                        implicit_tls=True)
    outside = smtp_server("open", host="127.0.91.40", port=port)
    options = dict(timeout=1.0, probe_domain="relay-probe.example.net", tls_versions=[])
    probed_, targets, _timings, _proxies = _sweep.sweep(
        _sweep.addresses(["127.0.91.0/27"]), [port, smtps],
        lambda a, p: _sweep.tcp_connect(a, p, 1.0),
        lambda a, p: probe_listener(options, a, p, (smtps,)), concurrency=32, probe_concurrency=8)
    classes = dict((t["address"], t["class"]) for t in targets)
    assert classes == {"127.0.91.2": "open_relay", "127.0.91.3": "closed", "127.0.91.4": "auth_required",
                       "127.0.91.5": "closed", "127.0.91.6": "tarpit", "127.0.91.7": "not_smtp",
                       "127.0.91.8": "not_smtp", "127.0.91.9": "closed"}
    by_address = dict((t["address"], t) for t in targets)
    # the TLS-only server was judged over STARTTLS, the SMTPS one over implicit TLS
    assert by_address["127.0.91.5"]["relay"]["tls"]["version"].startswith("TLS")
    assert by_address["127.0.91.9"]["relay"]["tls"]["version"].startswith("TLS")
    assert outside.connections == 0                      # outside the range: never touched
    assert not any(s.data_seen for s in servers.values())  # the battery never sends DATA

    entries = _registry.normalize([dict(name="mx.closed", addresses=["127.0.91.3"], ports=[port]),
                                   dict(name="mx.gone", addresses=["127.0.91.20"], ports=[port])])
    results = _sweep.compare(probed_, targets, entries, [port, smtps])
    assert statuses(results["127.0.91.3"]["findings"])["MAIL-REG-001"] == "pass"
    assert statuses(results["127.0.91.20"]["findings"])["MAIL-REG-003"] == "fail"
    assert statuses(results["127.0.91.2"]["findings"])["MAIL-RELAY-011"] == "fail"
    assert statuses(results["127.0.91.4"]["findings"])["MAIL-TLS-010"] == "fail"  # AUTH before TLS
    assert all(statuses(results[a]["findings"])["MAIL-REG-001"] == "fail"
               for a in classes if a != "127.0.91.3")


def test_plain_smtp_on_an_implicit_tls_port_is_still_a_mail_server(smtp_server):
    server = smtp_server("open")
    options = dict(timeout=1.0, probe_domain="relay-probe.example.net", tls_versions=[])
    found, why = probe_listener(options, "127.0.0.1", server.port, implicit_ports=(server.port,))
    assert why is None and found["relay"]["verdict"] == "open" and found["relay"]["tls"] is None


def test_one_listener_whose_probe_breaks_does_not_end_the_sweep():
    def probe(address, port):
        if address.endswith(".2"):
            raise ValueError("hostile reply")
        return dict(address=address, port=port, relay=dict(verdict="closed")), None

    _probed, targets, _timings, _proxies = _sweep.sweep(["192.0.2.2", "192.0.2.3"], [25],
                                                        lambda a, p: dict(state="open", error=None), probe, 2, 2)
    assert [(t["address"], t["class"]) for t in targets] == [("192.0.2.2", "error"), ("192.0.2.3", "closed")]
    assert targets[0]["relay"]["error"] == "the probe failed: ValueError: hostile reply"
