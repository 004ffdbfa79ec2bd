# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The registry of approved mail servers: what an entry holds, what is wrong with one, and how a
sweep's listeners compare with it. Pure: data in, data out.

An entry is ``{name, addresses, ports, owner, contact, mode}``; ``name`` and ``addresses`` are
required, ``ports`` default to [25], ``mode`` to mx. Entries come from an inventory group (each
host's ``mailsec_registry_*`` variables, ``entries_from_hosts``) or from a file (a YAML list of
entries). Both the sweep (``smtp_scan``) and the border rules (``border_firewall`` role) read the
registry through these functions, so they agree on who is registered.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue._controls import MODES

FIELDS = ("name", "addresses", "ports", "owner", "contact", "mode")
DEFAULT_PORTS = (25,)
UNREGISTERED = "unregistered"
HOST_PREFIX = "mailsec_registry_"

_NAME = re.compile(r"^(?=.{1,253}\Z)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT = 200


def _where(entry, index, field, variable):
    """How a message names FIELD of ENTRY: the host variable for inventory entries, else the list item."""
    host = entry.get("_host") if isinstance(entry, dict) else None
    if host is not None:
        return "host %s: %s%s" % (host, HOST_PREFIX, field)
    return "%s[%d].%s" % (variable, index, field)


def _is_address(value):
    try:
        _inputs.address(value, "address")
    except _inputs.Refusal:
        return False
    return True


def _text_problem(value, where):
    if not isinstance(value, str) or not value.strip():
        return "%s must be text" % where
    if _CONTROL.search(value) or len(value) > MAX_TEXT:
        return "%s must be one line of at most %d characters without control characters" % (where, MAX_TEXT)
    return None


def _entry_problems(entry, index, variable):
    def where(field):
        return _where(entry, index, field, variable)

    problems = []
    unknown = sorted((k for k in entry if k not in FIELDS and k != "_host"), key=str)
    if unknown:
        entry_name = "host %s" % entry["_host"] if entry.get("_host") is not None else "%s[%d]" % (variable, index)
        problems.append("%s has unknown field(s) %s; the fields are %s"
                        % (entry_name, ", ".join(map(str, unknown)), ", ".join(FIELDS)))
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append("%s must be a host name such as mx.dept.example.org, got %r" % (where("name"), name))
    addresses = entry.get("addresses")
    if not isinstance(addresses, (list, tuple)) or not addresses:
        problems.append("%s must list the server's addresses (bare IPv4 or IPv6, no prefix), got %r"
                        % (where("addresses"), addresses))
    else:
        for address in addresses:
            if not isinstance(address, str) or not _is_address(address):
                problems.append("%s: %r is not a bare IPv4 or IPv6 address (no prefix length, no brackets)"
                                % (where("addresses"), address))
    ports = entry.get("ports", list(DEFAULT_PORTS))
    if not isinstance(ports, (list, tuple)) or not ports or not all(
            isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= 65535 for p in ports):
        problems.append("%s must be a list of port numbers from 1 to 65535, got %r" % (where("ports"), ports))
    for field in ("owner", "contact"):
        if entry.get(field) is not None:
            problem = _text_problem(entry[field], where(field))
            if problem:
                problems.append(problem)
    if entry.get("mode", "mx") not in MODES:
        problems.append("%s must be one of %s, got %r" % (where("mode"), ", ".join(MODES), entry.get("mode")))
    return problems


def registry_problems(entries, variable="registry"):
    """Every problem with a list of registry entries, each naming the entry (or host variable) and the fix."""
    if not isinstance(entries, (list, tuple)):
        return ["%s must be a list of entries ({name, addresses, ports, owner, contact, mode}), not %s"
                % (variable, type(entries).__name__)]
    problems = []
    names, owners = {}, {}
    # Entries from the inventory's hosts come first and are named by host; the others are named by
    # their place in VARIABLE's own list, counted without the hosts before them.
    listed = [entry for entry in entries if not (isinstance(entry, dict) and entry.get("_host") is not None)]
    places = iter(range(len(listed)))
    for entry in entries:
        from_host = isinstance(entry, dict) and entry.get("_host") is not None
        index = -1 if from_host else next(places)
        if not isinstance(entry, dict):
            problems.append("%s[%d] must be a mapping with at least name and addresses" % (variable, index))
            continue
        problems.extend(_entry_problems(entry, index, variable))
        name = entry.get("name")
        if isinstance(name, str):
            if name.lower() in names:
                problems.append("%s: %s is registered twice" % (_where(entry, index, "name", variable), name))
            names[name.lower()] = index
        addresses = entry.get("addresses")
        for address in addresses if isinstance(addresses, (list, tuple)) else []:
            if isinstance(address, str) and _is_address(address):
                key = _inputs.address(address, variable)
                if key in owners and owners[key] != name:
                    problems.append("%s: %s is registered to both %s and %s; an address belongs to one server"
                                    % (_where(entry, index, "addresses", variable), address, owners[key], name))
                owners.setdefault(key, name)
    return problems


def normalize(entries):
    """Entries with their defaults filled in, addresses in compressed form and ports sorted (valid input only)."""
    out = []
    for entry in entries:
        out.append(dict(
            name=entry["name"],
            addresses=[str(a) for a in sorted(set(_inputs.address(a, "addresses") for a in entry["addresses"]),
                                              key=lambda a: (a.version, a))],
            ports=sorted(set(entry.get("ports") or DEFAULT_PORTS)),
            owner=entry.get("owner"),
            contact=entry.get("contact"),
            mode=entry.get("mode") or "mx",
        ))
    return out


def entries_from_hosts(hosts):
    """Registry entries from inventory hosts' variables (each a mapping such as ``hostvars[host]``).

    The name is the inventory name; the addresses are ``mailsec_registry_addresses``, else
    ``ansible_host`` when that is an address; ports, owner and contact come from
    ``mailsec_registry_ports``/``_owner``/``_contact``, the mode from ``mailsec_mode``. An entry
    remembers its host, so a problem names the host variable to set."""
    entries = []
    for host in hosts:
        name = host.get("inventory_hostname")
        addresses = host.get(HOST_PREFIX + "addresses")
        if addresses is None:
            candidate = host.get("ansible_host")
            addresses = [candidate] if isinstance(candidate, str) and _is_address(candidate) else []
        entry = dict(_host=name, name=name, addresses=list(addresses) if isinstance(addresses, (list, tuple))
                     else addresses, ports=host.get(HOST_PREFIX + "ports", list(DEFAULT_PORTS)),
                     mode=host.get("mailsec_mode", "mx"))
        for field in ("owner", "contact"):
            if host.get(HOST_PREFIX + field) is not None:
                entry[field] = host[HOST_PREFIX + field]
        entries.append(entry)
    return entries


def by_address(entries):
    """{address: entry} over normalised entries."""
    return dict((address, entry) for entry in entries for address in entry["addresses"])


def in_ranges(address, networks):
    """True when ADDRESS lies in one of NETWORKS (ipaddress network objects)."""
    try:
        addr = _inputs.address(address, "address")
    except _inputs.Refusal:  # IPv4 written as IPv6 lies in no IPv4 range as written
        return False
    return any(addr.version == net.version and addr in net for net in networks)
