# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Turn what a mail host shows into the evidence the control catalogue judges: pure parsing of
command output and files, no I/O (mailhost_info does the reading). Listening sockets are read
by ``_service_check.socket_table``."""

from __future__ import annotations

import datetime
import json
import re


def parse_postconf(text):
    """``postconf`` output (name = value lines) as {name: value}. Lines that are not settings
    (warnings that went to stdout, blank lines) are skipped."""
    settings = {}
    for line in text.splitlines():
        name, sep, value = line.partition(" =")
        if sep and re.match(r"^[a-z][a-z0-9_]*\Z", name):
            settings[name] = value.strip()
    return settings


def warnings(stderr):
    """The warning lines of postconf's or postfix check's error output."""
    return [line.strip() for line in stderr.splitlines() if "warning:" in line]


def parse_systemctl_show(text, units):
    """``systemctl show --property=... UNIT...`` output (one block per unit, in the order asked,
    separated by blank lines) as {unit: {property: value}}."""
    blocks = [block for block in re.split(r"\n\s*\n", text.strip()) if block.strip()] if text.strip() else []
    shown = {}
    for unit, block in zip(units, blocks):
        shown[unit] = dict(line.partition("=")[::2] for line in block.splitlines() if "=" in line)
    return shown


def ephemeral_range(text):
    """/proc/sys/net/ipv4/ip_local_port_range as (low, high); Linux's default when unreadable."""
    try:
        low, high = (int(n) for n in text.split())
        return low, high
    except (ValueError, AttributeError):
        return 32768, 60999


def services_only(sockets, ephemeral):
    """The sockets that are services: every listening TCP socket, and the UDP sockets outside the
    ephemeral port range (an unconnected UDP socket on an ephemeral port is a client's, e.g. for DNS)."""
    low, high = ephemeral
    return [s for s in sockets if s["protocol"] == "tcp" or not low <= s["port"] <= high]


def parse_aliases(text):
    """An aliases(5) file as {name: [targets]}: comments, continuation lines and quotes handled."""
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[:1] in (" ", "\t") and entries:
            entries[-1] += " " + line.strip()
        else:
            entries.append(line.strip())
    aliases = {}
    for entry in entries:
        name, sep, targets = entry.partition(":")
        if not sep:
            continue
        aliases[name.strip().strip('"').lower()] = [t.strip().strip('"') for t in targets.split(",") if t.strip()]
    return aliases


def parse_certificate(text, now=None):
    """``openssl x509 -noout -enddate -subject -ext subjectAltName`` output as
    {names, not_after, days_left}."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    names = []
    not_after = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("notAfter="):
            try:
                not_after = datetime.datetime.strptime(line[9:].replace("  ", " "), "%b %d %H:%M:%S %Y %Z").replace(
                    tzinfo=datetime.timezone.utc)
            except ValueError:
                not_after = None
        elif line.startswith("subject="):
            match = re.search(r"CN\s*=\s*([^,/]+)", line)
            if match:
                names.append(match.group(1).strip())
        else:
            names.extend(n.strip() for n in re.findall(r"DNS:([^,\s]+)", line))
    unique = []
    for name in names:
        if name.lower() not in [u.lower() for u in unique]:
            unique.append(name)
    return dict(names=unique, not_after=not_after.isoformat() if not_after else None,
                days_left=(not_after - now).days if not_after else None)


def apt_config_value(dump, key):
    """The value of KEY in ``apt-config dump`` output, or None."""
    for line in dump.splitlines():
        name, _sep, value = line.partition(" ")
        if name == key:
            return value.strip().rstrip(";").strip('"')
    return None


def parse_key_values(text):
    """A clamav-milter.conf / clamd.conf / opendkim.conf style file as {lowercased key: value}: a key, white
    space (blanks or tabs), the value."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        values[parts[0].lower()] = parts[1].strip() if len(parts) > 1 else ""
    return values


def dataset_path(value):
    """The file of an OpenDKIM dataset (``file:/path``, ``refile:/path`` or ``/path``), or None for the other
    kinds (databases, LDAP, inline lists), which the evidence does not read."""
    kind, sep, rest = (value or "").partition(":")
    if sep and kind in ("file", "refile") and rest.startswith("/"):
        return rest
    return value if (value or "").startswith("/") else None


def opendkim_tables(key_table, signing_table):
    """OpenDKIM's KeyTable and SigningTable text as (keys, signing): keys [{name, domain, selector, path}]
    and signing [{pattern, name}], comments and malformed lines left out."""
    keys, signing = [], []
    for line in (key_table or "").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) == 2 and words[1].count(":") >= 2:
            domain, selector, path = words[1].split(":", 2)
            keys.append(dict(name=words[0], domain=domain.lower(), selector=selector.lower(), path=path))
    for line in (signing_table or "").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) == 2:
            signing.append(dict(pattern=words[0].lower(), name=words[1]))
    return keys, signing


def public_key(text):
    """(base64 DER, bits) from ``openssl pkey -pubout -text_pub`` TEXT (the PEM block and the public
    components only), or (None, None)."""
    match = re.search(r"-----BEGIN PUBLIC KEY-----\s*(.*?)-----END PUBLIC KEY-----", text or "", re.S)
    bits = re.search(r"Public-Key: \((\d+) bit", text or "")
    return ("".join(match.group(1).split()) if match else None), (int(bits.group(1)) if bits else None)


def spamassassin_settings(texts):
    """The scoring settings that SpamAssassin configuration TEXTS (in load order) leave in force:
    required_score, report_safe and the added headers {"all Level": "_STARS(*)_", ...}."""
    settings = dict(required_score="5", report_safe="1", headers={})
    for text in texts:
        for line in (text or "").splitlines():
            line = line.split("#", 1)[0].strip()
            words = line.split(None, 1)
            if not words:
                continue
            key, rest = words[0].lower(), (words[1] if len(words) > 1 else "").strip()
            if key in ("required_score", "required_hits", "report_safe"):
                settings["required_score" if key != "report_safe" else "report_safe"] = rest
            elif key == "clear_headers":
                settings["headers"] = {}
            elif key == "add_header":
                parts = rest.split(None, 2)
                if len(parts) == 3:
                    settings["headers"]["%s %s" % (parts[0].lower(), parts[1])] = parts[2]
            elif key == "remove_header":
                parts = rest.split(None, 1)
                if len(parts) == 2:
                    settings["headers"].pop("%s %s" % (parts[0].lower(), parts[1]), None)
    return settings


def global_addresses(ip_json):
    """The global-scope addresses in ``ip -j address show`` output, IPv4 first (what strangers can reach)."""
    try:
        links = json.loads(ip_json or "[]")
    except (ValueError, RecursionError):
        return []
    found = []
    for link in links if isinstance(links, list) else []:
        infos = link.get("addr_info") if isinstance(link, dict) else None
        for info in infos if isinstance(infos, list) else []:
            if isinstance(info, dict) and info.get("scope") == "global" and isinstance(info.get("local"), str) and info["local"]:
                found.append((0 if info.get("family") == "inet" else 1, info["local"]))
    return [address for _family, address in sorted(set(found))]


def unit_of_cgroup(text):
    """The systemd unit (name.service, name.socket, name.scope) a process runs in, from
    /proc/PID/cgroup; the unified (0::) line first, then systemd's own hierarchy; "" when neither names one."""
    lines = [line.split(":", 2) for line in (text or "").splitlines() if line.count(":") >= 2]
    ordered = [l for l in lines if l[0] == "0"] + [l for l in lines if l[1] == "name=systemd"]
    for _hierarchy, _controllers, path in ordered:
        units = [part for part in path.split("/") if re.match(r"^[^/]+\.(service|socket|scope)\Z", part)]
        if units:
            return units[-1]
    return ""


def parse_journald(text):
    """``systemd-analyze cat-config systemd/journald.conf`` output (the files in the order systemd
    reads them, later settings winning) as {Storage, MaxRetentionSec, SystemMaxUse} of the [Journal] section."""
    settings = {}
    section = None
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Journal" and "=" in line:
            key, _sep, value = line.partition("=")
            if key.strip() in ("Storage", "MaxRetentionSec", "SystemMaxUse"):
                settings[key.strip()] = value.strip()
    return settings


_SPANS = (("us", 1e-6), ("ms", 1e-3), ("seconds", 1), ("second", 1), ("sec", 1), ("s", 1), ("minutes", 60),
          ("minute", 60), ("min", 60), ("m", 60), ("hours", 3600), ("hour", 3600), ("hr", 3600), ("h", 3600),
          ("days", 86400), ("day", 86400), ("d", 86400), ("weeks", 604800), ("week", 604800), ("w", 604800),
          ("months", 2629800), ("month", 2629800), ("M", 2629800), ("years", 31557600), ("year", 31557600),
          ("y", 31557600))


def timespan_days(value):
    """A systemd time span ("90day", "3 months", "1w 2d", "0", a bare number of seconds) in days; None
    when unreadable. 0 means no time limit."""
    text = str(value or "").strip()
    if not text:
        return None
    if re.match(r"^[0-9]+(\.[0-9]+)?\Z", text):
        return float(text) / 86400
    total = 0.0
    for number, unit in re.findall(r"([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)", text):
        factor = dict(_SPANS).get(unit)
        if factor is None:
            return None
        total += float(number) * factor
    if not re.fullmatch(r"(\s*[0-9]+(\.[0-9]+)?\s*[A-Za-z]+)+\s*", text):
        return None
    return total / 86400


def is_loopback(address):
    """Whether a listening address is reachable only from the host itself (127.0.0.0/8, ::1)."""
    text = str(address or "").strip("[]").split("%", maxsplit=1)[0]
    return text == "localhost" or text.startswith("127.") or text == "::1"
