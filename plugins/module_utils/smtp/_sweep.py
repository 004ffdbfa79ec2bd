# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Sweeping address ranges for mail servers: which addresses a sweep may touch, discovery with a
bounded pool of TCP connects, the relay battery on every listener that answered (the same
``_probe.probe_listener`` the audit runs, through a second bounded pool), a class for each
listener, and the comparison with the registry as findings of the control catalogue. The same
discovery covers the proxy ports, and every listener there is asked for a tunnel to port 25
(``_proxy.check_proxy``, in the same bounded pool as the batteries): MAIL-NET-010.

The network I/O is passed in (``connect``, ``probe`` and ``check_proxy``), so everything here is tested
with fakes and with real listeners on loopback addresses.
"""

from __future__ import annotations

import socket
import threading
import time

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _registry
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp import _proxy

DEFAULT_MAX_ADDRESSES = 1024
HARD_MAX_ADDRESSES = 1 << 20  # even when large ranges are allowed: a /12 of IPv4 or a /108 of IPv6
MAX_CONCURRENCY = 512
# The shortest step a sweep may wait: Postfix behind postscreen sends the last line of its greeting only
# after postscreen_greet_wait (6 s), and a sweep that gave up sooner would class an open relay a tarpit.
MIN_TIMEOUT = 8
CLASSES = ("open_relay", "closed", "auth_required", "inconclusive", "tarpit", "not_smtp", "error")
SPEAKS_SMTP = ("open_relay", "closed", "auth_required", "inconclusive")
STATES = ("open", "closed", "filtered", "unreachable")
# the network controls a sweep judges on each server that speaks SMTP (MAIL-TLS-008 only where TLS was
# tried, MAIL-TLS-009 only where port 25 answered)
NETWORK_CONTROLS = ("MAIL-RELAY-011", "MAIL-SMTPD-011", "MAIL-SMTPD-012", "MAIL-SMTPD-013", "MAIL-TLS-008",
                    "MAIL-TLS-009", "MAIL-TLS-010")
# judged on every address the sweep reports when proxy ports were swept, and alone on an address where only
# a proxy (or what may be one) answered
PROXY_CONTROL = "MAIL-NET-010"


def parse_networks(values, variable):
    """([ip_network], problems) for a list of CIDRs or bare addresses; host bits are refused."""
    networks, problems = [], []
    if not isinstance(values, (list, tuple)):
        return [], ["%s must be a list of networks in CIDR notation, got %r" % (variable, values)]
    for value in values:
        try:
            networks.append(_inputs.network(value, variable, bare_address=True))
        except _inputs.Refusal as refusal:
            problems.append(str(refusal))
    return networks, problems


def size(networks):
    """How many addresses NETWORKS hold (overlaps counted once per network)."""
    return sum(n.num_addresses for n in networks)


def _left_after(networks, excluded, total, ranges, exclude):
    """Whether anything of NETWORKS is left to sweep once EXCLUDED is taken out (small sweeps are counted
    address by address, so a range whose every host address is excluded counts as empty)."""
    if not excluded:
        return bool(networks)  # every network holds at least one address to sweep
    if total <= 65536:
        return bool(addresses(ranges, exclude))
    left = list(networks)
    for out in excluded:
        kept = []
        for network in left:
            if network.version != out.version or not network.overlaps(out):
                kept.append(network)
            elif not network.subnet_of(out):
                kept.extend(network.address_exclude(out))
        left = kept
    return bool(left)


def timeout_problem(timeout):
    """Why TIMEOUT (seconds per SMTP step) is too short for a sweep to tell a tarpit from a slow greeting, or None."""
    if 0 < timeout < MIN_TIMEOUT:
        return ("timeout must be at least %d seconds for a sweep: a server behind postscreen completes its greeting "
                "after 6 s, and a shorter wait would class an open relay as a tarpit, hiding it; got %s"
                % (MIN_TIMEOUT, timeout))
    return None


def range_problems(ranges, exclude, max_addresses, allow_large):
    """Every reason not to sweep: malformed ranges, none at all, or more addresses than the cap."""
    networks, problems = parse_networks(ranges, "ranges")
    _excluded, more = parse_networks(exclude or [], "exclude")
    problems.extend(more)
    if not ranges:
        problems.append("ranges must name at least one network to sweep")
    if not isinstance(max_addresses, int) or isinstance(max_addresses, bool) or max_addresses < 1:
        problems.append("max_addresses must be a positive number, got %r" % (max_addresses,))
        return problems
    total = size(networks)
    if networks and not problems and not _left_after(networks, _excluded, total, ranges, exclude):
        problems.append("exclude covers every address of ranges, so nothing would be swept and the gate would pass "
                        "on no evidence; narrow exclude or sweep other ranges")
    if total > HARD_MAX_ADDRESSES:
        problems.append("ranges hold %d addresses, more than any sweep may cover (%d); split them into smaller "
                        "sweeps" % (total, HARD_MAX_ADDRESSES))
    elif total > max_addresses and not allow_large:
        problems.append("ranges hold %d addresses, more than max_addresses (%d); sweep smaller ranges, raise "
                        "max_addresses, or set allow_large_ranges=true if a sweep this large is meant"
                        % (total, max_addresses))
    return problems


def addresses(ranges, exclude=()):
    """The addresses to sweep, in order, each once: every host address of each range (IPv4 networks
    larger than /31 without their network and broadcast addresses), minus the excluded networks."""
    networks, _problems = parse_networks(ranges, "ranges")
    excluded, _problems = parse_networks(exclude or [], "exclude")
    seen, out = set(), []
    overlapping = len(networks) > 1  # only several ranges can name an address twice
    for network in networks:
        hosts = network.hosts() if network.version == 4 and network.prefixlen < 31 else iter(network)
        outside = [e for e in excluded if e.version == network.version and e.overlaps(network)]
        for address in hosts:
            if address in seen or any(address in e for e in outside):
                continue
            if overlapping:
                seen.add(address)
            out.append(address.compressed)
    return out


def tcp_connect(address, port, timeout):
    """Whether a TCP connection to ADDRESS:PORT opens: {state, error}. Nothing is sent. ADDRESS is an IPv4 or
    IPv6 address as ``addresses`` writes it, so no name is resolved (a lookup per address would cost a sweep
    of a /16 a second)."""
    sock = None
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect((address, port))
    except socket.timeout:
        return dict(state="filtered", error="no answer within %ss" % timeout)
    except ConnectionRefusedError:
        return dict(state="closed", error="connection refused")
    except OSError as exc:
        return dict(state="unreachable", error=exc.strerror or str(exc))
    finally:
        if sock is not None:
            sock.close()
    return dict(state="open", error=None)


def classify(target):
    """The class of one listener from what ``probe_listener`` learnt."""
    relay = target.get("relay") or {}
    verdict = relay.get("verdict")
    if verdict == "open":
        return "open_relay"
    if verdict in ("closed", "auth_required", "inconclusive"):
        return verdict
    stage = relay.get("stage")
    if stage == "timeout":
        return "tarpit"
    if stage in ("garbage", "too_long", "implicit_tls"):
        return "not_smtp"
    return "error"


def _pool_map(function, items, workers):
    """FUNCTION applied to every one of ITEMS (a sequence), results in the order of ITEMS, by at most WORKERS
    threads at once. Each thread takes the next item itself, so nothing is queued per item: a pool that
    was handed every item up front would hold a future for each of the 65,536 addresses of a /16. The
    first failure stops the threads from taking more items and is raised once they have all stopped."""
    results = [None] * len(items)
    if not results:
        return results
    positions = iter(range(len(items)))
    lock = threading.Lock()
    failures = []

    def work():
        while True:
            with lock:
                index = None if failures else next(positions, None)
            if index is None:
                return
            try:
                results[index] = function(items[index])
            except BaseException as error:  # pylint: disable=broad-except  # raised in the caller's thread below
                with lock:
                    failures.append(error)
                return

    threads = [threading.Thread(target=work, name="sweep-worker", daemon=True)
               for dummy in range(max(1, min(workers, len(results))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def _guarded(probe, address, port):
    """PROBE's outcome, or an error target: one listener's unexpected failure must not end the whole sweep."""
    try:
        return probe(address, port)
    except Exception as error:  # pylint: disable=broad-except  # becomes that listener's evidence, not a traceback
        return dict(address=address, port=port, banner=None, ehlo_extensions=[], starttls_offered=None,
                    auth_offered=None, auth_offered_before_tls=None, vrfy=None, expn=None, proxy_extensions=[],
                    tls_versions=None, tls_details={},
                    relay=dict(verdict="error", accepted=[], stage="error",
                               error="the probe failed: %s: %s" % (type(error).__name__, error))), None


def _guarded_proxy(check_proxy, address, port):
    """CHECK_PROXY's outcome, or an inconclusive one: an unexpected failure is that port's evidence, not a traceback."""
    try:
        return check_proxy(address, port)
    except Exception as error:  # pylint: disable=broad-except  # becomes that port's evidence, not a traceback
        found = _proxy.outcome(_proxy.INCONCLUSIVE, None, detail="the check failed: %s: %s" % (type(error).__name__, error))
        found.update(address=address, port=port)
        return found, None


def sweep(addresses_, ports, connect, probe, concurrency, probe_concurrency, proxy_ports=(), check_proxy=None):
    """Discover, then probe. Returns (probed, targets, timings, proxies).

    ``connect(address, port)`` returns {state, error}; ``probe(address, port)`` is ``probe_listener``
    bound to the options, returning (target, None) or (None, why). At most CONCURRENCY connects and
    PROBE_CONCURRENCY batteries run at once; nothing outside ADDRESSES_ is ever passed to either.
    PROXY_PORTS are discovered in the same pool as PORTS, and ``check_proxy(address, port)``
    (``_proxy.check_proxy`` bound to the target and timeout) runs on each that answered, in the
    batteries' pool. PROXIES has one row per address and proxy port, like PROBED, with the outcome's
    class, target, status, greeting and detail where a listener answered."""
    began = time.monotonic()
    # every address on every port, as numbers: connection N is address N // len(swept) on port swept[N % len(swept)],
    # so a large range costs one row per connection and nothing more
    swept = [(port, "smtp") for port in ports] + [(port, "proxy") for port in proxy_ports]

    def discover(number):
        address, port = addresses_[number // len(swept)], swept[number % len(swept)][0]
        found = connect(address, port)
        return dict(address=address, port=port, state=found["state"], error=found["error"], answered=found["state"] == "open")

    rows = _pool_map(discover, range(len(addresses_) * len(swept)), concurrency) if swept else []
    probed = [row for number, row in enumerate(rows) if swept[number % len(swept)][1] == "smtp"]
    proxies = [row for number, row in enumerate(rows) if swept[number % len(swept)][1] == "proxy"]
    discovered = time.monotonic()
    listening = [("smtp", item) for item in probed if item["state"] == "open"]
    listening += [("proxy", item) for item in proxies if item["state"] == "open" and check_proxy is not None]

    def examine(pair):
        kind, item = pair
        if kind == "proxy":
            return _guarded_proxy(check_proxy, item["address"], item["port"])
        return _guarded(probe, item["address"], item["port"])

    outcomes = _pool_map(examine, listening, probe_concurrency)
    targets = []
    for (kind, item), (found, why) in zip(listening, outcomes):
        if found is None:  # it stopped listening between discovery and the battery
            item.update(state="closed", answered=False, error=why)
        elif kind == "proxy":
            item.update(found)
        else:
            found["class"] = classify(found)
            targets.append(found)
    timings = dict(discovery=round(discovered - began, 3), probing=round(time.monotonic() - discovered, 3))
    return probed, targets, timings, proxies


def listener_summary(target, registered):
    """One listener as the scan reports it."""
    relay = target.get("relay") or {}
    return dict(address=target["address"], port=target["port"], **{"class": target["class"]},
                registered=registered, banner=target.get("banner"), starttls_offered=target.get("starttls_offered"),
                tls=(relay.get("tls") or {}).get("version"), auth_offered=target.get("auth_offered"),
                relay_verdict=relay.get("verdict"), accepted=relay.get("accepted") or [],
                detail=relay.get("msg") or relay.get("error"))


def _network_only(targets):
    only = set(NETWORK_CONTROLS)
    if not any(t["port"] == 25 for t in targets):
        only.discard("MAIL-TLS-009")
    if not any(isinstance(t.get("tls_versions"), dict) for t in targets):
        only.discard("MAIL-TLS-008")
    return only


def _address_order(text):
    """IPv4 before IPv6, each in numeric order (addresses read by the input layer)."""
    parsed = _inputs.address(text, "address")
    return parsed.version, parsed


def _scan_only(mail_server, proxy_ports):
    """The SCAN controls to judge on an address: the registration controls where a mail port answered or the
    address is registered, MAIL-NET-010 where proxy ports were swept (alone where only a proxy answered)."""
    if not mail_server:
        return set([PROXY_CONTROL])
    only = set(c.id for c in _controls.controls(_controls.SCAN))
    if not proxy_ports:
        only.discard(PROXY_CONTROL)
    return only


def compare(probed, targets, entries, swept_ports, proxies=(), proxy_ports=()):
    """Per address the scan's findings, with the registry applied: {address: {mode, registered, findings}}.

    Every address with a listener is judged, and every registered address that was swept (a registered
    server that is down is a finding), and every address where a proxy port answered with something that
    is or may be a proxy (``_proxy.PROXY_LIKE``). ENTRIES are normalised registry entries; PROXIES are the
    proxy rows of ``sweep``, PROXY_PORTS the ports they were swept on."""
    registry = _registry.by_address(entries)
    swept = set(item["address"] for item in probed) | set(item["address"] for item in proxies)
    mail = set(t["address"] for t in targets) | (set(registry) & swept)
    wanted = mail | set(x["address"] for x in proxies if x.get("class") in _proxy.PROXY_LIKE)
    # the rows of the judged addresses, gathered in one pass: a sweep of a /16 has 65,536 rows or more per port
    own_rows = dict((address, dict(probed=[], proxies=[], targets=[])) for address in wanted)
    for key, items in (("probed", probed), ("proxies", proxies), ("targets", targets)):
        for item in items:
            if item["address"] in own_rows:
                own_rows[item["address"]][key].append(item)
    results = {}
    for address in sorted(wanted, key=_address_order):
        entry = registry.get(address)
        own = own_rows[address]["targets"]
        speaking = [t for t in own if t["class"] in SPEAKS_SMTP]
        mode = entry["mode"] if entry else "mx"
        evidence = dict(address=address, registry=entry, swept_ports=list(swept_ports),
                        listeners=[dict(port=t["port"], **{"class": t["class"]}) for t in own],
                        probed=list(own_rows[address]["probed"]), proxy_ports=list(proxy_ports),
                        proxies=[x for x in own_rows[address]["proxies"] if x.get("class")])
        findings = _controls.evaluate(evidence, mode, source=_controls.SCAN,
                                      only=_scan_only(address in mail, proxy_ports))
        if speaking:
            network = dict(probed=list(own_rows[address]["probed"]), targets=speaking)
            findings += _controls.evaluate(network, mode, source=_controls.NETWORK,
                                           only=_network_only(speaking))
        results[address] = dict(mode=entry["mode"] if entry else _registry.UNREGISTERED,
                                registered=entry["name"] if entry else None, findings=findings)
    return results
