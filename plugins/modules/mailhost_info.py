#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mailhost_info
short_description: Gather a mail host's evidence and judge it against the control catalogue
version_added: 1.0.0
description:
  - Reads, in one call, everything the collection's host controls are judged by - Postfix's effective settings
    (C(postconf -x), defaults included, so an untouched host is judged by what Postfix really does), the warnings
    C(postconf) prints, the C(master.cf) services with their C(-o) overrides, the aliases, the TLS certificate and key,
    the listening sockets (from C(/proc/net)) and the processes and systemd units that own them, the packages and units that matter,
    the live C(nftables) ruleset (C(nft -j list ruleset), evaluated for the packets the controls ask about, not the file
    on disk), the automatic update policy, debsecan's last report, the journal's retention, the backups (the newest snapshot, listed by restic without
    a lock, and the last integrity check), and ClamAV's, MIMEDefang's (sanitize mode) and
    SpamAssassin's state when they are installed - and judges it against every host control of the catalogue (see C(docs/controls.md)).
  - A component that is absent makes its controls C(not_applicable); evidence that cannot be read (a C(main.cf) with
    a syntax error, an unreadable file) makes the controls that need it C(error), never C(pass). Odd input never
    raises a traceback.
  - Network controls (relay battery, TLS handshakes, banner, VRFY) are judged from a vantage host by the audit, not
    here. Waivers are applied by the audit's report, not here.
  - The module only reads; it never changes anything and always returns C(changed=false).
options:
  mode:
    description:
      - The host's intended mode, which decides the controls that apply.
      - Without it, the mode is inferred from Postfix's settings (loopback-only listeners and a relay host mean a null
        client; loopback-only without one a loopback-only host; otherwise a receiving server) and RV(mode_inferred)
        is true.
    type: str
    choices: [mx, relay_client, local_only]
  config_dir:
    description: The Postfix configuration directory to read.
    type: path
    default: /etc/postfix
  admin_networks:
    description:
      - The networks the host is managed from (C(mailsec_admin_networks)). The firewall evidence then says whether a
        new SSH connection from each of them gets in, so a ruleset that locks the administrators out is a finding.
    type: list
    elements: str
    default: []
  ssh_port:
    description:
      - The port SSH listens on (C(mailsec_ssh_port)); the firewall controls ask about it for strangers and for each of
        O(admin_networks).
    type: int
    default: 22
  mta_users:
    description:
      - The users allowed to send SMTP to other hosts (C(mailsec_mta_users)); every other user must be stopped.
    type: list
    elements: str
    default: [postfix]
  optouts:
    description:
      - The controls the host intent switches off (C(mailsec_control_optouts)), each with its reason. They are reported
        C(waived) with the reason, whatever their check finds; never C(pass), never left out.
      - Only medium and low controls the postfix role implements, outside the relay family, can be switched off; any
        other is refused.
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: The control's ID, for example V(MAIL-SMTPD-004).
        type: str
        required: true
      reason:
        description: Why the site switches it off; one line of text.
        type: str
        required: true
extends_documentation_fragment:
  - mailsec.hardening.read_only
notes:
  - Runs on Debian-family Linux hosts (it reads C(/proc), C(dpkg-query) and C(systemctl)); run it as root, or some
    evidence (the owners of listening sockets, the nftables ruleset, the TLS key) cannot be read and the controls that
    need it come out C(error).
seealso:
  - module: mailsec.hardening.relay_probe
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Gather and judge the host's evidence
  mailsec.hardening.mailhost_info:
    mode: mx
  register: __host_audit

- name: Show the failed controls with their evidence
  ansible.builtin.debug:
    msg: "{{ __host_audit.findings | selectattr('status', 'equalto', 'fail') | map(attribute='id') | list }}"
"""

RETURN = r"""
mode:
  description: The mode the controls were judged for.
  returned: always
  type: str
  sample: mx
mode_inferred:
  description: Whether O(mode) was inferred from Postfix's settings.
  returned: always
  type: bool
  sample: false
evidence:
  description: What was read, in the shape the control catalogue judges (postfix, listeners, packages, units, firewall,
    updates, advisories, logs, clamav, mimedefang, spamassassin, backup, monitoring, opendkim, opendmarc, policyd_spf, host).
    C(monitoring) holds the monitoring role's timers, the mail monitor's last round (C(checked), C(age_minutes), C(errors),
    the C(alerts) in force) and fail2ban's SMTP AUTH jail (C(fail2ban.status), the failed and banned clients). C(advisories) holds
    whether debsecan is installed, its timer, when it last reported (from its history) and the vulnerabilities with a Debian
    fix not installed (C(fixable)). C(submission_passwd) holds the scheme of each account of the postfix role's
    passwd-file (never a hash). C(backup) holds the
    backup role's repository (credentials left out), its timers, the newest snapshot (C(id), C(time), C(paths),
    C(age_hours)) as restic lists it without a lock, and when C(restic check) last passed (C(checked), C(checked_age_days)). C(mimedefang.filter) holds
    what sanitize mode's filter shows - C(clamd_socket), the attachment-name rules C(names), the worm rules C(worms),
    the MIMEDefang actions it C(calls) and its C(changed_headers) - and C(mimedefang.settings) the variables of
    C(/etc/default/mimedefang). C(opendkim.signing_keys) lists each signing key
    with its public half (C(public_key), base64 DER, and C(bits)), derived on the host by openssl; the private key is
    never read into the result. C(firewall) holds the live ruleset's verdicts - C(inbound) (a stranger's
    new connection to each port), C(admin) (SSH from each admin network), C(outbound) (SMTP to a stranger as C(nobody)
    and as C(postfix)) - each with the rule or policy that decided and the expressions that could not be judged.
  returned: always
  type: dict
findings:
  description: One finding per host control of the catalogue.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The control ID.
      type: str
      sample: MAIL-SMTPD-002
    title:
      description: The control's title.
      type: str
    severity:
      description: critical, high, medium, low or info.
      type: str
    status:
      description: pass, fail, waived (a documented deviation for this mode), not_applicable or error.
      type: str
      sample: fail
    expected:
      description: What the control expects.
      type: str
    actual:
      description: The evidence, in a line.
      type: str
      sample: disable_vrfy_command = no
    note:
      description: Why a control is waived, not applicable or in error.
      type: str
    remediation:
      description: The role variable that fixes it.
      type: str
    references:
      description: CIS / STIG / SSG / Lynis / RFC / Postfix documentation references.
      type: list
      elements: str
summary:
  description: How many findings have each status.
  returned: always
  type: dict
  sample: {pass: 40, fail: 2, waived: 2, not_applicable: 3, error: 0}
"""

import datetime
import os
import pwd
import re
import socket
import stat

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _advisories
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _backup
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _nftables
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _monitoring
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _passwords
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _postfix_settings
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _sanitize
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._service_check import read_proc, socket_table

PACKAGES = ("postfix", "sendmail", "sendmail-bin", "unattended-upgrades", "nftables", "rsyslog", "clamav-daemon", "clamav-milter",
            "mimedefang", "spamassassin", "spamd", "spamass-milter", "opendkim", "opendmarc", "postfix-policyd-spf-python",
            "restic", "debsecan", "pflogsumm", "fail2ban")
BACKUP_TIMERS = (_backup.UNIT + ".timer", _backup.CHECK_UNIT + ".timer")
MONITOR_TIMERS = (_monitoring.SUMMARY_UNIT + ".timer", _monitoring.ALERTS_UNIT + ".timer")
UNITS = (("postfix.service",) + tuple(unit for unit in _monitoring.WATCHED_UNITS if unit != "dovecot.service") + BACKUP_TIMERS
         + (_advisories.UNIT + ".timer",) + MONITOR_TIMERS + ("fail2ban.service",))
# Reading a remote repository's list of snapshots waits at most this long (sftp over a slow link).
BACKUP_READ_SECONDS = 120
OPENDKIM_CONF = "/etc/opendkim.conf"
OPENDMARC_CONF = "/etc/opendmarc.conf"
CLAMAV_DATABASES = "/var/lib/clamav"
CLAMAV_MILTER_CONF = "/etc/clamav/clamav-milter.conf"
CLAMD_CONF = "/etc/clamav/clamd.conf"
# Sanitize mode: MIMEDefang's settings (Debian's units read them) and its filter.
MIMEDEFANG_SETTINGS = "/etc/default/mimedefang"
MIMEDEFANG_FILTER = "/etc/mail/mimedefang-filter"
CLAMAV_SIGNATURE_SUFFIXES = ("cvd", "cld", "cud", "hdb", "hsb", "ndb", "ldb", "cdb", "msb", "mdb", "fp", "sfp", "ign2")
# SpamAssassin reads its packaged defaults, then the site's files, in name order.
SPAMASSASSIN_CONFIG_DIRS = ("/usr/share/spamassassin", "/etc/spamassassin")
_ALIAS_MAP = re.compile(r"^(hash|btree|lmdb|cdb|dbm|texthash):(/\S+)\Z")


class Reader(object):
    """The module's I/O: commands as lists, files read whole, every failure turned into a message."""

    def __init__(self, module):
        self.module = module

    def run(self, *argv, **kwargs):
        """(rc, stdout, stderr) of a command, or (None, '', reason) when it is not installed; ENV (a dict)
        is added to the command's environment."""
        path = self.module.get_bin_path(argv[0])
        if not path:
            return None, "", "%s is not installed" % argv[0]
        try:
            return self.module.run_command([path] + list(argv[1:]), environ_update=dict(kwargs.get("env") or {}, LC_ALL="C"))
        except Exception as error:  # pylint: disable=broad-except  # any failure becomes evidence, not a traceback
            return 1, "", str(error)

    @staticmethod
    def read(path):
        """(text, None) or (None, why)."""
        try:
            with open(path, "rb") as handle:
                return handle.read().decode("utf-8", "replace"), None
        except (IOError, OSError, ValueError) as error:  # ValueError: a NUL in a path some file named
            return None, "%s: %s" % (path, getattr(error, "strerror", None) or error)


def _postfix(reader, config_dir):
    rc, out, err = reader.run("postconf", "-c", config_dir, "-x")
    if rc is None:
        return dict(installed=False)
    postfix = dict(installed=True)
    if rc != 0:
        postfix["error"] = (err.strip().splitlines() or ["postconf failed with status %s" % rc])[-1]
        return postfix
    effective = _mailhost.parse_postconf(out)
    postfix.update(effective=effective, warnings=_mailhost.warnings(err), version=effective.get("mail_version"))
    _rc, master, _err = reader.run("postconf", "-c", config_dir, "-M")
    _rc, overrides, _err = reader.run("postconf", "-c", config_dir, "-P")
    postfix["services"] = _postfix_settings.master_services(master, overrides)
    postfix["aliases"], postfix["aliases_error"] = _aliases(reader, effective.get("alias_maps", ""))
    postfix["tls_files"] = _tls_files(reader, effective)
    # The tables of main.cf and of every -o override (a cleanup service may have its own).
    tables = [effective.get("mime_header_checks", "")] + [
        service["overrides"]["mime_header_checks"] for service in postfix["services"]
        if "mime_header_checks" in service["overrides"]]
    postfix["attachment_probes"] = _attachment_probes(reader, " ".join(tables))
    return postfix


def _attachment_probes(reader, tables):
    """What each regular-expression table of mime_header_checks (main.cf's and the -o overrides', each
    once) answers for the probe names of the attachment policy, asked of Postfix itself (postmap -q);
    an empty list when there is none."""
    found = []
    for table in sorted(set(_postfix_settings.words(tables))):
        if not re.match(r"^(pcre|regexp):/", table):
            continue
        for control, header, refused in _attachments.PROBES:
            rc, out, err = reader.run("postmap", "-q", header, table)
            found.append(dict(control=control, table=table, header=header, must_refuse=refused,
                              answer=out.strip() if rc == 0 else "", error=err.strip() if rc not in (0, 1) else ""))
    return found


def _aliases(reader, alias_maps):
    """The aliases of every file-backed alias map, or None and the reason when one cannot be read."""
    aliases = {}
    for entry in re.split(r"[\s,]+", alias_maps):
        match = _ALIAS_MAP.match(entry)
        if not match:
            continue
        text, why = reader.read(match.group(2))
        if text is None:
            return None, why
        for name, targets in _mailhost.parse_aliases(text).items():
            aliases.setdefault(name, targets)
    return aliases, None


def _file_facts(path):
    facts = dict(path=path, exists=False)
    try:
        info = os.stat(path)
    except (IOError, OSError, ValueError) as error:  # ValueError: a NUL in the path postconf gave
        facts["error"] = getattr(error, "strerror", str(error))
        return facts
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    facts.update(exists=True, owner=owner, mode="%04o" % stat.S_IMODE(info.st_mode))
    return facts


def _tls_files(reader, effective):
    chain = (effective.get("smtpd_tls_chain_files") or "").split()
    key_path = chain[0] if chain else effective.get("smtpd_tls_key_file", "")
    cert_path = chain[-1] if chain else effective.get("smtpd_tls_cert_file", "")
    if not cert_path:
        return dict(key=dict(path="(none)", exists=False), cert=dict(path="(none)", exists=False))
    key, cert = _file_facts(key_path or cert_path), _file_facts(cert_path)
    if cert["exists"]:
        rc, out, err = reader.run("openssl", "x509", "-noout", "-enddate", "-subject", "-ext", "subjectAltName",
                                  "-in", cert_path)
        unread = dict(names=[], days_left=None, error=err.strip())
        cert.update(_mailhost.parse_certificate(out) if rc == 0 else unread)
    return dict(key=key, cert=cert)


def _listeners():
    sockets = []
    for name, protocol in (("tcp", "tcp"), ("tcp6", "tcp"), ("udp", "udp"), ("udp6", "udp")):
        sockets.extend(socket_table(read_proc("/proc/net/%s" % name), protocol))
    sockets = _mailhost.services_only(sockets, _mailhost.ephemeral_range(read_proc("/proc/sys/net/ipv4/ip_local_port_range")))
    owners = _socket_owners(set(s["inode"] for s in sockets))
    unique = {}
    for item in sockets:
        key = (item["protocol"], item["address"], item["port"])
        process, unit = owners.get(item["inode"], (None, None))
        unique[key] = dict(protocol=item["protocol"], address=item["address"], port=item["port"],
                           process=process, unit=unit)
    return [unique[k] for k in sorted(unique, key=lambda k: (k[2], k[0], k[1]))]


def _socket_owners(inodes):
    """(process name, systemd unit) owning each of the socket INODES, read from /proc/*/fd and
    /proc/*/cgroup (needs root, with CAP_SYS_PTRACE for processes that changed their user)."""
    owners = {}
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except (IOError, OSError):
            continue
        for fd in fds:
            try:
                target = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            except (IOError, OSError):
                continue
            match = re.match(r"^socket:\[(\d+)\]$", target)
            if match and int(match.group(1)) in inodes and int(match.group(1)) not in owners:
                text, _why = Reader.read("/proc/%s/comm" % pid)
                cgroup, _why = Reader.read("/proc/%s/cgroup" % pid)
                owners[int(match.group(1))] = ((text or "?").strip(), _mailhost.unit_of_cgroup(cgroup) or None)
    return owners


def _packages(reader):
    rc, out, err = reader.run("dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", *PACKAGES)
    if rc is None:
        return {}
    installed = dict((name, False) for name in PACKAGES)
    for line in out.splitlines():
        name, _sep, state = line.partition(" ")
        if name in installed:
            installed[name] = state.strip() == "installed"
    installed["sendmail"] = installed["sendmail"] or installed.pop("sendmail-bin")
    return installed


def _units(reader):
    rc, out, _err = reader.run("systemctl", "show", "--property=ActiveState,UnitFileState,LoadState", *UNITS)
    if rc is None:
        return {}
    shown = _mailhost.parse_systemctl_show(out, UNITS)
    return dict((unit, dict(active=shown.get(unit, {}).get("ActiveState", "unknown"),
                            enabled=shown.get(unit, {}).get("UnitFileState") or "absent",
                            loaded=shown.get(unit, {}).get("LoadState", "unknown"))) for unit in UNITS)


def _uid(name):
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def _firewall(reader, listeners, admin_networks, ssh_port=_controls.SSH_PORT, mta_users=("postfix",)):
    """The live ruleset's answers: for a stranger, each mail port, SSH and every port something
    listens on beyond loopback; SSH from each admin network; outbound SMTP as nobody and as each MTA user."""
    rc, out, err = reader.run("nft", "-j", "list", "ruleset")
    if rc is None:
        return dict(nft_available=False, input_policy="none")
    if rc != 0:
        return dict(nft_available=True, input_policy="unreadable", error=err.strip())
    ports = set((p, "tcp") for p in (ssh_port,) + _controls.MAIL_PORTS)
    ports.update((item["port"], item["protocol"]) for item in listeners
                 if not _mailhost.is_loopback(item.get("address")))
    users = [(name, uid) for name, uid in [(name, _uid(name)) for name in ["nobody"] + list(mta_users)] if uid is not None]
    found = dict(nft_available=True, input_policy=_nftables.input_policy(out), ssh_port=ssh_port,
                 mta_users=list(mta_users))
    try:
        found.update(_nftables.evidence(out, sorted(ports), users, admin_networks, ssh_port=ssh_port))
    except (ValueError, KeyError, TypeError) as error:
        found["error"] = "the ruleset could not be evaluated: %s" % error
    return found


def _logs(reader, packages):
    """Where logs go and how long the journal keeps them."""
    _rc, out, _err = reader.run("systemd-analyze", "cat-config", "systemd/journald.conf")
    journald = _mailhost.parse_journald(out)
    storage = journald.get("Storage", "auto")
    persistent = storage == "persistent" or (storage == "auto" and os.path.isdir("/var/log/journal"))
    return dict(storage=storage, persistent=persistent,
                max_retention=journald.get("MaxRetentionSec", ""), max_use=journald.get("SystemMaxUse", ""),
                retention_days=_mailhost.timespan_days(journald.get("MaxRetentionSec", "0")),
                rsyslog_installed=bool(packages.get("rsyslog")))


def _updates(reader, packages):
    _rc, out, _err = reader.run("apt-config", "dump")
    return dict(unattended_upgrades_installed=bool(packages.get("unattended-upgrades")),
                periodic_unattended_upgrade=_mailhost.apt_config_value(out, "APT::Periodic::Unattended-Upgrade"))


def _clamav(reader, packages, units):
    if not packages.get("clamav-daemon"):
        return dict(installed=False)
    try:
        names = sorted(os.listdir(CLAMAV_DATABASES))
    except (IOError, OSError):
        names = []
    databases = [n for n in names if n.rsplit(".", 1)[-1] in CLAMAV_SIGNATURE_SUFFIXES]
    official = [n for n in databases if n.split(".")[0] in ("main", "daily")]
    # The official daily database decides the age when it is there; otherwise the newest local file.
    timed = [n for n in official if n.startswith("daily.")] or databases
    newest = None
    for name in timed:
        try:
            mtime = os.stat(os.path.join(CLAMAV_DATABASES, name)).st_mtime
        except (IOError, OSError):
            continue
        newest = max(newest or mtime, mtime)
    age = None if newest is None else int((datetime.datetime.now().timestamp() - newest) // 3600)
    milter, why = reader.read(CLAMAV_MILTER_CONF)
    clamd, clamd_why = reader.read(CLAMD_CONF)
    return dict(installed=True, units=_unit_states(units, "clamav-daemon.service", "clamav-milter.service"),
                signature_age_hours=age, databases=databases, official_database=bool(official),
                memory_mb=_memory_mb(reader),
                milter_conf=_mailhost.parse_key_values(milter) if milter is not None else why,
                clamd_conf=_mailhost.parse_key_values(clamd) if clamd is not None else clamd_why)


def _mimedefang(reader, packages, units):
    """Sanitize mode's MIMEDefang: its settings and what its filter shows (docs/filtering.md, the two policies)."""
    if not packages.get("mimedefang"):
        return dict(installed=False)
    settings, why = reader.read(MIMEDEFANG_SETTINGS)
    filter_, filter_why = reader.read(MIMEDEFANG_FILTER)
    return dict(installed=True, units=_unit_states(units, "mimedefang.service"),
                settings=_sanitize.parse_settings(settings) if settings is not None else why,
                filter=_sanitize.parse_filter(filter_) if filter_ is not None else filter_why)


def _submission_passwd(reader):
    """The schemes of the submission accounts' passwd-file (MAIL-SMTPD-014); no hash leaves the host."""
    if not os.path.exists(_controls.SUBMISSION_PASSWD):
        return dict(exists=False)
    text, why = reader.read(_controls.SUBMISSION_PASSWD)
    if text is None:
        return dict(exists=True, error=why)
    return dict(exists=True, accounts=_passwords.schemes(text))


def _advisories_state(reader, packages, units, now=None):
    """debsecan: installed, its timer, and its history (when it last reported, what has a fix not installed)."""
    timer = units.get(_advisories.UNIT + ".timer", {})
    found = dict(installed=bool(packages.get("debsecan")),
                 timer=dict(enabled=timer.get("enabled", "unknown"), active=timer.get("active", "unknown")),
                 time=None, age_hours=None, fixable=[], history_error="")
    if not found["installed"]:
        return found
    text, why = reader.read(_advisories.HISTORY)
    if text is None:
        found["history_error"] = why
        return found
    try:
        history = _advisories.parse_history(text)
    except ValueError as error:
        found["history_error"] = str(error)
        return found
    now = now or datetime.datetime.now(datetime.timezone.utc)
    found.update(time=history["time"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                 age_hours=(now - history["time"]).total_seconds() / 3600.0,
                 fixable=_advisories.fixable(history["entries"]))
    return found


def _monitoring_state(reader, packages, units, now=None):
    """The monitoring role's timers, the monitor's last round (its state file) and fail2ban's SMTP AUTH jail
    (MAIL-MON-001 and 002)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    found = dict(installed=bool(packages.get("pflogsumm")),
                 timers=dict((name, dict(enabled=units.get(name, {}).get("enabled", "unknown"),
                                         active=units.get(name, {}).get("active", "unknown"))) for name in MONITOR_TIMERS),
                 checked=None, age_minutes=None, errors=[], alerts=[], state_error="")
    text, why = reader.read(_monitoring.STATE)
    if text is None:
        found["state_error"] = why
    else:
        try:
            found.update(_monitoring.state_evidence(text, now))
        except ValueError as error:
            found["state_error"] = str(error)
    service = units.get("fail2ban.service", {})
    fail2ban = dict(installed=bool(packages.get("fail2ban")), active=service.get("active", "unknown"),
                    jail=_monitoring.JAIL, status=None, error="")
    if fail2ban["installed"] and fail2ban["active"] == "active":
        rc, out, err = reader.run("fail2ban-client", "status", _monitoring.JAIL)
        try:
            fail2ban["status"] = _monitoring.parse_jail(out) if rc == 0 else None
        except ValueError as error:
            fail2ban["error"] = str(error)
        if rc != 0:
            fail2ban["error"] = (err or out).strip()[:200] or "fail2ban-client exited with %s" % rc
    found["fail2ban"] = fail2ban
    return found


def _backups(reader, packages, units, now=None):
    """The backup role's schedule and the repository's newest snapshot (MAIL-BAK-001 to 003). The snapshots
    are listed without a lock (restic --no-lock), so the audit writes nothing to the repository."""
    env_text, why = reader.read(_backup.ENV_FILE)
    if env_text is None:
        return dict(configured=False, installed=bool(packages.get("restic")), why=why)
    env = _backup.parse_env(env_text)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    found = dict(configured=True, installed=bool(packages.get("restic")),
                 repository=_backup.repository_shown(env.get("RESTIC_REPOSITORY")),
                 timers=dict((name, dict(enabled=units.get(name, {}).get("enabled", "unknown"),
                                         active=units.get(name, {}).get("active", "unknown"))) for name in BACKUP_TIMERS),
                 latest=None, snapshots_error="", checked=None, checked_age_days=None)
    argv = ["timeout", str(BACKUP_READ_SECONDS), "restic", "--no-lock", "--no-cache"]
    if env.get(_backup.SFTP_VARIABLE):
        argv += ["-o", "sftp.command=" + env[_backup.SFTP_VARIABLE]]
    argv += ["snapshots", "--json", "--tag", _backup.TAG]
    if env.get(_backup.HOST_VARIABLE):
        argv += ["--host", env[_backup.HOST_VARIABLE]]
    rc, out, err = reader.run(*argv, env=dict((k, v) for k, v in env.items() if k.startswith("RESTIC_")))
    if rc != 0:
        found["snapshots_error"] = ((err or out).strip() or "restic exited with %s" % rc).splitlines()[-1][:300]
    else:
        try:
            snapshots = _backup.parse_snapshots(out)
        except ValueError as error:
            found["snapshots_error"] = str(error)
        else:
            if snapshots:
                found["latest"] = dict(snapshots[0], age_hours=_backup.age_hours(snapshots[0]["time"], now))
            found["count"] = len(snapshots)
    try:
        checked = datetime.datetime.fromtimestamp(os.stat(_backup.CHECKED_STAMP).st_mtime, datetime.timezone.utc)
    except OSError:
        pass
    else:
        found["checked"] = checked.strftime("%Y-%m-%dT%H:%M:%SZ")
        found["checked_age_days"] = (now - checked).total_seconds() / 86400.0
    return found


def _opendkim(reader, packages, units):
    """OpenDKIM's settings, tables and keys. Of each key only its public half leaves the host: openssl
    derives it (and the size) from the private key, whose text is never read by the module."""
    if not packages.get("opendkim"):
        return dict(installed=False)
    text, why = reader.read(OPENDKIM_CONF)
    conf = _mailhost.parse_key_values(text) if text is not None else {}
    tables = {}
    for name in ("keytable", "signingtable"):
        path = _mailhost.dataset_path(conf.get(name))
        tables[name] = reader.read(path)[0] if path else None
    keys, signing = _mailhost.opendkim_tables(tables["keytable"], tables["signingtable"])
    for key in keys:
        try:
            info = os.stat(key["path"])
        except (IOError, OSError, ValueError) as error:  # ValueError: a NUL in the KeyTable's path
            key["error"] = "%s: %s" % (key["path"], getattr(error, "strerror", None) or error)
            continue
        key["mode"] = "%04o" % (info.st_mode & 0o7777)
        key["owner"] = _user_name(info.st_uid)
        _rc, out, err = reader.run("openssl", "pkey", "-in", key["path"], "-pubout", "-text_pub")
        key["public_key"], key["bits"] = _mailhost.public_key(out)
        if key["public_key"] is None:
            key["error"] = "openssl could not read %s: %s" % (key["path"], (err or "").strip()[:200])
    return dict(installed=True, units=_unit_states(units, "opendkim.service"),
                conf=conf if text is not None else why, signing_keys=keys, signing=signing)


def _opendmarc(reader, packages, units):
    if not packages.get("opendmarc"):
        return dict(installed=False)
    text, why = reader.read(OPENDMARC_CONF)
    return dict(installed=True, units=_unit_states(units, "opendmarc.service"),
                conf=_mailhost.parse_key_values(text) if text is not None else why)


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _memory_mb(reader):
    text, _why = reader.read("/proc/meminfo")
    match = re.search(r"MemTotal:\s+(\d+)", text or "")
    return int(match.group(1)) // 1024 if match else None


def _spamassassin(reader, packages, units):
    if not (packages.get("spamd") or packages.get("spamassassin")):
        return dict(installed=False)
    texts = []
    for directory in SPAMASSASSIN_CONFIG_DIRS:
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".cf") or n.endswith(".pre"))
        except (IOError, OSError):
            continue
        for name in names:
            text, _why = reader.read(os.path.join(directory, name))
            texts.append(text or "")
    return dict(installed=True, units=_unit_states(units, "spamd.service", "spamassassin.service",
                                                   "spamass-milter.service"),
                config=_mailhost.spamassassin_settings(texts), milter_args=_process_args("spamass-milter"))


def _process_args(name):
    """The command line of the running process NAME (from /proc), or None when none runs."""
    for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open("/proc/%s/comm" % pid) as handle:
                if handle.read().strip() != name:
                    continue
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                return [a.decode("utf-8", "replace") for a in handle.read().split(b"\0") if a]
        except (IOError, OSError):
            continue
    return None


def _unit_states(units, *names):
    return dict((name, units.get(name, {}).get("active", "unknown")) for name in names)


def _host(reader, postfix):
    name = (postfix.get("effective") or {}).get("myhostname") or socket.gethostname()
    if "." not in name:
        try:
            name = socket.getfqdn(name)
        except (UnicodeError, ValueError, TypeError):  # a NUL, or a name IDNA cannot encode: kept as postconf gave it
            pass
    try:
        resolved = sorted(set(info[4][0] for info in socket.getaddrinfo(name, None)))
    except (socket.gaierror, UnicodeError, OSError):
        resolved = []
    _rc, out, _err = reader.run("ip", "-j", "address", "show")
    return dict(fqdn=name, resolved=resolved, addresses=_mailhost.global_addresses(out))


def gather(module, config_dir, admin_networks=(), ssh_port=_controls.SSH_PORT, mta_users=("postfix",)):
    reader = Reader(module)
    packages = _packages(reader)
    units = _units(reader)
    postfix = _postfix(reader, config_dir)
    listeners = _listeners()
    return dict(host=_host(reader, postfix), postfix=postfix, listeners=listeners, packages=packages, units=units,
                firewall=_firewall(reader, listeners, admin_networks, ssh_port, mta_users),
                submission_passwd=_submission_passwd(reader),
                updates=_updates(reader, packages), advisories=_advisories_state(reader, packages, units),
                logs=_logs(reader, packages),
                clamav=_clamav(reader, packages, units), mimedefang=_mimedefang(reader, packages, units),
                spamassassin=_spamassassin(reader, packages, units), backup=_backups(reader, packages, units),
                monitoring=_monitoring_state(reader, packages, units),
                opendkim=_opendkim(reader, packages, units), opendmarc=_opendmarc(reader, packages, units),
                policyd_spf=dict(installed=bool(packages.get("postfix-policyd-spf-python"))))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            mode=dict(type="str", choices=list(_controls.MODES)),
            config_dir=dict(type="path", default="/etc/postfix"),
            admin_networks=dict(type="list", elements="str", default=[]),
            ssh_port=dict(type="int", default=_controls.SSH_PORT),
            mta_users=dict(type="list", elements="str", default=["postfix"]),
            optouts=dict(type="list", elements="dict", default=[],
                         options=dict(id=dict(type="str", required=True), reason=dict(type="str", required=True))),
        ),
        supports_check_mode=True,
    )
    try:
        _inputs.networks(module.params["admin_networks"], "admin_networks", bare_address=True)
    except _inputs.Refusal as refusal:
        module.fail_json(msg="%s; list the networks SSH must stay reachable from, e.g. 192.0.2.0/24" % refusal)
    try:
        _inputs.port(module.params["ssh_port"], "ssh_port")
        _inputs.a_list(module.params["mta_users"], "mta_users", _inputs.user_name, "['postfix']", allow_empty=False)
    except _inputs.Refusal as refusal:
        module.fail_json(msg="%s; give the host's SSH port (mailsec_ssh_port) and the users that send mail "
                             "(mailsec_mta_users)" % refusal)
    evidence = gather(module, module.params["config_dir"], module.params["admin_networks"], module.params["ssh_port"],
                      module.params["mta_users"])
    mode = module.params["mode"] or _controls.infer_mode(evidence)
    optout_problems = _controls.optout_problems(module.params["optouts"], "optouts")
    if optout_problems:
        module.fail_json(msg="; ".join(optout_problems) + " (set in mailsec_control_optouts)")
    findings = _controls.evaluate(evidence, mode, optouts=module.params["optouts"])
    summary = _controls.summarize(findings)
    module.exit_json(changed=False, mode=mode, mode_inferred=not module.params["mode"], evidence=evidence,
                     findings=findings, summary=summary)


if __name__ == "__main__":
    main()
