# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The control catalogue: every control of mailsec.hardening, written once, as data.

Each control has an ID, a title, a family, a severity, the modes it applies to, what it expects,
the check that judges evidence against it, the role variable that fixes it, and its references.
Readers:

* the postfix role writes the main.cf settings of the controls it implements (``role_settings``);
* ``mailhost_info`` judges a host's own evidence, the audit's network checks judge what a vantage
  host saw (``evaluate``);
* ``docs/controls.md`` is generated from it (``markdown``), and the reports carry its IDs.

Evidence is a plain dict (see ``Evidence``); no I/O happens here.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mta_sts
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _advisories
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _backup
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _monitoring
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _filters
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _mailhost
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _passwords
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _postfix_settings
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _sanitize
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments

SEVERITIES = ("critical", "high", "medium", "low", "info")
STATUSES = ("pass", "fail", "waived", "not_applicable", "error")
MODES = ("mx", "relay_client", "local_only")
ALL_MODES = MODES
SERVING = ("mx",)
CLIENTS = ("relay_client", "local_only")
DELIVERING = ("mx", "local_only")  # hosts that deliver mail locally, and so read aliases

# --- Values the roles and the audit share -------------------------------------------------------------------
# Each is written once, here; templates and role variables read them through the shared_value filter.
SMTP_PORT = 25
SUBMISSION_PORTS = (587, 465)
# Local delivery by Dovecot's LDA (mailbox role), with a configuration of its own: the postfix role
# runs COMMAND as mailbox_command ($SENDER and $RECIPIENT are Postfix's, quoted by it).
MAILBOX_LDA = dict(config="/etc/dovecot/mailsec-lda.conf",
                   command='/usr/lib/dovecot/dovecot-lda -c /etc/dovecot/mailsec-lda.conf -f "$SENDER" -a "$RECIPIENT"')
# RFC 8461 §3.3: senders fetch an MTA-STS policy over HTTPS on the default port.
MTA_STS_PORT = _mta_sts.PORT
MAIL_PORTS = (SMTP_PORT,) + tuple(sorted(SUBMISSION_PORTS))
SSH_PORT = 22
# TLS versions a server may accept (MAIL-TLS-003, MAIL-TLS-008); the first is the floor.
TLS_ACCEPTED = ("TLSv1.2", "TLSv1.3")
TLS_REFUSED = ("SSLv3", "TLSv1", "TLSv1.1")
# ClamAV documentation: the official database needs 3 GiB; a concurrent reload holds two copies (MAIL-AV-006).
# Mozilla's intermediate profile lets clients choose among strong ciphers (MAIL-TLS-004).
CIPHER_PREEMPT = "no"
CLAMAV_DATABASE_MEMORY_MB = 3072
CLAMAV_RELOAD_MEMORY_MB = 4096
# The master.cf overrides both submission services carry (MAIL-RELAY-009, MAIL-TLS-002, MAIL-RELAY-010):
# TLS before AUTH, AUTH through Dovecot, relaying only for the logged-in owner of the sender. The
# postfix role writes them (with the login map and the rate limits it adds) and the checks read them.
SUBMISSION_OVERRIDES = {
    "smtpd_tls_security_level": "encrypt",
    "smtpd_tls_auth_only": "yes",
    "smtpd_sasl_auth_enable": "yes",
    "smtpd_sasl_type": "dovecot",
    "smtpd_sasl_path": "private/auth",
    "smtpd_sasl_security_options": "noanonymous",
    "smtpd_sasl_tls_security_options": "noanonymous",
    "smtpd_sasl_authenticated_header": "no",
    "smtpd_client_restrictions": "",
    # Mail clients announce names like "laptop"; the HELO checks of port 25 are for servers.
    "smtpd_helo_restrictions": "",
    "smtpd_sender_restrictions": "reject_non_fqdn_sender,reject_sender_login_mismatch",
    "smtpd_relay_restrictions": "permit_sasl_authenticated,reject",
    "smtpd_recipient_restrictions": "reject_non_fqdn_recipient",
    "milter_macro_daemon_name": "ORIGINATING",
}
# A certificate is renewed this many days before it ends: the postfix role remakes its self-signed
# certificate inside this window (openssl x509 -checkend) and MAIL-TLS-011 fails a certificate in it.
CERT_RENEW_DAYS = 30

# The submission accounts' passwd-file: the postfix role writes it, Dovecot reads it, the audit judges its schemes.
SUBMISSION_PASSWD = "/etc/dovecot/mailsec-submission.passwd"
# clamd's socket: the clamav role opens it, MIMEDefang (sanitize mode) scans through it.
CLAMD_SOCKET = "/run/clamav/clamd.ctl"
SHARED = dict(certificate_renew_days=CERT_RENEW_DAYS, clamd_socket=CLAMD_SOCKET, smtp_port=SMTP_PORT, mta_sts_port=MTA_STS_PORT,
              mta_sts_unit=_mta_sts.UNIT, submission_passwd=SUBMISSION_PASSWD,
              advisories=dict(unit=_advisories.UNIT, history=_advisories.HISTORY, suites=_advisories.SUITES,
                              tracker=_advisories.TRACKER),
              monitoring=dict(summary_unit=_monitoring.SUMMARY_UNIT, alerts_unit=_monitoring.ALERTS_UNIT,
                              mail_log_unit=_monitoring.MAIL_LOG_UNIT, script=_monitoring.SCRIPT, config=_monitoring.CONFIG,
                              state_dir=_monitoring.STATE_DIR, state=_monitoring.STATE, mail_log=_monitoring.MAIL_LOG,
                              jail=_monitoring.JAIL, jail_file=_monitoring.JAIL_FILE, filter=_monitoring.FILTER,
                              filter_file=_monitoring.FILTER_FILE,
                              exporter_unit=_monitoring.EXPORTER_UNIT),
              backup=dict(unit=_backup.UNIT, check_unit=_backup.CHECK_UNIT, config_dir=_backup.CONFIG_DIR,
                          env_file=_backup.ENV_FILE, password_file=_backup.PASSWORD_FILE, ssh_key=_backup.SSH_KEY,
                          known_hosts=_backup.KNOWN_HOSTS, state_dir=_backup.STATE_DIR, checked=_backup.CHECKED_STAMP,
                          cache_dir=_backup.CACHE_DIR, tag=_backup.TAG,
                          host_variable=_backup.HOST_VARIABLE, sftp_variable=_backup.SFTP_VARIABLE, paths=list(_backup.PATHS),
                          in_place=list(_backup.RESTORED_IN_PLACE), aside=_backup.RESTORED_ASIDE),
              submission_ports=list(SUBMISSION_PORTS), mail_ports=list(MAIL_PORTS), mailbox_lda=MAILBOX_LDA,
              ssh_port=SSH_PORT, tls_floor=TLS_ACCEPTED[0], clamav_database_memory_mb=CLAMAV_DATABASE_MEMORY_MB,
              clamav_reload_memory_mb=CLAMAV_RELOAD_MEMORY_MB, submission_overrides=SUBMISSION_OVERRIDES,
              trust_ceiling=dict(("ipv%d" % version, prefix) for version, prefix in _mail_policy.DEFAULT_CEILING.items()))

# --- Bounds the roles and the audit share ------------------------------------------------------------------
# Each bound is owned here, by the control that judges it. A role's input type reads it (_input_types), so
# the role refuses what the control would fail; the control's check reads the same numbers.
# Role variable: (control, the setting the audit reads, lowest, highest); None is no bound on that side.
BOUNDS = {
    "postfix_client_connection_count_limit": ("MAIL-DOS-001", "smtpd_client_connection_count_limit", 1, 50),
    "postfix_client_connection_rate_limit": ("MAIL-DOS-002", "smtpd_client_connection_rate_limit", 1, None),
    "postfix_submission_auth_rate_limit": ("MAIL-DOS-003", "smtpd_client_auth_rate_limit", 1, None),
    "postfix_submission_message_rate_limit": ("MAIL-DOS-003", "smtpd_client_message_rate_limit", 1, None),
    "postfix_message_size_limit": ("MAIL-DOS-004", "message_size_limit", 65536, 104857600),
    "postfix_recipient_limit": ("MAIL-DOS-004", "smtpd_recipient_limit", 1, 1000),
    "spamassassin_required_score": ("MAIL-SPAM-003", "required_score", 3, 10),
    "baseline_log_retention_days": ("MAIL-HOST-002", "MaxRetentionSec (days)", 30, None),
}
# main.cf settings no role variable sets, bounded by a control: postfix_extra_settings may not cross them.
# Setting: (control, lowest, highest, unit); 0 switches each limit off, so the lowest is 1.
SETTING_BOUNDS = {
    "smtpd_soft_error_limit": ("MAIL-DOS-005", 1, 10, ""),
    "smtpd_hard_error_limit": ("MAIL-DOS-005", 1, 20, ""),
    "smtpd_junk_command_limit": ("MAIL-DOS-005", 1, 100, ""),
    "smtpd_error_sleep_time": ("MAIL-DOS-005", 1, None, "seconds"),
    "header_size_limit": ("MAIL-DOS-004", 1, 102400, ""),
}


def bound(variable):
    """(lowest, highest) of a role variable or main.cf setting in BOUNDS or SETTING_BOUNDS."""
    entry = BOUNDS.get(variable) or SETTING_BOUNDS[variable]
    return (entry[2], entry[3]) if variable in BOUNDS else (entry[1], entry[2])


def within(value, variable):
    """Whether VALUE lies within the bounds of VARIABLE."""
    low, high = bound(variable)
    return (low is None or value >= low) and (high is None or value <= high)


FAMILIES = {
    "RELAY": "Relay control",
    "NET": "Network exposure and packages",
    "SMTPD": "SMTP protocol hygiene and smuggling",
    "DOS": "Rate and size limits",
    "TLS": "TLS",
    "DNS": "Host identity",
    "AV": "Virus filter",
    "SPAM": "Spam filter",
    "ATT": "Attachment names",
    "BSC": "Backscatter and sender verification",
    "ALIAS": "Aliases and postmaster",
    "HOST": "Host basics",
    "BAK": "Backups",
    "MON": "Monitoring and alerts",
    "REG": "Registration of mail servers",
    "AUTH": "Sender authentication (SPF, DKIM, DMARC, TLS-RPT)",
}

# Where each control's evidence comes from.
HOST = "host"        # mailhost_info on the host itself
NETWORK = "network"  # an SMTP client on a vantage host (relay_probe and the TLS checks)
DNS = "dns"          # DNS answers asked from a vantage host (fcrdns_info)
SCAN = "scan"        # a sweep of address ranges compared with the registry (smtp_scan)
SENDER = "sender"    # the mail domains' records in DNS, judged against the host's keys (mail_auth_info)
SOURCES = (HOST, NETWORK, DNS, SCAN, SENDER)

# Short names for the references, expanded in the generated docs.
REFERENCE_TITLES = {
    "PF": "Postfix documentation, https://www.postfix.org/postconf.5.html",
    "SSG": "ComplianceAsCode (SCAP Security Guide)",
    "STIG": "DISA STIG",
    "CIS": "CIS Benchmark (Debian 12 / Ubuntu / RHEL 9)",
    "LYNIS": "Lynis",
    "RFC": "IETF RFC",
    "MOZ": "Mozilla SSL configuration guidelines",
    "CLAMAV": "ClamAV documentation",
    "MIMEDEFANG": "MIMEDefang documentation, https://mimedefang.org",
    "DOVECOT": "Dovecot documentation, https://doc.dovecot.org",
    "RESTIC": "restic documentation, https://restic.readthedocs.io",
    "DEBSECAN": "debsecan, Debian's security analyzer, https://security-tracker.debian.org/tracker/data/report",
    "PFLOGSUMM": "pflogsumm, the Postfix log summarizer, https://jimsun.linxnet.com/postfix_contrib.html",
    "FAIL2BAN": "fail2ban documentation, https://github.com/fail2ban/fail2ban",
    "SA": "Apache SpamAssassin",
    "NMAP": "nmap scripts (smtp-open-relay, http-open-proxy), https://nmap.org/nsedoc/",
    "AMAVIS": "amavisd-new default configuration",
    "M3AAWG": "M3AAWG best practices",
    "NFT": "nftables wiki, https://wiki.nftables.org",
    "CAMPUS": "University mail-server policies: departmental servers are registered, only registered servers "
              "exchange SMTP with the Internet, and ranges are scanned for misconfigured servers (docs/scanning.md)",
}


class EvidenceMissing(Exception):
    """The evidence a check needs was not gathered; the control's status is ``error``."""


class Evidence(object):
    """Read access to the evidence dict that mailhost_info gathers (host) or the network checks
    return (network). Every accessor raises EvidenceMissing rather than guessing."""

    def __init__(self, data):
        self.data = data if isinstance(data, dict) else {}

    def section(self, name):
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise EvidenceMissing("no %s evidence" % name)
        return value

    # --- Postfix ---------------------------------------------------------------------------
    def postfix(self):
        postfix = self.section("postfix")
        if postfix.get("error"):
            raise EvidenceMissing("Postfix's configuration could not be read: %s" % postfix["error"])
        return postfix

    def param(self, name):
        """The effective value of a main.cf parameter (defaults included, expanded: ``postconf -x``)."""
        effective = self.postfix().get("effective")
        if not isinstance(effective, dict) or name not in effective:
            raise EvidenceMissing("postconf did not report %s" % name)
        return str(effective[name]).strip()

    def words(self, name):
        return [w.lower() for w in _postfix_settings.words(self.param(name))]

    def number(self, name):
        text = self.param(name)
        match = re.match(r"^(\d+)", text)
        if not match:
            raise EvidenceMissing("%s = %s is not a number" % (name, text))
        return int(match.group(1))

    def seconds(self, name):
        """A Postfix time value (60s, 1m, 1h, a bare number of seconds) in seconds."""
        text = self.param(name)
        match = re.match(r"^(\d+)([smhdw]?)\Z", text)
        if not match:
            raise EvidenceMissing("%s = %s is not a time value" % (name, text))
        unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
        return int(match.group(1)) * unit

    def services(self):
        """master.cf services: [{service, type, command, port, overrides}]."""
        services = self.postfix().get("services")
        if not isinstance(services, list) or not all(isinstance(s, dict) for s in services):
            raise EvidenceMissing("master.cf services were not read")
        return services

    # --- DNS (fcrdns_info) -------------------------------------------------------------------
    def fcrdns(self):
        """The per-address FCrDNS verdicts: [{address, ptr, confirmed, reason, generic, ...}]."""
        addresses = self.section("fcrdns").get("addresses")
        if not isinstance(addresses, list) or not addresses:
            raise EvidenceMissing("no egress address was checked in DNS")
        silent = [a for a in addresses if not isinstance(a, dict) or a.get("unresolved") or not a.get("address")]
        if silent:
            raise EvidenceMissing("; ".join(str(a.get("reason") if isinstance(a, dict) else a) for a in silent))
        return addresses

    def smtpd_services(self):
        return [s for s in self.services() if s.get("command") == "smtpd" and s.get("type") == "inet"]

    def submission_services(self):
        return [s for s in self.smtpd_services() if s.get("port") in SUBMISSION_PORTS]

    def receiving_services(self):
        """The smtpd services that take mail from other hosts: beyond loopback, or behind postscreen."""
        return [s for s in self.services() if _postfix_settings.receives_from_network(s)]

    def cleanup_services(self, services):
        """The master.cf cleanup services that SERVICES hand their mail to (their cleanup_service_name)."""
        names = set(self.service_value(s, "cleanup_service_name") for s in services)
        return [s for s in self.services() if s.get("service") in names and s.get("command") == "cleanup"]

    def in_force(self, name, services):
        """Where NAME is set for the mail that master.cf SERVICES handle: [(where, value)], each place once,
        main.cf first. A service's -o override replaces main.cf's value there; main.cf's value is in force
        when some service (or no service at all) leaves it alone."""
        found = []
        if not services or any(name not in (s.get("overrides") or {}) for s in services):
            found.append(("main.cf", self.param(name)))
        for service in services:
            overrides = service.get("overrides") or {}
            if name in overrides:
                found.append((_where(service), str(overrides[name]).strip()))
        return found

    def service_value(self, service, name):
        """The value of NAME for one master.cf SERVICE: its -o override, else main.cf's."""
        overrides = service.get("overrides") or {}
        if name in overrides:
            return str(overrides[name]).strip()
        return self.param(name)

    # --- The host ------------------------------------------------------------------------------
    def installed(self, package):
        packages = self.section("packages")
        if package not in packages:
            raise EvidenceMissing("the state of package %s was not read" % package)
        return bool(packages[package])

    def unit(self, name):
        units = self.section("units")
        if name not in units or not isinstance(units[name], dict):
            raise EvidenceMissing("the state of unit %s was not read" % name)
        return units[name]

    def listeners(self):
        listeners = self.data.get("listeners")
        if not isinstance(listeners, list) or not all(isinstance(item, dict) for item in listeners):
            raise EvidenceMissing("listening sockets were not read")
        return listeners


def _yes(text):
    return text.strip().lower() in ("yes", "true", "1", "on")


def _loopback(address):
    return _mailhost.is_loopback(address)


def _shown(values):
    return ", ".join(values) if values else "(none)"


def _where(service):
    """A master.cf service as evidence names it."""
    return "master.cf service %s/%s" % (service.get("service"), service.get("type"))


def _options(value):
    """The words of a receive_override_options value, lowercased."""
    return [w.lower() for w in _postfix_settings.words(value)]


# --- Checks --------------------------------------------------------------------------------
# Each returns (passed, actual): actual is the evidence shown in reports, in a line or two.

def param_equals(name, expected):
    """Passes when the effective value of NAME is EXPECTED (yes/no compared case-insensitively,
    lists compared word by word)."""
    def check(ev):
        actual = ev.param(name)
        if expected.lower() in ("yes", "no"):
            passed = _yes(actual) == (expected.lower() == "yes")
        else:
            passed = _postfix_settings.words(actual.lower()) == _postfix_settings.words(expected.lower())
        return passed, "%s = %s" % (name, actual)
    return check


def all_of(*checks):
    """Passes when every check passes; shows the evidence of all of them."""
    def check(ev):
        results = [c(ev) for c in checks]
        return all(r[0] for r in results), "; ".join(r[1] for r in results)
    return check


def param_contains(name, *tokens):
    def check(ev):
        words = ev.words(name)
        missing = [t for t in tokens if t not in words]
        return not missing, "%s = %s%s" % (name, ev.param(name),
                                           " (lacks %s)" % ", ".join(missing) if missing else "")
    return check


def param_in(name, allowed):
    def check(ev):
        actual = ev.param(name)
        return actual.lower() in allowed, "%s = %s" % (name, actual)
    return check


def number_between(name, low=None, high=None):
    def check(ev):
        value = ev.number(name)
        passed = (low is None or value >= low) and (high is None or value <= high)
        return passed, "%s = %s" % (name, ev.param(name))
    return check


def within_bounds(variable):
    """The check that the setting a role variable writes lies within its BOUNDS."""
    name = BOUNDS[variable][1]

    def check(ev):
        return within(ev.number(name), variable), "%s = %s" % (name, ev.param(name))
    return check


def _relay_closed(ev):
    relay, recipient = ev.param("smtpd_relay_restrictions"), ev.param("smtpd_recipient_restrictions")
    problems = _postfix_settings.relay_list_problems(relay, recipient)
    actual = "smtpd_relay_restrictions = %s" % (relay or "(empty)")
    return not problems, actual + ("; " + problems[0] if problems else "")


def _recipient_list_safe(ev):
    relay, recipient = ev.param("smtpd_relay_restrictions"), ev.param("smtpd_recipient_restrictions")
    actual = "smtpd_recipient_restrictions = %s" % (recipient or "(empty)")
    if not relay.strip():
        problems = _postfix_settings.relay_list_problems("", recipient)
        return not problems, actual + ("; " + problems[0] if problems else "")
    # Postfix ≥ 2.10 decides relaying in smtpd_relay_restrictions; a PERMIT here still skips
    # every later recipient check, so anything that can permit must come after a refusal.
    for token in _postfix_settings.words(recipient.lower()):
        if token.startswith("check_") or token.startswith("permit") and token not in (
                "permit_mynetworks", "permit_sasl_authenticated", "permit_tls_clientcerts"):
            return False, actual + "; %s can permit mail before the other recipient checks" % token
        if token in ("reject_unauth_destination", "reject", "defer_unauth_destination"):
            break
    return True, actual


_TABLE = re.compile(r"^(/|(hash|btree|cidr|texthash|lmdb|cdb|dbm|regexp|pcre|inline|static|ldap|mysql|pgsql|"
                    r"sqlite|proxy|unionmap|pipemap):)")


def _as_network(entry):
    """A mynetworks entry as CIDR text, or None when it is a table or a name."""
    if _TABLE.match(entry):
        return None
    network = _inputs.read_network(entry)
    return str(network) if network is not None else None


def _trusted_networks_minimal(ev):
    style = ev.param("mynetworks_style").lower()
    entries = _postfix_settings.words(ev.param("mynetworks"))
    actual = "mynetworks = %s; mynetworks_style = %s" % (_shown(entries), style)
    if style == "class":
        return False, actual + "; mynetworks_style = class trusts the provider's whole network"
    networks = [_as_network(e) for e in entries]
    unjudged = [e for e, n in zip(entries, networks) if n is None]
    networks = [n for n in networks if n]
    problems = _mail_policy.network_problems(networks, "mynetworks") + _mail_policy.trust_problems(networks, "mynetworks")
    if unjudged:
        problems.append("mynetworks reads %s, whose trust cannot be judged here; list networks instead"
                        % ", ".join(unjudged))
    return not problems, actual + ("; " + problems[0] if problems else "")


def _relay_domains_empty(ev):
    domains = _postfix_settings.words(ev.param("relay_domains"))
    return not domains, "relay_domains = %s" % _shown(domains)


def _stig_client_list(ev):
    # The STIG text: smtpd_client_restrictions = permit_mynetworks,reject (documented extras allowed).
    words = ev.words("smtpd_client_restrictions")
    return words[:1] == ["permit_mynetworks"] and words[-1:] == ["reject"], \
        "smtpd_client_restrictions = %s" % (ev.param("smtpd_client_restrictions") or "(empty)")


def _port25_no_auth(ev):
    smtp = [s for s in ev.smtpd_services() if s.get("port") == 25]
    offered = [s["service"] for s in smtp if _yes(ev.service_value(s, "smtpd_sasl_auth_enable"))]
    return not offered, "port 25 smtpd_sasl_auth_enable = %s" % (
        "yes on " + ", ".join(offered) if offered else ev.param("smtpd_sasl_auth_enable"))


def _submission_auth_over_tls(ev):
    services = ev.submission_services()
    if not services:
        return True, "no submission service"
    faults = []
    for service in services:
        name = "%s (%s)" % (service["service"], service.get("port"))
        if not _yes(ev.service_value(service, "smtpd_sasl_auth_enable")):
            faults.append("%s: AUTH off" % name)
            continue
        wrapper = _yes(ev.service_value(service, "smtpd_tls_wrappermode"))
        level = ev.service_value(service, "smtpd_tls_security_level").lower()
        if not wrapper and level != SUBMISSION_OVERRIDES["smtpd_tls_security_level"]:
            faults.append("%s: smtpd_tls_security_level = %s" % (name, level or "(empty)"))
        if not wrapper and not _yes(ev.service_value(service, "smtpd_tls_auth_only")):
            faults.append("%s: smtpd_tls_auth_only is off" % name)
        relay = ev.service_value(service, "smtpd_relay_restrictions")
        if [w.lower() for w in _postfix_settings.words(relay)] != _postfix_settings.words(
                SUBMISSION_OVERRIDES["smtpd_relay_restrictions"]):
            faults.append("%s: smtpd_relay_restrictions = %s" % (name, relay))
    fine = "%d submission service(s) take AUTH only over TLS and relay only for logged-in users" % len(services)
    return not faults, "; ".join(faults) or fine


def _submission_sender_owned(ev):
    faults = []
    for service in ev.submission_services():
        maps = ev.service_value(service, "smtpd_sender_login_maps")
        restrictions = [w.lower() for w in _postfix_settings.words(ev.service_value(service, "smtpd_sender_restrictions"))]
        if not maps:
            faults.append("%s: no smtpd_sender_login_maps" % service["service"])
        if not {"reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch"} & set(restrictions):
            faults.append("%s: smtpd_sender_restrictions lack reject_sender_login_mismatch" % service["service"])
    return not faults, "; ".join(faults) or "sender addresses checked against the login map"


def _submission_rate_limits(ev):
    faults, shown = [], []
    for service in ev.submission_services():
        for variable in sorted(v for v, entry in BOUNDS.items() if entry[0] == "MAIL-DOS-003"):
            name = BOUNDS[variable][1]
            value = ev.service_value(service, name)
            shown.append("%s %s = %s" % (service["service"], name, value))
            if not value.isdigit() or not within(int(value), variable):
                faults.append("%s: %s = %s (no limit)" % (service["service"], name, value))
    return not faults, "; ".join(faults or shown)


def _submission_mandatory_tls(ev):
    faults = []
    for service in ev.submission_services():
        wrapper = _yes(ev.service_value(service, "smtpd_tls_wrappermode"))
        level = ev.service_value(service, "smtpd_tls_security_level").lower()
        if service.get("port") == 465 and not wrapper:
            faults.append("%s on 465 without smtpd_tls_wrappermode" % service["service"])
        if service.get("port") == 587 and level != SUBMISSION_OVERRIDES["smtpd_tls_security_level"]:
            faults.append("%s on 587 with smtpd_tls_security_level = %s" % (service["service"], level))
    return not faults, "; ".join(faults) or "TLS is required on every submission port"


def _local_only(ev):
    interfaces = ev.param("inet_interfaces")
    public = sorted({"%s:%s" % (item.get("address"), item.get("port")) for item in ev.listeners()
                     if item.get("port") in MAIL_PORTS and not _loopback(str(item.get("address", "")))})
    passed = interfaces.lower() in ("loopback-only", "localhost", "127.0.0.1", "127.0.0.1, [::1]") and not public
    return passed, "inet_interfaces = %s; mail ports open beyond loopback: %s" % (interfaces, _shown(public))


_APPROVED_SERVICES = {25: "smtp", 465: "submissions", 587: "submission"}


def _approved_postfix_listeners(ev):
    stray = []
    for service in ev.services():
        if service.get("type") != "inet":
            continue
        port = service.get("port")
        address = str(service.get("address") or "")
        if port in _APPROVED_SERVICES or _loopback(address):
            continue
        stray.append("%s (%s %s)" % (service["service"], service.get("command"), port))
    return not stray, "inet services beyond %s and loopback: %s" % (", ".join(map(str, MAIL_PORTS)), _shown(stray))


# Ports a departmental mail host may expose besides mail: SSH for its administrators.
_HOST_PORTS = {22: "ssh", 25: "smtp", 465: "submissions", 587: "submission"}


def _mta_sts_served(ev):
    """Whether the mail_auth role's web server holds the HTTPS port: an mx serving its MTA-STS policy,
    whose port 443 is then expected open."""
    return any(item.get("unit") == _mta_sts.UNIT and item.get("port") == MTA_STS_PORT for item in ev.listeners())


def _no_other_exposed_services(ev):
    mode = ev.data.get("mode")
    allowed = set(_HOST_PORTS) if mode == "mx" else {22}
    if mode == "mx" and _mta_sts_served(ev):
        allowed.add(MTA_STS_PORT)
    exposed = sorted({"%s/%s %s (%s)" % (item.get("port"), item.get("protocol", "tcp"), item.get("address"),
                                         item.get("process") or "?")
                      for item in ev.listeners()
                      if not _loopback(str(item.get("address", ""))) and item.get("port") not in allowed})
    return not exposed, "listening beyond loopback and %s: %s" % (
        ", ".join(str(p) for p in sorted(allowed)), _shown(exposed))


def _firewall_present(ev):
    firewall = ev.section("firewall")
    policy = str(firewall.get("input_policy") or "none").lower()
    passed = policy in ("drop", "reject")
    return passed, "nftables input policy: %s%s" % (
        policy, "" if firewall.get("nft_available", True) else " (nft is not installed)")


def _firewall_answers(ev, kind):
    """The live ruleset's verdicts of one KIND (inbound, admin, outbound), from mailhost_info."""
    firewall = ev.section("firewall")
    if not firewall.get("nft_available", True):
        return None
    if firewall.get("error") or kind not in firewall:
        raise EvidenceMissing("the live nftables ruleset could not be read: %s" % (
            firewall.get("error") or "no %s verdicts" % kind))
    return firewall[kind]


def _verdict_text(answer):
    where = "%s/%s %s" % (answer.get("port"), answer.get("protocol", "tcp"), answer.get("family"))
    who = (" from %s" % answer["source"]) if answer.get("source") else (
        (" as %s" % answer["user"]) if answer.get("user") else "")
    doubt = " (could not judge: %s)" % "; ".join(answer["uncertain"][:2]) if answer.get("uncertain") else ""
    return "%s%s: %s by %s%s" % (where, who, answer.get("verdict"), answer.get("by"), doubt)


def _firewall_mail_ports_only(ev):
    answers = _firewall_answers(ev, "inbound")
    if answers is None:
        return False, "nft is not installed: nothing filters the ports"
    mode = ev.data.get("mode")
    needed = {SMTP_PORT} if mode == "mx" else set()
    optional = set(SUBMISSION_PORTS) if mode == "mx" else set()
    if mode == "mx" and _mta_sts_served(ev):
        optional.add(MTA_STS_PORT)
    listening = set((item.get("port"), item.get("protocol", "tcp")) for item in ev.listeners()
                    if not _loopback(str(item.get("address", ""))))
    open_needless = [a for a in answers if a.get("verdict") == "accept" and a.get("port") not in needed | optional
                     and ((a.get("port"), a.get("protocol", "tcp")) in listening or a.get("port") == _ssh_port(ev))]
    closed_needed = [a for a in answers if a.get("verdict") != "accept" and a.get("port") in needed]
    shown = [_verdict_text(a) for a in open_needless + closed_needed]
    opened = sorted(set("%s/%s" % (a["port"], a.get("protocol", "tcp")) for a in answers if a.get("verdict") == "accept"))
    return not open_needless and not closed_needed, "open to a stranger: %s%s" % (
        _shown(opened), ("; wrong: " + ", ".join(shown)) if shown else "")


def _ssh_port(ev):
    """The SSH port the host intent names (mailsec_ssh_port, given to mailhost_info), else 22."""
    return ev.section("firewall").get("ssh_port") or SSH_PORT


def _firewall_ssh_admin_only(ev):
    answers = _firewall_answers(ev, "inbound")
    if answers is None:
        return False, "nft is not installed: SSH is open to everyone who reaches the host"
    ssh = [a for a in answers if a.get("port") == _ssh_port(ev) and a.get("protocol", "tcp") == "tcp"]
    admin = _firewall_answers(ev, "admin") or []
    strangers_in = [a for a in ssh if a.get("verdict") == "accept"]
    locked_out = [a for a in admin if a.get("verdict") != "accept"]
    text = "; ".join(_verdict_text(a) for a in ssh + admin)
    return bool(ssh) and not strangers_in and not locked_out, text or "no verdict on port %s" % _ssh_port(ev)


def _firewall_outbound_mta_only(ev):
    answers = _firewall_answers(ev, "outbound")
    if answers is None:
        return False, "nft is not installed: every process can send SMTP to the world"
    mta_users = ev.section("firewall").get("mta_users") or ["postfix"]
    others = [a for a in answers if a.get("user") not in mta_users]
    mta = [a for a in answers if a.get("user") in mta_users and a.get("port") == 25]
    others_out = [a for a in others if a.get("verdict") == "accept"]
    mta_blocked = [a for a in mta if a.get("verdict") != "accept"] if ev.data.get("mode") != "local_only" else []
    shown = [_verdict_text(a) for a in (others_out + mta_blocked)] or \
        sorted(set("%s:%s %s" % (a.get("user"), a.get("port"), a.get("verdict")) for a in answers if a.get("family") == "ipv4"))
    return bool(others) and not others_out and not mta_blocked, "; ".join(shown)


def _logs_kept(ev):
    logs = ev.section("logs")
    days = logs.get("retention_days")
    kept = logs.get("persistent") and (days is None or days == 0 or within(days, "baseline_log_retention_days"))
    return bool(kept) or bool(logs.get("rsyslog_installed")), "journal Storage=%s (%s on disk), MaxRetentionSec=%s%s" % (
        logs.get("storage"), "kept" if logs.get("persistent") else "not kept", logs.get("max_retention") or "unset",
        "; rsyslog writes /var/log" if logs.get("rsyslog_installed") else "")


def _backup_section(ev):
    backup = ev.section("backup")
    if backup.get("error"):
        raise EvidenceMissing(backup["error"])
    return backup


def _backups_scheduled(ev):
    backup = _backup_section(ev)
    if not backup.get("configured"):
        return False, "no backup: %s.timer is not installed (%s absent)" % (_backup.UNIT, _backup.ENV_FILE)
    timers = backup.get("timers") or {}
    idle = ["%s %s/%s" % (name, state.get("enabled"), state.get("active")) for name, state in sorted(timers.items())
            if state.get("enabled") != "enabled" or state.get("active") != "active"]
    latest = backup.get("latest")
    if backup.get("snapshots_error"):
        raise EvidenceMissing("the backup repository %s could not be read: %s"
                              % (backup.get("repository"), backup["snapshots_error"]))
    if not latest:
        return False, "repository %s holds no snapshot tagged %s" % (backup.get("repository"), _backup.TAG)
    gaps = _backup.missing(latest.get("paths") or [], "opendkim" in components(ev.data))
    faults = (["timers not running: " + ", ".join(idle)] if idle else []) + \
        (["the newest snapshot leaves out " + ", ".join(gaps)] if gaps else [])
    return not faults, "%s; snapshot %s holds %d paths, repository %s (encrypted by restic)" % (
        "; ".join(faults) or "both timers enabled and running", latest.get("id"), len(latest.get("paths") or []),
        backup.get("repository"))


def _backup_recent(ev):
    backup = _backup_section(ev)
    if backup.get("snapshots_error"):
        raise EvidenceMissing("the backup repository %s could not be read: %s"
                              % (backup.get("repository"), backup["snapshots_error"]))
    latest = backup.get("latest")
    if not latest:
        return False, "no snapshot in repository %s" % backup.get("repository")
    hours = latest.get("age_hours")
    return hours is not None and hours <= _backup.MAX_BACKUP_AGE_HOURS, "newest snapshot %s of %s, %s hours old" % (
        latest.get("id"), latest.get("time"), "?" if hours is None else "%.1f" % hours)


def _backup_checked(ev):
    backup = _backup_section(ev)
    days = backup.get("checked_age_days")
    if days is None:
        return False, "no check of the repository on record (%s absent)" % _backup.CHECKED_STAMP
    return days <= _backup.MAX_CHECK_AGE_DAYS, "restic check last passed %s, %.1f days ago" % (backup.get("checked"), days)


def _passwords_slow(ev):
    found = ev.section("submission_passwd")
    if found.get("error"):
        raise EvidenceMissing("%s could not be read: %s" % (SUBMISSION_PASSWD, found["error"]))
    if not found.get("exists"):
        return True, "no passwd-file of the collection (%s): the accounts are the host's own (PAM)" % SUBMISSION_PASSWD
    accounts = found.get("accounts") or []
    weak = ["%s (%s)" % (a["user"], a["scheme"]) for a in accounts if not a.get("slow")]
    return not weak, "%d account%s in %s%s" % (len(accounts), "" if len(accounts) == 1 else "s", SUBMISSION_PASSWD,
                                               "; stored without a slow salted hash: " + ", ".join(weak) if weak
                                               else ", every password a slow salted hash (%s)" % ", ".join(
                                                   sorted(set(a["scheme"] for a in accounts))) if accounts else "")


def _package_absent(package):
    def check(ev):
        installed = ev.installed(package)
        return not installed, "%s is %s" % (package, "installed" if installed else "not installed")
    return check


def _postfix_running(ev):
    unit = ev.unit("postfix.service")
    active, enabled = unit.get("active", "unknown"), unit.get("enabled", "unknown")
    return active == "active" and enabled == "enabled", "postfix.service %s, %s" % (active, enabled)


def _banner_hides_software(ev):
    banner = ev.param("smtpd_banner")
    mail_name = ev.param("mail_name")
    leaks = re.search(r"\$\{?mail_name|\$\{?mail_version|postfix|debian|ubuntu", banner, re.I)
    starts = banner.startswith("$myhostname") or banner.startswith("${myhostname}") or \
        banner.lower().startswith(ev.param("myhostname").lower())
    return starts and not leaks, "smtpd_banner = %s (mail_name = %s)" % (banner, mail_name)


def _parses_cleanly(ev):
    warnings = ev.postfix().get("warnings")
    if not isinstance(warnings, list):
        raise EvidenceMissing("postconf warnings were not read")
    return not warnings, "postconf warnings: %s" % (" | ".join(warnings[:3]) if warnings else "none")


def _compatibility_current(ev):
    level = ev.param("compatibility_level")
    match = re.match(r"^(\d+)(?:\.(\d+))?", level)
    if not match:
        return False, "compatibility_level = %s (backwards-compatible defaults in force)" % level
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    return (major, minor) >= (3, 6), "compatibility_level = %s" % level


def _proxy_trust_loopback(ev):
    faults = []
    for name in ("smtpd_authorized_xclient_hosts", "smtpd_authorized_xforward_hosts"):
        entries = _postfix_settings.words(ev.param(name))
        wide = [e for e in entries if not _loopback(e.split("/")[0])]
        if wide:
            faults.append("%s = %s" % (name, ", ".join(entries)))
    return not faults, "; ".join(faults) or "XCLIENT and XFORWARD only for loopback (or nobody)"


def _error_throttles(ev):
    faults, shown = [], []
    for name in sorted(n for n, entry in SETTING_BOUNDS.items() if entry[0] == "MAIL-DOS-005"):
        value = (ev.seconds if SETTING_BOUNDS[name][3] == "seconds" else ev.number)(name)
        shown.append("%s = %s" % (name, ev.param(name)))
        if not within(value, name):
            faults.append("%s = %s (%s)" % (name, ev.param(name), bound_text(name)))
    return not faults, "; ".join(faults or shown)


def bound_text(variable):
    """The bounds of VARIABLE in words: 'from 1 to 10', 'at least 1'."""
    low, high = bound(variable)
    if high is None:
        return "at least %s" % low
    return "from %s to %s" % (low, high) if low is not None else "at most %s" % high


def _size_limits(ev):
    size, header, recipients = (ev.number("message_size_limit"), ev.number("header_size_limit"),
                                ev.number("smtpd_recipient_limit"))
    passed = (within(size, "postfix_message_size_limit") and within(header, "header_size_limit")
              and within(recipients, "postfix_recipient_limit"))
    return passed, "message_size_limit = %d; header_size_limit = %d; smtpd_recipient_limit = %d" % (
        size, header, recipients)


def _tls_floor(ev):
    faults = []
    for name in ("smtpd_tls_protocols", "smtpd_tls_mandatory_protocols"):
        value = ev.param(name)
        if not _refuses_old_tls(value):
            faults.append("%s = %s" % (name, value or "(empty)"))
    return not faults, "; ".join(faults) or "smtpd_tls_protocols = %s; smtpd_tls_mandatory_protocols = %s" % (
        ev.param("smtpd_tls_protocols"), ev.param("smtpd_tls_mandatory_protocols"))


def _refuses_old_tls(value):
    """Whether a Postfix protocol list excludes SSLv2/3 and TLS 1.0/1.1 (">=TLSv1.2" or "!" items)."""
    text = value.replace(" ", "").replace(",", ":")
    floor = re.search(r">=\s*TLSv1\.([23])", text)
    if floor:
        return True
    excluded = {item[1:].lower() for item in text.split(":") if item.startswith("!")}
    return {"sslv2", "sslv3", "tlsv1", "tlsv1.1"} <= excluded


def _key_and_certificate(ev):
    tls = ev.postfix().get("tls_files")
    if not isinstance(tls, dict):
        raise EvidenceMissing("the TLS certificate and key were not read")
    faults = []
    key = tls.get("key") or {}
    cert = tls.get("cert") or {}
    if not key.get("exists"):
        faults.append("key %s missing" % key.get("path"))
    elif key.get("owner") != "root" or int(str(key.get("mode", "0777")), 8) & 0o077:
        faults.append("key %s is %s, mode %s (want root, 0600)" % (key.get("path"), key.get("owner"), key.get("mode")))
    if not cert.get("exists"):
        faults.append("certificate %s missing" % cert.get("path"))
    else:
        if cert.get("days_left") is not None and cert["days_left"] < 0:
            faults.append("certificate expired %d days ago" % -cert["days_left"])
        names = [n.lower() for n in cert.get("names") or []]
        host = ev.param("myhostname").lower()
        if names and host not in names and not any(n.startswith("*.") and host.split(".", 1)[-1] == n[2:] for n in names):
            faults.append("certificate names %s, not %s" % (", ".join(names), host))
    return not faults, "; ".join(faults) or "key %s root 0600; certificate for %s, %s days left" % (
        key.get("path"), ", ".join(cert.get("names") or []), cert.get("days_left"))


def _certificate_lasts(ev):
    tls = ev.postfix().get("tls_files")
    if not isinstance(tls, dict):
        raise EvidenceMissing("the TLS certificate and key were not read")
    cert = tls.get("cert") or {}
    if not cert.get("exists"):
        return False, "certificate %s missing" % cert.get("path")
    days = cert.get("days_left")
    if days is None:
        raise EvidenceMissing("the end date of certificate %s was not read%s" % (
            cert.get("path"), ": %s" % cert["error"] if cert.get("error") else ""))
    if days < CERT_RENEW_DAYS:
        return False, "certificate %s ends in %d days (%s), inside the %d-day renewal window" % (
            cert.get("path"), days, cert.get("not_after"), CERT_RENEW_DAYS)
    return True, "certificate %s ends in %d days (%s)" % (cert.get("path"), days, cert.get("not_after"))


def _hostname_resolves(ev):
    host = ev.section("host")
    name, addresses = host.get("fqdn") or "", host.get("resolved") or []
    problems = _mail_policy.fqdn_problems(name, "the host name")
    if problems:
        return False, problems[0]
    return bool(addresses), "%s resolves to %s" % (name, _shown(addresses))


def _helo_is_hostname(ev):
    helo = ev.param("smtp_helo_name")
    return helo in ("$myhostname", "${myhostname}", ev.param("myhostname")), "smtp_helo_name = %s" % helo


def _milters(ev):
    return _filters.postfix_milters(ev.param("smtpd_milters"))


def _inbound_rdns_soft(ev):
    """Reverse-DNS restrictions on clients, if any, answer 4xx: RFC 5321 §4.1.4 forbids refusing mail
    because the HELO name does not match, and a missing PTR is often temporary."""
    used = []
    for name in ("smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
                 "smtpd_recipient_restrictions", "smtpd_relay_restrictions"):
        used.extend("%s in %s" % (w, name) for w in ev.words(name)
                    if w in ("reject_unknown_client_hostname", "reject_unknown_reverse_client_hostname"))
    if not used:
        return True, "no reverse-DNS restriction on clients"
    code = ev.number("unknown_client_reject_code")
    return 400 <= code < 500, "%s; unknown_client_reject_code = %d" % (", ".join(used), code)


# --- DNS checks: what the resolvers of a vantage host answer about the egress addresses -----------

def _ptr_present(ev):
    faults, shown = [], []
    for entry in ev.fcrdns():
        address, names = entry.get("address"), entry.get("ptr") or []
        if not names:
            faults.append(entry.get("reason") or "%s has no PTR record" % address)
        elif len(names) > 1:
            faults.append("%s has %d PTR names (%s); keep one" % (address, len(names), ", ".join(names)))
        elif entry.get("generic"):
            faults.append("%s: %s" % (address, "; ".join(entry["generic"])))
        shown.append("%s PTR %s" % (address, ", ".join(names) or "none"))
    return not faults, "; ".join(faults or shown)


def _forward_confirmed(ev):
    faults = [e.get("reason") or "%s is not forward-confirmed" % e.get("address") for e in ev.fcrdns() if not e.get("confirmed")]
    return not faults, "; ".join(faults) or "; ".join(
        "%s -> %s -> %s" % (e["address"], e.get("name"), e["address"]) for e in ev.fcrdns())


def _helo_confirmed(ev):
    helo = ev.section("fcrdns").get("helo")
    if not helo:
        raise EvidenceMissing("the HELO name was not given to the DNS check")
    faults = ["%s: %s" % (e["address"], e.get("reason") or "not confirmed") for e in ev.fcrdns() if not e.get("helo_matches")]
    return not faults, "; ".join(faults) or "HELO %s is the confirmed name of %s" % (
        helo, ", ".join(e["address"] for e in ev.fcrdns()))


def _name_covers_egress(ev):
    name = ev.section("fcrdns").get("host_name")
    if not isinstance(name, dict):
        raise EvidenceMissing("the host name was not given to the DNS check")
    if name.get("reason"):
        return False, name["reason"]
    found = set(name.get("addresses") or [])
    missing = [e["address"] for e in ev.fcrdns() if e["address"] not in found]
    actual = "%s has %s" % (name.get("name"), _shown(sorted(found)))
    return not missing, actual + ("; missing egress address %s" % ", ".join(missing) if missing else "")


def _configured_milters(ev):
    """The milter daemons whose own configuration names a socket: {socket: daemon}."""
    sockets = {}
    clamav, spamassassin = ev.data.get("clamav"), ev.data.get("spamassassin")
    conf = clamav.get("milter_conf") if isinstance(clamav, dict) else None
    if isinstance(conf, dict) and conf.get("miltersocket"):
        sockets[_filters.milter_address(conf["miltersocket"])] = "clamav-milter"
    args = (spamassassin.get("milter_args") if isinstance(spamassassin, dict) else None) or []
    for flag, value in zip(args, args[1:]):
        if flag == "-p":
            sockets[_filters.milter_address(value)] = "spamass-milter"
    for daemon in _filters.AUTH_MILTERS:
        section = ev.data.get(daemon)
        conf = section.get("conf") if isinstance(section, dict) else None
        if isinstance(conf, dict) and conf.get("socket"):
            sockets[_filters.milter_address(conf["socket"])] = daemon
    mimedefang = ev.data.get("mimedefang")
    settings = mimedefang.get("settings") if isinstance(mimedefang, dict) else None
    if isinstance(settings, dict) and settings.get("SOCKET"):
        sockets[_filters.milter_address(settings["SOCKET"])] = "mimedefang"
    sockets.pop(None, None)
    return sockets


def _milter_names(ev, address):
    """What a milter ADDRESS in smtpd_milters shows of its daemon: the address itself, the name of the
    process listening on its TCP port (when the evidence could see owners), and the daemon whose own
    configuration names that socket, as long as something listens there."""
    names = [address]
    wanted = _filters.milter_address(address)
    if wanted is None:
        return names
    listening = wanted[0] == "unix"
    for listener in ev.data.get("listeners") or []:
        if wanted[0] == "inet" and listener.get("port") == wanted[2] and listener.get("protocol") == "tcp":
            listening = True
            if listener.get("process"):
                names.append(str(listener["process"]))
    queue = str((ev.postfix().get("effective") or {}).get("queue_directory") or _filters.QUEUE_DIRECTORY).rstrip("/")
    for socket, daemon in _configured_milters(ev).items():
        # smtpd reads a relative unix: path in the queue directory, and a chrooted smtpd an absolute one under it.
        same = socket == wanted or (wanted[0] == "unix" and socket in (("unix", queue + wanted[1]),
                                                                       ("unix", _filters.unix_path(wanted[1], queue))))
        if same and listening:
            names.append(daemon)
    return names


def _wired(ev, milters, pattern):
    """The MILTERS ([{address, options}]) that show a daemon matching PATTERN."""
    return [m for m in milters if any(re.search(pattern, n, re.I) for n in _milter_names(ev, m["address"]))]


def _milter_bypasses(ev, component, pattern):
    """(faults, notes) for mail Postfix takes from other hosts: settings that take it past the COMPONENT
    milter or let it through unscanned (faults), and after-queue content filters (notes), each naming
    the setting and where it is set."""
    services = ev.receiving_services()
    faults, notes = [], []
    for where, value in ev.in_force("smtpd_milter_maps", services):
        if value:
            faults.append("smtpd_milter_maps = %s (%s) gives the clients it matches their own milter list or DISABLE "
                          "in place of smtpd_milters, so the %s milter is not proven for every client"
                          % (value, where, component))
    for where, value in ev.in_force("receive_override_options", services):
        if "no_milters" in _options(value):
            faults.append("receive_override_options = %s (%s): no_milters skips every milter" % (value, where))
    for service in services:
        overrides = service.get("overrides") or {}
        if "smtpd_milters" in overrides:
            own = _filters.postfix_milters(overrides["smtpd_milters"])
            wired = _wired(ev, own, pattern)
            if not wired:
                faults.append("smtpd_milters = %s (%s) has no %s milter: mail there is not scanned"
                              % (overrides["smtpd_milters"].strip() or "(empty)", _where(service), component))
            for milter in wired:
                if milter["options"].get("default_action", "").lower() == "accept":
                    faults.append("{ %s, default_action = accept } (%s) lets mail through unscanned when the milter "
                                  "fails" % (milter["address"], _where(service)))
        if str(overrides.get("milter_default_action", "")).strip().lower() == "accept":
            faults.append("milter_default_action = accept (%s) lets mail through unscanned when the milter fails"
                          % _where(service))
    content_filters = ev.in_force("content_filter", services)
    for where, value in content_filters:
        if value:
            notes.append("content_filter = %s (%s) also hands mail to an after-queue filter, which smtpd's milters "
                         "scanned before" % (value, where))
        elif where != "main.cf" and any(v for _w, v in content_filters):
            notes.append("content_filter is empty on %s: mail there skips the after-queue filter (not one this "
                         "control judges)" % where)
    return faults, notes


def _milter_wired(component, pattern):
    def check(ev):
        milters = _milters(ev)
        addresses = [m["address"] for m in milters]
        wired = _wired(ev, milters, pattern)
        default_action = ev.param("milter_default_action").lower()
        faults = []
        if not wired:
            faults.append("no %s milter in smtpd_milters (it lists: %s)" % (component, ", ".join(addresses) or "nothing"))
        if default_action == "accept":
            faults.append("milter_default_action = accept lets mail through unscanned when the milter fails")
        for milter in wired:
            if milter["options"].get("default_action", "").lower() == "accept":
                faults.append("{ %s, default_action = accept } lets mail through unscanned when the milter fails"
                              % milter["address"])
        bypasses, notes = _milter_bypasses(ev, component, pattern)
        faults.extend(bypasses)
        known = ["%s (%s)" % (m["address"], ", ".join(sorted(set(_milter_names(ev, m["address"])[1:])) or ["by name"]))
                 for m in wired]
        said = "; ".join(faults) or "%s milter %s in smtpd_milters; milter_default_action = %s" % (
            component, " and ".join(known), default_action)
        return not faults, "; ".join([said] + notes)
    return check


def _clamav_conf(ev, name):
    conf = ev.section("clamav").get(name)
    if not isinstance(conf, dict):
        raise EvidenceMissing("%s was not read: %s" % (name.replace("_", " "), conf or "no evidence"))
    return conf


def _clamav_headers(ev):
    conf = _clamav_conf(ev, "milter_conf")
    add, host = conf.get("addheader", "no"), conf.get("reporthostname", "")
    passed = add.lower() in ("replace", "yes", "add") and bool(host)
    return passed, "AddHeader %s; ReportHostname %s" % (add, host or "(not set: the scanner's host name is shown)")


def _clamav_sizes(ev):
    milter, clamd = _clamav_conf(ev, "milter_conf"), _clamav_conf(ev, "clamd_conf")
    scanned = _filters.size_value(milter.get("maxfilesize", "25M"))
    stream = _filters.size_value(clamd.get("streammaxlength", "100M"))
    accepted = ev.number("message_size_limit")
    if scanned is None or stream is None:
        raise EvidenceMissing("MaxFileSize %s / StreamMaxLength %s are not sizes"
                              % (milter.get("maxfilesize"), clamd.get("streammaxlength")))
    faults = []
    if accepted == 0 or scanned < accepted:
        faults.append("Postfix accepts messages of %s bytes, clamav-milter scans up to %d (MaxFileSize): larger "
                      "ones are delivered unscanned" % (accepted or "any size", scanned))
    if stream < scanned:
        faults.append("clamd's StreamMaxLength %d is below clamav-milter's MaxFileSize %d" % (stream, scanned))
    return not faults, "; ".join(faults) or "message_size_limit %d <= MaxFileSize %d <= StreamMaxLength %d" % (
        accepted, scanned, stream)


def _clamav_memory(ev):
    clamav = ev.section("clamav")
    memory, official = clamav.get("memory_mb"), clamav.get("official_database")
    reload_ = _clamav_conf(ev, "clamd_conf").get("concurrentdatabasereload", "yes").lower()
    if memory is None:
        raise EvidenceMissing("the host's memory was not read")
    faults = []
    if official and memory < CLAMAV_DATABASE_MEMORY_MB:
        faults.append("the official database needs %d MiB of RAM; the host has %d MiB" % (CLAMAV_DATABASE_MEMORY_MB, memory))
    if memory < CLAMAV_RELOAD_MEMORY_MB and reload_ not in ("no", "false"):
        faults.append("ConcurrentDatabaseReload %s holds two databases in memory during reloads, with %d MiB"
                      % (reload_, memory))
    return not faults, "; ".join(faults) or "%d MiB; official database %s; ConcurrentDatabaseReload %s" % (
        memory, "yes" if official else "no (local signatures)", reload_)


def _spam_milter_options(ev):
    wired, said = _milter_wired("SpamAssassin", r"spamass|spamd|rspamd")(ev)
    if not wired:
        return False, said
    args = ev.section("spamassassin").get("milter_args")
    if args is None:
        return False, said + "; spamass-milter is not running"
    faults = []
    if "-r" not in args:
        faults.append("no -r: spam is never refused, however high its score")
    if "-m" not in args and "-M" not in args:
        faults.append("no -m: the milter may rewrite the body and Subject")
    return not faults, "; ".join(faults) or "%s; %s" % (said, " ".join(args[1:]))


def _spam_marking(ev):
    config = ev.section("spamassassin").get("config")
    if not isinstance(config, dict):
        raise EvidenceMissing("SpamAssassin's configuration was not read")
    try:
        required = float(config.get("required_score", "5"))
    except ValueError:
        raise EvidenceMissing("required_score %s is not a number" % config.get("required_score"))
    stars = [name for name, template in config.get("headers", {}).items()
             if name.split()[0] == "all" and "_STARS(" in template]
    faults = []
    if not within(required, "spamassassin_required_score"):
        faults.append("required_score %s is outside %s" % (config.get("required_score"),
                                                           bound_text("spamassassin_required_score")))
    if str(config.get("report_safe")).strip() != "0":
        faults.append("report_safe %s rewrites spam instead of adding headers" % config.get("report_safe"))
    if not stars:
        faults.append("no star header (add_header all Level _STARS(*)_) for users to filter on")
    return not faults, "; ".join(faults) or "required_score %s; report_safe 0; X-Spam-%s stars header" % (
        config.get("required_score"), stars[0].split()[1])


_PROBED_TABLE = re.compile(r"^(pcre|regexp):/")
# Parameters cleanup reads: a -o override of them on an smtpd service changes nothing.
_CLEANUP_PARAMETERS = ("header_checks", "mime_header_checks", "nested_header_checks", "disable_mime_input_processing")


def _attachment_answers(ev, control_id, value, where):
    """(faults, shown): what the tables of the mime_header_checks VALUE in force at WHERE answered for
    the probe names of CONTROL_ID (mailhost_info asks them with postmap -q)."""
    suffix = "" if where == "main.cf" else " (%s)" % where
    tables = [t for t in _postfix_settings.words(value) if _PROBED_TABLE.match(t)]
    if not tables:
        return ["no pcre or regexp table in mime_header_checks (%s)%s" % (value or "empty", suffix)], ""
    gathered = ev.postfix().get("attachment_probes") or []
    unasked = [t for t in tables if not any(p.get("table") == t for p in gathered)]
    if unasked:
        raise EvidenceMissing("the probe names were not asked of %s (mime_header_checks%s)" % (", ".join(unasked), suffix))
    probes = [p for p in gathered if p.get("table") in tables and (p.get("control") == control_id or not p.get("must_refuse"))]
    errors = [p for p in probes if p.get("error")]
    if errors:
        raise EvidenceMissing("postmap could not read %s: %s" % (errors[0]["table"], errors[0]["error"]))
    faults = []
    for header in sorted(set(p["header"] for p in probes)):
        answers = [p["answer"] for p in probes if p["header"] == header]
        refused = any(re.match(r"^REJECT\b", a, re.I) for a in answers)
        must = any(p["must_refuse"] for p in probes if p["header"] == header)
        if refused != must:
            faults.append("%s %s%s" % ("not refused:" if must else "refused:", header, suffix))
    return faults, "every probe name answered as expected by %s%s" % (", ".join(tables), suffix)


def _attachment_policy(control_id):
    """The attachment policy as cleanup applies it to mail from other hosts: the mime_header_checks in
    force for the cleanup service of each receiving smtpd, unless header checks or MIME parsing are
    switched off for that mail."""
    def check(ev):
        services = ev.receiving_services()
        cleanups = ev.cleanup_services(services)
        faults, shown, notes = [], [], []
        for where, value in ev.in_force("receive_override_options", services):
            if "no_header_body_checks" in _options(value):
                faults.append("receive_override_options = %s (%s): no_header_body_checks makes cleanup skip "
                              "header_checks and mime_header_checks" % (value, where))
        for where, value in ev.in_force("disable_mime_input_processing", cleanups):
            if _yes(value):
                faults.append("disable_mime_input_processing = %s (%s): cleanup does not parse MIME, so "
                              "mime_header_checks never sees the headers of attachments" % (value, where))
        for where, value in ev.in_force("mime_header_checks", cleanups):
            found, said = _attachment_answers(ev, control_id, value, where)
            faults.extend(found)
            shown.extend([said] if said else [])
        for service in services:
            overrides = service.get("overrides") or {}
            notes.extend("%s = %s (%s) has no effect: cleanup applies it, not smtpd"
                         % (name, str(overrides[name]).strip() or "(empty)", _where(service))
                         for name in _CLEANUP_PARAMETERS if name in overrides)
        return not faults, "; ".join((faults or shown) + notes)
    return check


def _daemon_current(section, unit_names, max_age_hours=None):
    def check(ev):
        data = ev.section(section)
        active = [u for u in unit_names if data.get("units", {}).get(u) == "active"]
        faults = [] if active else ["%s is not running" % " / ".join(unit_names)]
        age = data.get("signature_age_hours")
        if max_age_hours is not None:
            if age is None:
                faults.append("no signature database found")
            elif age > max_age_hours:
                faults.append("signatures are %d hours old (at most %d)" % (age, max_age_hours))
        return not faults, "; ".join(faults) or "%s active%s" % (
            ", ".join(active), "" if age is None else "; signatures %d hours old" % age)
    return check


def _clamav_rejects(ev):
    conf = ev.section("clamav").get("milter_conf")
    if not isinstance(conf, dict):
        raise EvidenceMissing("clamav-milter.conf was not read")
    on_infected = conf.get("oninfected", "Quarantine")
    on_fail = conf.get("onfail", "Defer")
    passed = on_infected.lower() == "reject" and on_fail.lower() == "defer"
    return passed, "OnInfected %s; OnFail %s" % (on_infected, on_fail)


# --- Sanitize mode: MIMEDefang in clamav-milter's place (docs/filtering.md, the two policies) --------------
# The virus milter is clamav-milter (reject mode) or MIMEDefang, which calls the same clamd (sanitize mode).
_VIRUS_MILTER = r"clamav|clamd|mimedefang"


# Either milter stands for ClamAV in smtpd_milters: each passes clamd what Postfix receives.
_virus_milter_wired = _milter_wired("ClamAV", _VIRUS_MILTER)


def _filter_mode(ev):
    """The filter mode the host shows: sanitize when the first virus milter in main.cf's smtpd_milters is
    MIMEDefang, reject otherwise. A milter counts by its own configuration even when nothing listens, so
    a stopped MIMEDefang fails MAIL-AV-002 instead of turning its host into one judged by reject mode's
    rules. A host without MIMEDefang stays in reject mode when Postfix's settings cannot be read, as before
    sanitize mode existed."""
    try:
        milters = _milters(ev)
    except EvidenceMissing:
        if "mimedefang" in components(ev.data):
            raise
        return "reject"
    configured = _configured_milters(ev)
    for milter in milters:
        names = _milter_names(ev, milter["address"]) + [configured.get(_filters.milter_address(milter["address"]), "")]
        if any(re.search("mimedefang", n, re.I) for n in names):
            return "sanitize"
        if any(re.search(_VIRUS_MILTER, n, re.I) for n in names):
            return "reject"
    return "reject"


def _by_filter_mode(reject, sanitize):
    """A check judging the host by REJECT or by SANITIZE, after the filter mode it shows. Sanitize mode's
    evidence names the mode; reject mode's reads as it always did (reports and scenarios compare it)."""
    def check(ev):
        if _filter_mode(ev) != "sanitize":
            return reject(ev)
        passed, actual = sanitize(ev)
        return passed, "sanitize mode (MIMEDefang): " + actual
    return check


def _mimedefang_filter(ev):
    found = ev.section("mimedefang").get("filter")
    if not isinstance(found, dict):
        raise EvidenceMissing("the MIMEDefang filter was not read: %s" % (found or "no evidence"))
    return found


def _same_socket(first, second):
    """Whether two unix socket paths are one (Debian's /var/run is a link to /run)."""
    def plain(path):
        return re.sub(r"^/var/run/", "/run/", str(path or "").strip())
    return bool(first) and plain(first) == plain(second)


def _notifies_senders(found):
    """A fault when the filter writes to senders: their addresses are forged on most infected mail (backscatter)."""
    if "action_notify_sender" in (found.get("calls") or []):
        return ["the filter calls action_notify_sender: it writes to senders, whose addresses most infected mail forges"]
    return []


# What sanitize mode's filter must call (MAIL-AV-003), with what a filter without it does.
_SANITIZE_CALLS = (
    ("entity_contains_virus_clamd", "does not scan each part with clamd"),
    ("action_drop_with_warning", "does not remove infected parts"),
    ("action_tempfail", "does not defer mail when clamd fails, so it may be delivered unscanned"),
)


def _sanitize_scans(ev):
    found = _mimedefang_filter(ev)
    socket, clamd = found.get("clamd_socket"), _clamav_conf(ev, "clamd_conf").get("localsocket")
    calls = found.get("calls") or []
    faults = ["the filter %s (no %s)" % (does, call) for call, does in _SANITIZE_CALLS if call not in calls]
    if not _same_socket(socket, clamd):
        faults.append("$ClamdSock %s is not clamd's LocalSocket %s" % (socket or "(not set)", clamd or "(not set)"))
    faults.extend(_notifies_senders(found))
    return not faults, "; ".join(faults) or (
        "the filter scans each part with clamd at %s (entity_contains_virus_clamd), removes infected parts "
        "(action_drop_with_warning), defers when clamd fails (action_tempfail) and notifies no sender" % socket)


def _sanitize_headers(ev):
    headers = _mimedefang_filter(ev).get("changed_headers") or []
    passed = "x-virus-scanned" in [h.lower() for h in headers]
    return passed, "the filter sets %s with action_change_header" % (
        "X-Virus-Scanned" if passed else "no X-Virus-Scanned header (only: %s)" % _shown(headers))


# clamd's limits when clamd.conf leaves them out (ClamAV 1.x); MIMEDefang has clamd read files, not a stream.
_CLAMD_LIMITS = (("MaxFileSize", "100M"), ("MaxScanSize", "400M"))


def _sanitize_sizes(ev):
    clamd = _clamav_conf(ev, "clamd_conf")
    limits = [(name, clamd.get(name.lower(), default)) for name, default in _CLAMD_LIMITS]
    sizes = [(name, _filters.size_value(value)) for name, value in limits]
    if any(size is None for _name, size in sizes):
        raise EvidenceMissing("clamd's %s are not sizes" % " / ".join("%s %s" % limit for limit in limits))
    accepted = ev.number("message_size_limit")
    faults = ["Postfix accepts messages of %s bytes, clamd scans up to %d (%s): larger ones are delivered unscanned"
              % (accepted or "any size", size, name) for name, size in sizes if accepted == 0 or size < accepted]
    return not faults, "; ".join(faults) or "message_size_limit %d <= clamd %s" % (
        accepted, " and ".join("%s %d" % item for item in sizes))


def _sanitize_names(control_id):
    """The decoded probe names of CONTROL_ID judged by the filter's @MailsecNames rules, as MIMEDefang
    judges each part's name, for mail that reaches the MIMEDefang milter (MAIL-AV-002's bypasses skip it)."""
    def check(ev):
        rules = _mimedefang_filter(ev).get("names") or []
        faults, _notes = _milter_bypasses(ev, "MIMEDefang", "mimedefang")
        faults += ["the %s rule qr{%s} heeds case (no i flag): the same name in capitals passes" % (r.get("reason"), r.get("pattern"))
                   for r in rules if "i" not in (r.get("flags") or "")]
        replaced, passed = [], []
        for control, name, must in _attachments.NAME_PROBES:
            if control != control_id and must:
                continue
            try:
                reason = _attachments.name_verdict(name, [(r.get("reason"), r.get("pattern")) for r in rules])
            except re.error as error:
                raise EvidenceMissing("a @MailsecNames pattern is not a regular expression the audit can read: %s" % error)
            # The filter replaces a part when a rule answers, whatever its reason says (Perl's defined).
            refused = reason is not None
            (replaced if refused else passed).append("%s (%s)" % (name, reason) if reason else name)
            if refused != must:
                faults.append("%s: %s" % ("not replaced" if must else "replaced", name))
        shown = "the filter's %d name rules replace %s and let %s through" % (
            len(rules), _shown(replaced), _shown(passed)) if rules else "the filter has no name rule (@MailsecNames)"
        return not faults, "; ".join(faults + [shown])
    return check


def _worms_only(ev):
    found = _mimedefang_filter(ev)
    worms = found.get("worms") or []
    faults = []
    for worm in worms:
        try:
            hits = _sanitize.worm_matches(worm)
        except re.error as error:
            raise EvidenceMissing("the worm pattern qr{%s} is not a regular expression the audit can read: %s"
                                  % (worm.get("pattern"), error))
        if hits:
            faults.append("the worm pattern qr{%s} matches %s: mail with an ordinary virus would be discarded "
                          "unseen instead of delivered without the infected part" % (worm.get("pattern"), ", ".join(hits)))
    faults.extend(_notifies_senders(found))
    listed = ", ".join("qr{%s}" % w.get("pattern") for w in worms)
    return not faults, "; ".join(faults) or (
        "the worm list (%s) matches none of %s; no sender is notified" % (listed, ", ".join(_sanitize.ORDINARY_SIGNATURES))
        if worms else "no worm list: no message is discarded whole; no sender is notified")


def _nothing_discarded(ev):
    return True, "reject mode: clamav-milter refuses infected mail in the SMTP session; no message is discarded"


def _no_sender_verification(ev):
    found = []
    for name in ("smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
                 "smtpd_recipient_restrictions", "smtpd_relay_restrictions", "smtpd_data_restrictions"):
        words = ev.words(name)
        for index, word in enumerate(words):
            if word == "reject_unverified_sender" and not (index and words[index - 1] == "warn_if_reject"):
                found.append(name)
    return not found, "reject_unverified_sender in %s" % _shown(found)


def _no_accept_then_bounce(ev):
    soft, code = ev.param("soft_bounce"), ev.param("unverified_recipient_defer_code")
    return not _yes(soft) and code != "250", "soft_bounce = %s; unverified_recipient_defer_code = %s" % (soft, code)


def _alias_of(name, want_root=False):
    def check(ev):
        aliases = ev.postfix().get("aliases")
        if not isinstance(aliases, dict):
            raise EvidenceMissing("the aliases were not read: %s" % (ev.postfix().get("aliases_error") or "no evidence"))
        targets = aliases.get(name)
        if want_root:
            return bool(targets), "%s -> %s" % (name, _shown(targets or []))
        passed = bool(targets) and all(t.lower() not in ("root", "root@localhost") for t in targets)
        return passed, "%s -> %s" % (name, _shown(targets or []))
    return check


def _unattended_upgrades(ev):
    updates = ev.section("updates")
    installed = bool(updates.get("unattended_upgrades_installed"))
    periodic = str(updates.get("periodic_unattended_upgrade") or "0")
    return installed and periodic not in ("0", ""), "unattended-upgrades %s; APT::Periodic::Unattended-Upgrade \"%s\"" % (
        "installed" if installed else "not installed", periodic)


def _advisories_followed(ev):
    found = ev.section("advisories")
    if not found.get("installed"):
        return False, "debsecan is not installed: nobody hears of a vulnerability that has no automatic fix"
    timer = found.get("timer") or {}
    if found.get("history_error"):
        return False, "debsecan has no usable history (%s): it never ran to the end" % found["history_error"]
    hours = found.get("age_hours")
    fixable = found.get("fixable") or []
    faults = []
    if timer.get("enabled") != "enabled" or timer.get("active") != "active":
        faults.append("%s.timer %s/%s" % (_advisories.UNIT, timer.get("enabled"), timer.get("active")))
    if hours is None or hours > _advisories.MAX_AGE_HOURS:
        faults.append("the last report is %s hours old" % ("?" if hours is None else "%.1f" % hours))
    shown = ", ".join("%s (%s)" % (f["bug"], ", ".join(f["packages"])) for f in fixable[:5]) + (" ..." if len(fixable) > 5 else "")
    return not faults, "%sdebsecan last reported %s, %s hours ago; %d vulnerabilit%s with a Debian fix not installed%s" % (
        "; ".join(faults) + "; " if faults else "", found.get("time"), "?" if hours is None else "%.1f" % hours,
        len(fixable), "y" if len(fixable) == 1 else "ies", ": " + shown if fixable else "")


def _monitored(ev):
    found = ev.section("monitoring")
    if not found.get("installed"):
        return False, "pflogsumm is not installed: nobody gets a summary of the mail log, nor an alert"
    faults = ["%s %s/%s" % (name, timer.get("enabled"), timer.get("active"))
              for name, timer in sorted((found.get("timers") or {}).items())
              if timer.get("enabled") != "enabled" or timer.get("active") != "active"]
    minutes = found.get("age_minutes")
    if found.get("state_error"):
        faults.append("the mail monitor never finished a round (%s)" % found["state_error"])
    elif minutes is None or minutes > _monitoring.MAX_CHECK_AGE_MINUTES:
        faults.append("the last round of checks is %s minutes old" % ("?" if minutes is None else "%.0f" % minutes))
    if found.get("errors"):
        faults.append("the last round could not read: %s" % "; ".join(found["errors"]))
    alerts = found.get("alerts") or []
    told = "alerts in force: %s" % "; ".join(alerts) if alerts else "no alert in force"
    if faults:
        return False, "%s; %s" % ("; ".join(faults), told)
    return True, "summary and alert timers enabled and running; last round %s, %.1f minutes ago; %s" % (
        found.get("checked"), minutes, told)


def _auth_failures_banned(ev):
    fail2ban = ev.section("monitoring").get("fail2ban") or {}
    jail = fail2ban.get("jail") or _monitoring.JAIL
    if not fail2ban.get("installed"):
        return False, "fail2ban is not installed: a client may guess submission passwords for as long as it likes"
    if fail2ban.get("active") != "active":
        return False, "fail2ban.service is %s: nobody is banned" % fail2ban.get("active")
    if not ev.installed("nftables"):
        return False, "nftables is not installed: fail2ban's bans (banaction nftables) block nobody"
    status = fail2ban.get("status")
    if not isinstance(status, dict):
        return False, "the jail %s is not running: %s" % (jail, fail2ban.get("error") or "fail2ban did not answer")
    banned = status.get("banned") or []
    return True, "jail %s running: %d failed logins being counted, %d client%s banned now%s, %d banned in all" % (
        jail, status.get("failed_now", 0), status.get("banned_now", 0), "" if status.get("banned_now") == 1 else "s",
        " (%s)" % ", ".join(banned[:10]) if banned else "", status.get("banned_total", 0))


def _not_blocklisted(ev):
    listings = ev.section("fcrdns").get("blocklists") or []
    if not listings:
        raise EvidenceMissing("no egress address was looked up in a blocklist")
    listed = [l for l in listings if l.get("listed")]
    unknown = [l for l in listings if l.get("listed") is None]
    zones = sorted(set(l["zone"] for l in listings))
    if listed:
        return False, "; ".join("%s is listed by %s (%s)%s" % (l["address"], l["zone"], ", ".join(l.get("codes") or []),
                                                               ": " + l["reason"] if l.get("reason") else "") for l in listed)
    if unknown:
        raise EvidenceMissing("; ".join("%s on %s: %s" % (l["address"], l["zone"], l.get("problem")) for l in unknown))
    return True, "%s listed by none of %s" % (", ".join(sorted(set(l["address"] for l in listings))), ", ".join(zones))


# --- Network checks: what an untrusted client on a vantage host saw -------------------------------

def _targets(ev):
    """The listeners that answered; an empty list when addresses were probed and none answered."""
    targets = ev.data.get("targets")
    probed = ev.data.get("probed")
    if not isinstance(targets, list) or not (targets or probed):
        raise EvidenceMissing("no listener was probed")
    return targets


def _silent(ev):
    """The evidence line for a host where nothing answered."""
    return "no listener answered on %s" % ", ".join(_label(p) for p in ev.data.get("probed") or [])


def _label(target):
    address = str(target.get("address"))
    return "%s:%s" % ("[%s]" % address if ":" in address else address, target.get("port"))


def _network_relay_closed(ev):
    verdicts = []
    open_ = []
    targets = _targets(ev)
    if not targets:
        return True, _silent(ev)
    for target in targets:
        verdict = (target.get("relay") or {}).get("verdict", "unknown")
        verdicts.append("%s %s" % (_label(target), verdict))
        if verdict not in ("closed", "auth_required", "tls_required", "error"):
            open_.append(target)
    evidence = "; ".join(verdicts)
    if not open_ and any((t.get("relay") or {}).get("verdict") == "error" for t in targets):
        raise EvidenceMissing("the relay battery could not run: %s" % "; ".join(
            (t.get("relay") or {}).get("error") or "" for t in targets if (t.get("relay") or {}).get("verdict") == "error"))
    if open_:
        accepted = (open_[0].get("relay") or {}).get("accepted") or []
        if accepted:
            evidence += "; first accepted: %s" % accepted[0]
    return not open_, evidence


def _network_tls_floor(ev):
    faults, shown = [], []
    for target in _targets(ev):
        versions = target.get("tls_versions")
        if not isinstance(versions, dict):
            continue
        old = [v for v in TLS_REFUSED if versions.get(v)]
        new = [v for v in TLS_ACCEPTED if versions.get(v)]
        shown.append("%s: %s" % (_label(target), ", ".join(new) or "no TLS"))
        untested = [v for v in ("TLSv1", "TLSv1.1") if versions.get(v) is None]
        if old:
            faults.append("%s accepts %s" % (_label(target), ", ".join(old)))
        elif not new:
            faults.append("%s negotiates no TLS" % _label(target))
        elif untested:
            raise EvidenceMissing("%s: %s could not be tried from this vantage point" % (_label(target), ", ".join(untested)))
    if not shown:
        if not _targets(ev):
            return True, _silent(ev)
        raise EvidenceMissing("no listener offered TLS")
    return not faults, "; ".join(faults or shown)


def _network_banner(ev):
    leaks = []
    for target in _targets(ev):
        banner = str(target.get("banner") or "")
        if re.search(r"postfix|debian|ubuntu|sendmail|exim|\d+\.\d+\.\d+", banner, re.I):
            leaks.append("%s: %s" % (_label(target), banner))
    if not _targets(ev):
        return True, _silent(ev)
    first = str(_targets(ev)[0].get("banner") or "")
    return not leaks, "; ".join(leaks) or "banner: %s" % first


def _network_vrfy_expn(ev):
    faults = []
    for target in _targets(ev):
        for command in ("vrfy", "expn"):
            code = target.get(command)
            if isinstance(code, int) and 200 <= code < 300:
                faults.append("%s %s answered %d" % (_label(target), command.upper(), code))
    return not faults, "; ".join(faults) or "VRFY and EXPN refused on every listener"


def _network_no_auth_before_tls(ev):
    faults = []
    for target in _targets(ev):
        if target.get("auth_offered_before_tls"):
            faults.append("%s offers AUTH before TLS" % _label(target))
        if target.get("port") == 25 and target.get("auth_offered"):
            faults.append("%s offers AUTH on port 25" % _label(target))
    return not faults, "; ".join(faults) or "no AUTH before TLS, none on port 25"


def _network_starttls(ev):
    port25 = [t for t in _targets(ev) if t.get("port") == 25]
    if not port25:
        raise EvidenceMissing("port 25 was not probed")
    missing = [_label(t) for t in port25 if not t.get("starttls_offered")]
    return not missing, "STARTTLS offered on %s" % (
        "every port 25 listener" if not missing else "none of " + ", ".join(missing))


def _network_no_xclient(ev):
    faults = ["%s advertises %s" % (_label(t), ", ".join(t.get("proxy_extensions")))
              for t in _targets(ev) if t.get("proxy_extensions")]
    return not faults, "; ".join(faults) or "no XCLIENT or XFORWARD offered to an untrusted client"


# --- Registration: a sweep's listeners compared with the registry (smtp_scan) ----------------------

def _scan_listeners(ev):
    listeners = ev.data.get("listeners")
    if not isinstance(listeners, list):
        raise EvidenceMissing("the address was not swept")
    return ", ".join("%s (%s)" % (_label(dict(address=ev.data.get("address"), port=item["port"])), item["class"])
                     for item in listeners) or "nothing"


def _registered(ev):
    entry = ev.data.get("registry")
    listening = _scan_listeners(ev)
    if not entry:
        return False, "not in the registry; listening: %s" % listening
    extra = ", ".join(v for v in (entry.get("owner"), entry.get("contact")) if v)
    return True, "registered as %s%s" % (entry["name"], " (%s)" % extra if extra else "")


def _approved_ports_only(ev):
    entry = ev.data.get("registry") or {}
    _scan_listeners(ev)
    approved = set(entry.get("ports") or [])
    extra = sorted(set(item["port"] for item in ev.data["listeners"]) - approved)
    if extra:
        return False, "%s also listens on %s; approved: %s" % (
            entry.get("name"), ", ".join(map(str, extra)), ", ".join(map(str, sorted(approved))))
    return True, "listens only on approved ports (%s)" % ", ".join(map(str, sorted(approved)))


def _registered_answers(ev):
    entry = ev.data.get("registry") or {}
    _scan_listeners(ev)
    swept = set(ev.data.get("swept_ports") or [])
    speaking = dict((item["port"], item["class"]) for item in ev.data["listeners"])
    wanted = [p for p in sorted(entry.get("ports") or []) if p in swept]
    if not wanted:
        raise EvidenceMissing("none of the approved ports (%s) was swept"
                              % ", ".join(map(str, sorted(entry.get("ports") or []))))
    why = dict((p["port"], p.get("error") or p.get("state")) for p in ev.data.get("probed") or [])
    down = ["%s: %s" % (port, speaking.get(port) or why.get(port) or "no answer") for port in wanted
            if speaking.get(port) not in ("open_relay", "closed", "auth_required", "inconclusive")]
    if down:
        return False, "%s does not take mail on %s" % (entry.get("name"), "; ".join(down))
    return True, "%s answers SMTP on %s" % (entry.get("name"), ", ".join(map(str, wanted)))


# --- Open proxies: what the sweep's requests for a tunnel to port 25 got (smtp_scan) ------------------------

def _no_open_proxy(ev):
    ports = ev.data.get("proxy_ports")
    proxies = ev.data.get("proxies")
    if not ports or not isinstance(proxies, list):
        raise EvidenceMissing("no proxy port was swept")
    address = ev.data.get("address")
    opened = ["%s %s" % (_label(dict(address=address, port=p.get("port"))), p.get("detail")) for p in proxies
              if p.get("class") == "open_proxy"]
    if opened:
        return False, "; ".join(opened)
    unsure = ["%s %s" % (_label(dict(address=address, port=p.get("port"))), p.get("detail")) for p in proxies
              if p.get("class") == "inconclusive"]
    if unsure:
        raise EvidenceMissing("; ".join(unsure) + "; check by hand whether it tunnels to port 25")
    return True, "; ".join("%s %s" % (_label(dict(address=address, port=p.get("port"))), p.get("detail"))
                           for p in proxies) or "no listener on the proxy ports %s" % ", ".join(map(str, ports))


# --- Sender authentication (mail_auth role, mail_auth_info) -------------------------------------------------

def _signing_wired(ev):
    passed, actual = _milter_wired("OpenDKIM", r"opendkim")(ev)
    faults = [] if passed else [actual]
    # Postfix's default for non_smtpd_milters is empty: a report without it means no milter there.
    local_milters = str((ev.postfix().get("effective") or {}).get("non_smtpd_milters") or "").strip()
    if not _wired(ev, _filters.postfix_milters(local_milters), r"opendkim"):
        faults.append("non_smtpd_milters = %s: mail handed to sendmail on this host leaves unsigned"
                      % (local_milters or "(empty)"))
    opendkim = ev.data.get("opendkim") if isinstance(ev.data.get("opendkim"), dict) else {}
    origin = ev.param("myorigin").lower()
    origin = ev.param("myhostname").lower() if origin == "$myhostname" else origin
    if opendkim.get("installed"):
        conf = opendkim.get("conf") if isinstance(opendkim.get("conf"), dict) else {}
        if "s" not in conf.get("mode", "sv").lower():
            faults.append("OpenDKIM Mode %s does not sign" % conf.get("mode"))
        patterns = [s.get("pattern", "") for s in opendkim.get("signing") or []]
        if not any(p in (origin, "*@" + origin, "@" + origin, "*") or p.endswith("@" + origin) for p in patterns):
            faults.append("OpenDKIM's SigningTable has no key for %s, this host's mail domain (myorigin)" % origin)
    if faults:
        return False, "; ".join(faults)
    return True, "%s; non_smtpd_milters signs local mail too; %s is signed" % (actual, origin)


def _signing_keys_sound(ev):
    keys = ev.section("opendkim").get("signing_keys")
    if not isinstance(keys, list) or not keys:
        return False, "OpenDKIM's KeyTable lists no key"
    faults, shown = [], []
    for key in keys:
        name = "%s._domainkey.%s" % (key.get("selector"), key.get("domain"))
        if key.get("error"):
            faults.append("%s: %s" % (name, key["error"]))
            continue
        if not isinstance(key.get("bits"), int) or key["bits"] < 2048:
            faults.append("%s: %s bits; make a key of 2048 bits or more (RFC 8301)" % (name, key.get("bits")))
        if int(str(key.get("mode") or "0"), 8) & 0o077:
            faults.append("%s: %s is mode %s; only OpenDKIM may read it (0600)" % (name, key.get("path"), key.get("mode")))
        if key.get("owner") not in ("opendkim", "root"):
            faults.append("%s: %s belongs to %s" % (name, key.get("path"), key.get("owner")))
        shown.append("%s %s bits, mode %s, %s" % (name, key.get("bits"), key.get("mode"), key.get("owner")))
    return not faults, "; ".join(faults or shown)


def _incoming_checked(ev):
    passed, actual = _milter_wired("OpenDMARC", r"opendmarc")(ev)
    faults = [] if passed else [actual]
    milters = [m["address"] for m in _milters(ev)]
    dkim, dmarc = _wired(ev, _milters(ev), r"opendkim"), _wired(ev, _milters(ev), r"opendmarc")
    if dkim and dmarc and milters.index(dmarc[0]["address"]) < milters.index(dkim[0]["address"]):
        faults.append("OpenDMARC comes before OpenDKIM in smtpd_milters and cannot read its verdict")
    services = dict((s.get("service"), s) for s in ev.services() if s.get("type") == "unix")
    policies = [w for name in ("smtpd_sender_restrictions", "smtpd_recipient_restrictions")
                for w in _postfix_settings.words(ev.param(name)) if w.lower().startswith("unix:private/")]
    spf = [p for p in policies if "spf" in p.lower() and p.split("/", 1)[1] in services]
    if not spf:
        faults.append("no SPF policy service (check_policy_service unix:private/policyd-spf) in smtpd_sender_restrictions "
                      "or smtpd_recipient_restrictions with its master.cf service")
    if faults:
        return False, "; ".join(faults)
    return True, "%s; SPF checked by %s" % (actual, ", ".join(spf))


def _sender(ev, part):
    """The mail_auth_info verdicts of PART (spf, dkim, dmarc, tlsrpt), one per mail domain."""
    sender = ev.section("sender")
    domains = sender.get("domains")
    if not isinstance(domains, list) or not domains:
        raise EvidenceMissing("no mail domain was given to the sender authentication check")
    verdicts = [d.get(part) for d in domains]
    if any(not isinstance(v, (dict, list)) for v in verdicts):
        raise EvidenceMissing("the %s records were not asked" % part)
    return domains


def _verdict(ev, part, describe):
    faults, shown = [], []
    for domain in _sender(ev, part):
        for item in domain[part] if isinstance(domain[part], list) else [domain[part]]:
            faults.extend(item.get("problems") or [])
            shown.append(describe(domain["domain"], item))
    return not faults, "; ".join(faults or shown)


def _spf_authorises(ev):
    return _verdict(ev, "spf", lambda domain, v: "%s: %s (%s)" % (domain, v.get("record"), ", ".join(
        "%s %s" % (r["address"], r["result"]) for r in v.get("results") or [])))


def _dkim_published(ev):
    for domain in _sender(ev, "dkim"):
        if not domain["dkim"]:
            return False, "%s: this host has no signing key for it, so its mail is not DKIM-signed" % domain["domain"]
    return _verdict(ev, "dkim", lambda domain, v: "%s: the published key (%s bits) is the signing key's public half"
                    % (v.get("name"), v.get("bits")))


def _dmarc_enforced(ev):
    return _verdict(ev, "dmarc", lambda domain, v: "%s: p=%s, reports to %s, aligned by %s" % (
        v.get("name"), v.get("policy"), ", ".join(v.get("reports") or []),
        " and ".join(k for k in ("dkim", "spf") if (v.get("aligned") or {}).get(k)) or "nothing"))


def _tlsrpt_published(ev):
    return _verdict(ev, "tlsrpt", lambda domain, v: "%s: reports to %s" % (v.get("name"), ", ".join(v.get("reports") or [])))


def _mta_sts_consistent(ev):
    def describe(domain, v):
        if not v.get("published"):
            return "%s: no MTA-STS policy" % domain
        policy = v.get("policy") or {}
        return "%s: mode %s, mx %s; %s" % (v.get("url"), policy.get("mode"), ", ".join(policy.get("mx") or []), ", ".join(
            "%s %s (%s)" % (h.get("host"), "listed" if h.get("covered") else "not listed", h.get("tls")) for h in v.get("mx_hosts") or []))
    return _verdict(ev, "mta_sts", describe)


def sender_components(evidence):
    """What the sender evidence shows: mta_sts_policy when a mail domain publishes an MTA-STS policy."""
    sender = evidence.get("sender") if isinstance(evidence, dict) else None
    domains = sender.get("domains") if isinstance(sender, dict) else None
    published = [d for d in (domains if isinstance(domains, list) else []) if isinstance(d, dict) and isinstance(d.get("mta_sts"), dict)
                 and d["mta_sts"].get("published")]
    return set(["mta_sts_policy"]) if published else set()


class Control(object):
    """One control. SETTINGS are the main.cf values the postfix role writes for it, in
    SETTING_MODES (default: the control's modes). NEEDS names the components whose absence makes
    it not applicable (postfix, submission, clamav, mimedefang, spamassassin). DEVIATION, keyed by mode, records
    where a benchmark rule contradicts a working mail server: the audit shows it as waived, with
    that text, never as passed."""

    def __init__(self, id, title, severity, modes, expected, check, remediation, references,
                 settings=None, setting_modes=None, needs=("postfix",), source=HOST, deviation=None, judge_settings=False):
        self.id = id
        self.family = id.split("-")[1]
        self.title = title
        self.severity = severity
        self.modes = tuple(modes)
        # A control whose check is "Postfix uses exactly the settings the role writes" states it
        # once, in SETTINGS: expected text and check are derived from them.
        self.expected = expected or "; ".join("%s = %s" % item for item in sorted((settings or {}).items()))
        # JUDGE_SETTINGS: the check also requires SETTINGS as written, so it never spells them again.
        held = [param_equals(name, value) for name, value in sorted((settings or {}).items())]
        self.check = all_of(check, *held) if check and judge_settings else check or all_of(*held)
        self.remediation = remediation
        self.references = tuple(references)
        self.settings = dict(settings or {})
        self.setting_modes = tuple(setting_modes or modes)
        self.needs = tuple(needs)
        self.source = source
        self.deviation = dict(deviation or {})

    def describe(self):
        """The control as plain data (for reports and docs), without its check."""
        return dict(id=self.id, family=self.family, title=self.title, severity=self.severity,
                    modes=list(self.modes), expected=self.expected, remediation=self.remediation,
                    references=list(self.references), settings=dict(self.settings), source=self.source,
                    deviation=dict(self.deviation))


_STIG_RELAY = ("The STIG wants smtpd_client_restrictions = permit_mynetworks,reject, which refuses every "
               "Internet sender; a receiving MX cannot keep it. The STIG text allows documented extra entries: "
               "relaying is closed by MAIL-RELAY-001 and proven from outside by MAIL-RELAY-011.")
_ATTACHMENT_REMEDIATION = ("postfix_attachment_policy (postfix role, which refuses receive_override_options = "
                           "no_header_body_checks and disable_mime_input_processing = yes; in sanitize mode the "
                           "mimedefang role writes the same list into its filter)")
_CIS_LOCAL_ONLY = ("CIS 2.1.21 wants the MTA local-only; a receiving MX must listen on port 25. The listeners "
                   "are instead limited by MAIL-NET-002 and MAIL-NET-006.")

CONTROLS = (
    # --- Relay control ---------------------------------------------------------------------------
    Control(id="MAIL-RELAY-001", title="Relay policy is explicit and closed", severity="critical", modes=ALL_MODES,
            expected="smtpd_relay_restrictions ends in reject_unauth_destination (or reject), with only "
                     "permit_mynetworks / permit_sasl_authenticated before it",
            check=_relay_closed,
            remediation="postfix role (always written); postfix_trusted_networks decides who may relay",
            references=["PF smtpd_relay_restrictions", "PF SMTPD_ACCESS_README", "SSG postfix_server_mail_smtpd_relay_restrictions"],
            settings={"smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination"}),
    Control(id="MAIL-RELAY-002", title="Nothing permits before the relay check in the recipient restrictions", severity="high", modes=ALL_MODES,
            expected="no check_*_access or permit_* before reject_unauth_destination in smtpd_recipient_restrictions",
            check=_recipient_list_safe,
            remediation="postfix role (always written)",
            references=["PF SMTPD_ACCESS_README (Dangerous use of smtpd_recipient_restrictions)",
                        "SSG postfix_server_mail_smtpd_recipient_restrictions"],
            settings={"smtpd_recipient_restrictions": "reject_non_fqdn_recipient, reject_unlisted_recipient"}),
    Control(id="MAIL-RELAY-003", title="Trusted networks are minimal", severity="high", modes=ALL_MODES,
            expected="mynetworks lists loopback and named internal prefixes only, no provider-wide blocks; "
                     "mynetworks_style is not class",
            check=_trusted_networks_minimal,
            remediation="postfix_trusted_networks (mailsec_trusted_networks)",
            references=["PF mynetworks_style", "SSG postfix_server_relay_set_trusted"]),
    Control(id="MAIL-RELAY-004", title="No relay domains", severity="medium", modes=ALL_MODES,
            expected="relay_domains is empty",
            check=_relay_domains_empty,
            remediation="postfix role (always written)",
            references=["PF relay_domains"],
            settings={"relay_domains": ""}),
    Control(id="MAIL-RELAY-005", title="Sender-specified routing is not forwarded", severity="high", modes=ALL_MODES,
            expected=None,
            check=None,
            remediation="postfix role (always written)",
            references=["PF allow_untrusted_routing"],
            settings={"allow_untrusted_routing": "no"}),
    Control(id="MAIL-RELAY-006", title="Quoted local parts are resolved", severity="medium", modes=ALL_MODES,
            expected=None,
            check=None,
            remediation="postfix role (always written)",
            references=["PF resolve_dequoted_address"],
            settings={"resolve_dequoted_address": "yes"}),
    Control(id="MAIL-RELAY-007", title="Legacy address rewriting is off", severity="low", modes=ALL_MODES,
            expected=None,
            check=None,
            remediation="postfix role (always written)",
            references=["PF allow_percent_hack", "PF swap_bangpath"],
            settings={"allow_percent_hack": "no", "swap_bangpath": "no"}),
    Control(id="MAIL-RELAY-008", title="Unrestricted mail relaying is prevented (STIG)", severity="medium", modes=CLIENTS,
            expected="smtpd_client_restrictions = permit_mynetworks, reject",
            check=_stig_client_list,
            remediation="postfix role (written on null clients and loopback-only hosts)",
            references=["SSG postfix_prevent_unrestricted_relay", "STIG RHEL-09-252050", "STIG RHEL-08-040290"],
            settings={"smtpd_client_restrictions": "permit_mynetworks, reject"},
            deviation={"mx": _STIG_RELAY}),
    Control(id="MAIL-RELAY-009", title="Authenticated relay only on submission, only over TLS", severity="high", modes=SERVING,
            expected="port 25 offers no AUTH; 587 and 465 take AUTH only over TLS and relay only for logged-in users",
            check=all_of(_port25_no_auth, _submission_auth_over_tls),
            remediation="postfix_submission_enabled",
            references=["PF TLS_README (Supporting AUTH over TLS only)", "SSG postfix_server_relay_smtp_auth_for_untrusted",
                        "MOZ smtpd_tls_auth_only"],
            settings={"smtpd_sasl_auth_enable": "no"},
            setting_modes=ALL_MODES),
    Control(id="MAIL-RELAY-010", title="Logged-in users cannot forge the envelope sender", severity="medium", modes=SERVING,
            expected="submission services set smtpd_sender_login_maps and reject_sender_login_mismatch",
            check=_submission_sender_owned,
            remediation="postfix_submission_users (addresses)",
            references=["PF reject_sender_login_mismatch"],
            needs=("postfix", "submission")),
    Control(id="MAIL-RELAY-011", title="An untrusted client cannot relay", severity="critical", modes=ALL_MODES,
            expected="the relay battery refuses every test on every listener and address family",
            check=_network_relay_closed,
            remediation="postfix role; postfix_trusted_networks",
            references=["NMAP smtp-open-relay", "PF SMTPD_ACCESS_README"],
            needs=(),
            source=NETWORK),
    Control(id="MAIL-RELAY-012", title="Unknown recipients are refused at RCPT", severity="medium", modes=SERVING,
            expected=None,
            check=None,
            remediation="postfix role (always written)",
            references=["PF smtpd_reject_unlisted_recipient", "PF BACKSCATTER_README"],
            settings={"smtpd_reject_unlisted_recipient": "yes"},
            setting_modes=ALL_MODES),

    # --- Network exposure and packages -------------------------------------------------------------
    Control(id="MAIL-NET-001", title="Non-mail hosts keep the MTA local-only", severity="medium", modes=CLIENTS,
            expected="inet_interfaces = loopback-only and nothing listens on 25, 465 or 587 beyond loopback",
            check=_local_only,
            remediation="postfix_mode (mailsec_mode) relay_client or local_only",
            references=["CIS 2.1.21", "SSG postfix_network_listening_disabled", "SSG has_nonlocal_mta"],
            deviation={"mx": _CIS_LOCAL_ONLY}),
    Control(id="MAIL-NET-002", title="Postfix listens only on the mail ports", severity="medium", modes=ALL_MODES,
            expected="master.cf has inet services only on 25, 465 and 587 (or loopback)",
            check=_approved_postfix_listeners,
            remediation="remove the other inet services from master.cf (the postfix role writes 25, and 465 and 587 with "
                        "postfix_submission_enabled)",
            references=["CIS 2.1.22"]),
    Control(id="MAIL-NET-003", title="A host firewall drops what is not allowed", severity="medium", modes=ALL_MODES,
            expected="an nftables input chain with policy drop (or reject)",
            check=_firewall_present,
            remediation="firewall role",
            references=["CIS 2.1.22", "PF POSTSCREEN_README (port roles)"],
            needs=()),
    Control(id="MAIL-NET-004", title="sendmail is not installed", severity="medium", modes=ALL_MODES,
            expected="package sendmail absent",
            check=_package_absent("sendmail"),
            remediation="remove sendmail (the postfix package replaces it)",
            references=["SSG package_sendmail_removed", "STIG RHEL-09-215020"],
            needs=()),
    Control(id="MAIL-NET-005", title="Postfix runs and starts at boot", severity="medium", modes=ALL_MODES,
            expected="postfix.service active and enabled",
            check=_postfix_running,
            remediation="postfix role",
            references=["SSG service_postfix_enabled", "LYNIS MAIL-8814"]),
    Control(id="MAIL-NET-006", title="No other network service is exposed", severity="medium", modes=ALL_MODES,
            expected="nothing listens beyond loopback except SSH, and on a receiving MX the mail ports (and 443 where the "
                     "mail_auth role's web server serves the MTA-STS policy)",
            check=_no_other_exposed_services,
            remediation="baseline role (reports them; baseline_disable_stray_services stops them), "
                        "or bind the service to loopback",
            references=["CIS 2.1.22"],
            needs=()),
    Control(id="MAIL-NET-007", title="The firewall admits strangers only to the mail ports", severity="medium", modes=ALL_MODES,
            expected="in the live ruleset a new connection from an unknown address reaches port 25 on a receiving MX and "
                     "no other listening port (587/465 may be open for submission, 443 for the MTA-STS policy)",
            check=_firewall_mail_ports_only,
            remediation="firewall role (firewall_allow for other services, with sources)",
            references=["CIS 2.1.22", "PF POSTSCREEN_README (port roles)"],
            needs=()),
    Control(id="MAIL-NET-008", title="SSH is open only to the admin networks", severity="high", modes=ALL_MODES,
            expected="in the live ruleset a new SSH connection (to mailsec_ssh_port, 22 by default) from an unknown address is "
                     "dropped (IPv4 and IPv6), and one from each admin network gets in",
            check=_firewall_ssh_admin_only,
            remediation="firewall role (firewall_admin_networks, mailsec_admin_networks; mailsec_ssh_port)",
            references=["CIS 4 (host based firewall)", "CIS 5.1 (SSH server)"],
            needs=()),
    Control(id="MAIL-NET-009", title="Only the MTA can open SMTP connections to other hosts", severity="medium", modes=ALL_MODES,
            expected="in the live ruleset a process of an ordinary user (nobody) cannot connect to port 25, 465 or 587 "
                     "elsewhere; the MTA's users (mailsec_mta_users, postfix by default) can reach port 25 (except local_only)",
            check=_firewall_outbound_mta_only,
            remediation="firewall role (firewall_outbound_smtp_users, mailsec_mta_users)",
            references=["M3AAWG Managing Port 25", "RFC 5068 §3", "NFT Matching packet metainformation (skuid)"],
            needs=()),
    Control(id="MAIL-NET-010", title="No open HTTP proxy reaches port 25", severity="critical", modes=ALL_MODES,
            expected="no listener on the swept proxy ports (smtp_scan's proxy_ports) opens a tunnel to port 25 of a mail "
                     "server for an untrusted client: CONNECT TARGET:25 is refused, or the listener is no proxy",
            check=_no_open_proxy,
            remediation="close the proxy, or let only the local networks use it (tinyproxy Allow, squid http_access) and "
                        "allow CONNECT only to port 443 (tinyproxy ConnectPort 443, squid's SSL_ports)",
            references=["CAMPUS open proxies", "NMAP http-open-proxy", "M3AAWG Managing Port 25"],
            needs=(),
            source=SCAN),

    # --- SMTP protocol hygiene and smuggling ---------------------------------------------------------
    Control(id="MAIL-SMTPD-001", title="The banner names no software", severity="low", modes=ALL_MODES,
            expected="smtpd_banner = $myhostname ESMTP",
            check=_banner_hides_software,
            remediation="postfix role (always written)",
            references=["SSG postfix_server_banner", "LYNIS MAIL-8818", "PF smtpd_banner", "RFC 5321 §3.1"],
            settings={"smtpd_banner": "$myhostname ESMTP"}),
    Control(id="MAIL-SMTPD-002", title="VRFY is disabled", severity="low", modes=ALL_MODES,
            expected=None,
            check=None,
            remediation="postfix role (always written)",
            references=["PF disable_vrfy_command", "LYNIS MAIL-8820"],
            settings={"disable_vrfy_command": "yes"}),
    Control(id="MAIL-SMTPD-003", title="HELO is required", severity="medium", modes=ALL_MODES,
            expected=None,
            check=None,
            remediation="postfix role (always written)",
            references=["PF smtpd_helo_required"],
            settings={"smtpd_helo_required": "yes"}),
    Control(id="MAIL-SMTPD-004", title="HELO names are checked", severity="medium", modes=SERVING,
            expected="smtpd_helo_restrictions has reject_invalid_helo_hostname and reject_non_fqdn_helo_hostname",
            check=param_contains("smtpd_helo_restrictions", "reject_invalid_helo_hostname", "reject_non_fqdn_helo_hostname"),
            remediation="postfix role (always written)",
            references=["PF SMTPD_ACCESS_README", "RFC 5321 §2.3.5"],
            settings={"smtpd_helo_restrictions":
                      "permit_mynetworks, reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname"},
            setting_modes=ALL_MODES),
    Control(id="MAIL-SMTPD-005", title="Envelope addresses are checked", severity="medium", modes=ALL_MODES,
            expected="reject_non_fqdn_sender in smtpd_sender_restrictions and strict_rfc821_envelopes = yes",
            check=param_contains("smtpd_sender_restrictions", "reject_non_fqdn_sender"),
            judge_settings=True,
            remediation="postfix role (always written); postfix_reject_unknown_sender_domain adds the domain check",
            references=["PF SMTPD_ACCESS_README", "PF strict_rfc821_envelopes"],
            settings={"strict_rfc821_envelopes": "yes"}),
    Control(id="MAIL-SMTPD-006", title="Unauthorised pipelining is refused", severity="medium", modes=ALL_MODES,
            expected="smtpd_data_restrictions = reject_unauth_pipelining and smtpd_forbid_unauth_pipelining = yes",
            check=param_contains("smtpd_data_restrictions", "reject_unauth_pipelining"),
            judge_settings=True,
            remediation="postfix role (always written)",
            references=["PF reject_unauth_pipelining", "PF smtpd_forbid_unauth_pipelining"],
            settings={"smtpd_data_restrictions": "reject_unauth_pipelining", "smtpd_forbid_unauth_pipelining": "yes"}),
    Control(id="MAIL-SMTPD-007", title="SMTP smuggling is refused", severity="high", modes=ALL_MODES,
            expected="smtpd_forbid_bare_newline = yes (or normalize)",
            check=param_in("smtpd_forbid_bare_newline", ("yes", "normalize")),
            remediation="postfix role (always written)",
            references=["PF smtpd_forbid_bare_newline"],
            settings={"smtpd_forbid_bare_newline": "yes"}),
    Control(id="MAIL-SMTPD-008", title="The configuration parses without warnings", severity="low", modes=ALL_MODES,
            expected="postconf prints no warning",
            check=_parses_cleanly,
            remediation="postfix role (its candidate check refuses warnings)",
            references=["LYNIS MAIL-8817"]),
    Control(id="MAIL-SMTPD-009", title="No backwards-compatible defaults", severity="low", modes=ALL_MODES,
            expected="compatibility_level 3.6 or later",
            check=_compatibility_current,
            remediation="postfix role (always written)",
            references=["PF compatibility_level"],
            settings={"compatibility_level": "3.6"}),
    Control(id="MAIL-SMTPD-010", title="XCLIENT and XFORWARD are for loopback only", severity="medium", modes=ALL_MODES,
            expected="smtpd_authorized_xclient_hosts and smtpd_authorized_xforward_hosts empty or loopback",
            check=_proxy_trust_loopback,
            remediation="postfix role (refuses them as input)",
            references=["PF SMTPD_ACCESS_README (XCLIENT)"]),
    Control(id="MAIL-SMTPD-011", title="An untrusted client sees no software name", severity="low", modes=ALL_MODES,
            expected="the 220 greeting on every listener names no software or version",
            check=_network_banner,
            remediation="postfix role (always written)",
            references=["LYNIS MAIL-8818", "RFC 5321 §3.1"],
            needs=(),
            source=NETWORK),
    Control(id="MAIL-SMTPD-012", title="VRFY and EXPN answer no untrusted client", severity="low", modes=ALL_MODES,
            expected="VRFY and EXPN get no 2xx reply",
            check=_network_vrfy_expn,
            remediation="postfix role (always written)",
            references=["PF disable_vrfy_command"],
            needs=(),
            source=NETWORK),
    Control(id="MAIL-SMTPD-013", title="No XCLIENT or XFORWARD for untrusted clients", severity="high", modes=ALL_MODES,
            expected="EHLO from an untrusted client lists neither XCLIENT nor XFORWARD",
            check=_network_no_xclient,
            remediation="postfix role (refuses them as input)",
            references=["PF SMTPD_ACCESS_README (XCLIENT)"],
            needs=(),
            source=NETWORK),
    Control(id="MAIL-SMTPD-014", title="Submission passwords are stored as slow, salted hashes", severity="high",
            modes=SERVING,
            expected="every account of %s has a Dovecot scheme of %s (or a crypt string of SHA-512, SHA-256, bcrypt or "
                     "yescrypt): no PLAIN, MD5, SHA1 or DES" % (SUBMISSION_PASSWD, ", ".join(_passwords.SLOW_SCHEMES)),
            check=_passwords_slow,
            remediation="postfix_submission_users (password, which the role hashes with SHA512-CRYPT, or password_hash)",
            references=["DOVECOT password schemes (doveadm-pw)"],
            needs=("postfix", "submission")),

    # --- Rate and size limits --------------------------------------------------------------------------
    Control(id="MAIL-DOS-001", title="Concurrent connections per client are bounded", severity="medium", modes=ALL_MODES,
            expected="smtpd_client_connection_count_limit " + bound_text("postfix_client_connection_count_limit"),
            check=within_bounds("postfix_client_connection_count_limit"),
            remediation="postfix_client_connection_count_limit",
            references=["PF smtpd_client_connection_count_limit", "SSG postfix_server_dos"]),
    Control(id="MAIL-DOS-002", title="Connection rate is limited", severity="medium", modes=SERVING,
            expected="smtpd_client_connection_rate_limit above 0 per anvil_rate_time_unit (60s)",
            check=within_bounds("postfix_client_connection_rate_limit"),
            judge_settings=True,
            remediation="postfix_client_connection_rate_limit",
            references=["PF smtpd_client_connection_rate_limit", "SSG postfix_server_dos"],
            settings={"anvil_rate_time_unit": "60s"},
            setting_modes=ALL_MODES),
    Control(id="MAIL-DOS-003", title="Submission limits AUTH attempts and messages", severity="medium", modes=SERVING,
            expected="smtpd_client_auth_rate_limit and smtpd_client_message_rate_limit above 0 on 587 and 465",
            check=_submission_rate_limits,
            remediation="postfix_submission_auth_rate_limit, postfix_submission_message_rate_limit",
            references=["PF smtpd_client_auth_rate_limit"],
            needs=("postfix", "submission")),
    Control(id="MAIL-DOS-004", title="Size limits are set", severity="low", modes=ALL_MODES,
            expected="message_size_limit 64 KiB to 100 MiB, header_size_limit at most 102400, smtpd_recipient_limit 1 to 1000",
            check=_size_limits,
            remediation="postfix_message_size_limit, postfix_recipient_limit",
            references=["PF message_size_limit", "RFC 5321 §4.5.3.1"]),
    Control(id="MAIL-DOS-005", title="Error and junk throttles are not weakened", severity="low", modes=ALL_MODES,
            expected="smtpd_soft_error_limit ≤ 10, smtpd_hard_error_limit ≤ 20, smtpd_junk_command_limit ≤ 100, "
                     "smtpd_error_sleep_time ≥ 1s",
            check=_error_throttles,
            remediation="postfix role (refuses weaker values as input)",
            references=["PF smtpd_hard_error_limit"]),

    # --- TLS -------------------------------------------------------------------------------------------
    Control(id="MAIL-TLS-001", title="STARTTLS is offered, never required, on port 25", severity="high", modes=SERVING,
            expected=None,
            check=None,
            remediation="postfix role (always written)",
            references=["PF TLS_README", "RFC 3207"],
            settings={"smtpd_tls_security_level": "may"},
            setting_modes=ALL_MODES),
    Control(id="MAIL-TLS-002", title="Submission requires TLS", severity="high", modes=SERVING,
            expected="587 with smtpd_tls_security_level = encrypt, 465 with smtpd_tls_wrappermode = yes",
            check=_submission_mandatory_tls,
            remediation="postfix_submission_enabled",
            references=["PF TLS_README", "MOZ"],
            needs=("postfix", "submission")),
    Control(id="MAIL-TLS-003", title="No TLS below 1.2 in the configuration", severity="medium", modes=ALL_MODES,
            expected="smtpd_tls_protocols and smtpd_tls_mandatory_protocols = >=TLSv1.2",
            check=_tls_floor,
            remediation="postfix_tls_min_protocol",
            references=["PF smtpd_tls_protocols", "MOZ intermediate"]),
    Control(id="MAIL-TLS-004", title="Cipher settings follow the guidelines", severity="low", modes=ALL_MODES,
            expected="smtpd_tls_mandatory_ciphers medium or high; tls_preempt_cipherlist = no",
            check=all_of(param_in("smtpd_tls_mandatory_ciphers", ("medium", "high")),
                         param_equals("tls_preempt_cipherlist", CIPHER_PREEMPT)),
            remediation="postfix role (always written)",
            references=["PF smtpd_tls_mandatory_ciphers", "MOZ intermediate"],
            settings={"smtpd_tls_mandatory_ciphers": "medium", "tls_preempt_cipherlist": CIPHER_PREEMPT}),
    Control(id="MAIL-TLS-005", title="Certificate and key are sound", severity="medium", modes=SERVING,
            expected="key owned by root, mode 0600; certificate valid and naming myhostname",
            check=_key_and_certificate,
            remediation="postfix_tls_cert_file, postfix_tls_key_file",
            references=["SSG postfix_install_ssl_cert", "PF TLS_README"]),
    Control(id="MAIL-TLS-006", title="Outgoing mail uses TLS when offered", severity="medium", modes=ALL_MODES,
            expected="smtp_tls_security_level = may",
            check=param_in("smtp_tls_security_level", ("may", "encrypt", "dane", "verify", "secure")),
            remediation="postfix role (always written)",
            references=["PF smtp_tls_security_level"],
            settings={"smtp_tls_security_level": "may"}),
    Control(id="MAIL-TLS-007", title="TLS is logged", severity="low", modes=ALL_MODES,
            expected="smtpd_tls_loglevel and smtp_tls_loglevel at least 1",
            check=all_of(number_between("smtpd_tls_loglevel", 1), number_between("smtp_tls_loglevel", 1)),
            remediation="postfix role (always written)",
            references=["PF TLS_README"],
            settings={"smtpd_tls_loglevel": "1", "smtp_tls_loglevel": "1"}),
    Control(id="MAIL-TLS-008", title="No handshake below TLS 1.2", severity="medium", modes=ALL_MODES,
            expected="TLS 1.0 and 1.1 (and SSLv3) refused, TLS 1.2 or 1.3 negotiated on every TLS listener",
            check=_network_tls_floor,
            remediation="postfix_tls_min_protocol",
            references=["MOZ intermediate", "PF TLS_README"],
            needs=(),
            source=NETWORK),
    Control(id="MAIL-TLS-009", title="STARTTLS is offered to untrusted clients", severity="high", modes=SERVING,
            expected="EHLO on port 25 lists STARTTLS",
            check=_network_starttls,
            remediation="postfix role (always written)",
            references=["PF TLS_README", "RFC 3207"],
            needs=(),
            source=NETWORK),
    Control(id="MAIL-TLS-010", title="AUTH is never offered before TLS", severity="high", modes=ALL_MODES,
            expected="no AUTH in EHLO before STARTTLS, none at all on port 25",
            check=_network_no_auth_before_tls,
            remediation="postfix_submission_enabled (TLS before AUTH)",
            references=["PF TLS_README (Supporting AUTH over TLS only)"],
            needs=(),
            source=NETWORK),
    Control(id="MAIL-TLS-011", title="The certificate is renewed before it ends", severity="low", modes=SERVING,
            expected="the certificate Postfix presents is valid for at least %d more days" % CERT_RENEW_DAYS,
            check=_certificate_lasts,
            remediation="postfix role (renews its self-signed certificate inside the window); a certificate "
                        "given in postfix_tls_cert_file is renewed by its issuer (an ACME client or the CA)",
            references=["PF TLS_README", "RFC 5280 §4.1.2.5"]),

    # --- Host identity ---------------------------------------------------------------------------------
    Control(id="MAIL-DNS-001", title="The host's name is fully qualified and resolves", severity="high", modes=ALL_MODES,
            expected="the host's FQDN resolves to an address",
            check=_hostname_resolves,
            remediation="mailsec_fqdn; DNS or /etc/hosts",
            references=["RFC 5321 §2.3.5", "RFC 1912 §2.1"],
            needs=()),
    Control(id="MAIL-DNS-002", title="Every egress address has one non-generic PTR name", severity="high", modes=SERVING,
            expected="PTR(address) is exactly one name, which does not embed the address or read like a provider's pool",
            check=_ptr_present,
            remediation="mail_identity_publish (RFC 2136), or ask the DNS administrators (docs/roles/mail_identity.md)",
            references=["RFC 1912 §2.1", "Gmail sender guidelines (PTR record)", "Yahoo sender requirements (non-generic rDNS)"],
            needs=(),
            source=DNS),
    Control(id="MAIL-DNS-003", title="Every egress address is forward-confirmed", severity="high", modes=SERVING,
            expected="the PTR name of each egress address resolves (A/AAAA, not through a CNAME) back to that address",
            check=_forward_confirmed,
            remediation="mail_identity_publish, or ask the DNS administrators (docs/roles/mail_identity.md)",
            references=["RFC 1912 §2.1", "Gmail sender guidelines (forward DNS of the PTR name)", "Yahoo sender requirements (FCrDNS)"],
            needs=(),
            source=DNS),
    Control(id="MAIL-DNS-004", title="The HELO name is the host name", severity="medium", modes=ALL_MODES,
            expected="smtp_helo_name = $myhostname",
            check=_helo_is_hostname,
            remediation="postfix role (always written)",
            references=["PF smtp_helo_name"],
            settings={"smtp_helo_name": "$myhostname"}),
    Control(id="MAIL-DNS-005", title="Reverse-DNS checks on clients never refuse for good", severity="medium", modes=SERVING,
            expected="reject_unknown_client_hostname and reject_unknown_reverse_client_hostname, where used, answer 4xx",
            check=_inbound_rdns_soft,
            remediation="postfix_extra_settings (unknown_client_reject_code = 450)",
            references=["RFC 5321 §4.1.4", "PF reject_unknown_client_hostname"]),
    Control(id="MAIL-DNS-007", title="The HELO name is the confirmed reverse name", severity="medium", modes=SERVING,
            expected="the HELO name is the forward-confirmed PTR name of every egress address",
            check=_helo_confirmed,
            remediation="mailsec_fqdn (mail_identity role), and the PTR records it publishes",
            references=["RFC 5321 §2.3.5", "RFC 5321 §4.1.1.1", "Microsoft KB 3019655"],
            needs=(),
            source=DNS),
    Control(id="MAIL-DNS-008", title="The host name resolves to every egress address", severity="high", modes=SERVING,
            expected="A/AAAA(myhostname) contains every egress address, and the name is not an alias",
            check=_name_covers_egress,
            remediation="mail_identity_publish, or ask the DNS administrators (docs/roles/mail_identity.md)",
            references=["RFC 5321 §2.3.5", "RFC 1912 §2.1"],
            needs=(),
            source=DNS),
    Control(id="MAIL-DNS-009", title="No egress address is on a DNS blocklist", severity="high", modes=ALL_MODES,
            expected="each egress address unknown to every blocklist zone of audit_blocklists (no A record in 127.0.0.0/8 "
                     "for it, RFC 5782); a blocklist that refuses to answer leaves the control in error, never passed",
            check=_not_blocklisted,
            remediation="find and stop what sent the mail that got the address listed (an open relay or proxy, a "
                        "compromised account: the audit's other findings, the mail log), then ask the blocklist named "
                        "in the evidence to remove it",
            references=["RFC 5782", "M3AAWG best practices"],
            needs=("blocklists",),
            source=DNS),

    # --- Virus and spam filters ------------------------------------------------------------------------
    Control(id="MAIL-AV-001", title="clamd runs with current signatures", severity="high", modes=SERVING,
            expected="clamav-daemon active; signatures at most 48 hours old",
            check=_daemon_current("clamav", ("clamav-daemon.service",), 48),
            remediation="clamav role (clamav_signature_source; freshclam keeps official and mirrored signatures current)",
            references=["CLAMAV freshclam.conf"],
            needs=("clamav",)),
    Control(id="MAIL-AV-002", title="A virus filter is wired into Postfix, failing closed", severity="high", modes=SERVING,
            expected="a clamav-milter socket (reject mode) or a MIMEDefang socket (sanitize mode) in the smtpd_milters of every "
                     "smtpd that takes mail from other hosts, for every client (no smtpd_milter_maps, no "
                     "receive_override_options = no_milters); milter_default_action is not accept",
            check=_by_filter_mode(_virus_milter_wired, _virus_milter_wired),
            remediation="mailsec_filters: [clamav] (clamav and postfix roles, and the mimedefang role with mailsec_filter_mode: "
                        "sanitize; the postfix role refuses smtpd_milter_maps, receive_override_options = no_milters and "
                        "milter_default_action = accept)",
            references=["PF MILTER_README", "PF milter_default_action", "PF smtpd_milter_maps", "PF receive_override_options",
                        "MIMEDEFANG mimedefang(8)"],
            settings={"milter_default_action": "tempfail"},
            setting_modes=ALL_MODES),
    Control(id="MAIL-AV-003", title="Infected mail is refused in the SMTP session, or its infected parts removed (sanitize mode)",
            severity="high", modes=SERVING,
            expected="reject mode: clamav-milter OnInfected Reject, OnFail Defer; sanitize mode: the MIMEDefang filter scans "
                     "each part with clamd (entity_contains_virus_clamd, $ClamdSock is clamd's LocalSocket), removes infected "
                     "parts (action_drop_with_warning), defers when clamd fails (action_tempfail) and never calls "
                     "action_notify_sender",
            check=_by_filter_mode(_clamav_rejects, _sanitize_scans),
            remediation="clamav role (always written); mimedefang role in sanitize mode (always written)",
            references=["CLAMAV clamav-milter.conf", "PF BACKSCATTER_README", "MIMEDEFANG mimedefang-filter(5)"],
            needs=("clamav",)),
    Control(id="MAIL-AV-004", title="Virus verdict headers replace the sender's", severity="low", modes=SERVING,
            expected="reject mode: clamav-milter AddHeader Replace (or Yes/Add) and ReportHostname set; sanitize mode: the "
                     "MIMEDefang filter sets X-Virus-Scanned with action_change_header",
            check=_by_filter_mode(_clamav_headers, _sanitize_headers),
            remediation="clamav role (always written); mimedefang role in sanitize mode (mimedefang_report_hostname)",
            references=["CLAMAV clamav-milter.conf", "MIMEDEFANG mimedefang-filter(5)"],
            needs=("clamav",)),
    Control(id="MAIL-AV-005", title="Every message Postfix accepts is scanned", severity="medium", modes=SERVING,
            expected="reject mode: message_size_limit <= clamav-milter MaxFileSize <= clamd StreamMaxLength; sanitize mode "
                     "(clamd reads the files MIMEDefang writes): message_size_limit <= clamd MaxFileSize and <= clamd "
                     "MaxScanSize",
            check=_by_filter_mode(_clamav_sizes, _sanitize_sizes),
            remediation="mailsec_message_size_limit (clamav_max_message_size, postfix_message_size_limit)",
            references=["CLAMAV clamav-milter.conf", "CLAMAV clamd.conf"],
            needs=("postfix", "clamav")),
    Control(id="MAIL-AV-006", title="clamd has the memory its database needs", severity="medium", modes=SERVING,
            expected="3 GiB for the official database; ConcurrentDatabaseReload no under 4 GiB",
            check=_clamav_memory,
            remediation="clamav role (refuses the official database under 3 GiB; clamav_memory_mb)",
            references=["CLAMAV Docker.md (memory requirements)"],
            needs=("clamav",)),
    Control(id="MAIL-AV-007", title="Only the site's worm list drops whole messages", severity="medium", modes=SERVING,
            expected="reject mode: nothing to judge (clamav-milter refuses infected mail in the session, no message is "
                     "discarded); sanitize mode: no pattern of the MIMEDefang filter's worm list (@MailsecWorms) matches "
                     "an ordinary virus name such as Eicar-Test-Signature, Win.Trojan.Agent-1 or Html.Phishing.Bank-1, "
                     "with or without .UNOFFICIAL, and the filter never calls action_notify_sender",
            check=_by_filter_mode(_nothing_discarded, _worms_only),
            remediation="mimedefang_worm_signatures (mimedefang role)",
            references=["MIMEDEFANG mimedefang-filter(5)", "PF BACKSCATTER_README"],
            needs=("mimedefang",)),
    Control(id="MAIL-SPAM-001", title="spamd runs", severity="medium", modes=SERVING,
            expected="spamd active",
            check=_daemon_current("spamassassin", ("spamd.service", "spamassassin.service")),
            remediation="mailsec_filters: [spamassassin] (spamassassin role)",
            references=["SA sa-update"],
            needs=("spamassassin",)),
    Control(id="MAIL-SPAM-002", title="A spam filter is wired into Postfix and refuses only high scores", severity="medium", modes=SERVING,
            expected="a spamass-milter socket in the smtpd_milters of every smtpd that takes mail from other hosts, for "
                     "every client, running with -r (refuse threshold) and -m (headers only)",
            check=_spam_milter_options,
            remediation="mailsec_filters: [spamassassin]; spamassassin_reject_score (the postfix role "
                        "refuses smtpd_milter_maps, receive_override_options = no_milters and milter_default_action = accept)",
            references=["SA spamass-milter"]),
    Control(id="MAIL-SPAM-003", title="Spam is marked with headers users can filter on", severity="low", modes=SERVING,
            expected="required_score 3 to 10, report_safe 0, an X-Spam-Level stars header",
            check=_spam_marking,
            remediation="spamassassin role (spamassassin_required_score)",
            references=["SA Conf.pm (required_score, report_safe, add_header)"],
            needs=("spamassassin",)),
    Control(id="MAIL-ATT-001", title="Attachments named as programs are refused at SMTP time, or replaced (sanitize mode)",
            severity="medium", modes=SERVING,
            expected="reject mode: mime_header_checks refuses setup.exe, x.js, a class-ID name and a Base64-encoded .exe name, "
                     "and lets report.pdf through (asked of Postfix with postmap -q), for mail from other hosts: neither "
                     "no_header_body_checks nor disable_mime_input_processing switches it off; sanitize mode: the MIMEDefang "
                     "filter's name rules (@MailsecNames, without regard to case) replace the decoded names setup.exe, x.js, "
                     "a class-ID name and Rechnung.EXE and let report.pdf through, for mail from other hosts (as MAIL-AV-002)",
            check=_by_filter_mode(_attachment_policy("MAIL-ATT-001"), _sanitize_names("MAIL-ATT-001")),
            remediation=_ATTACHMENT_REMEDIATION,
            references=["PF header_checks(5)", "PF mime_header_checks", "PF receive_override_options",
                        "MIMEDEFANG mimedefang-filter(5)"]),
    Control(id="MAIL-ATT-002", title="Double extensions are refused, or replaced (sanitize mode)", severity="medium", modes=SERVING,
            expected="mime_header_checks refuses (reject mode) or the MIMEDefang filter's name rules replace (sanitize "
                     "mode) invoice.pdf.exe and invoice.pdf .exe, for mail from other hosts (as MAIL-ATT-001)",
            check=_by_filter_mode(_attachment_policy("MAIL-ATT-002"), _sanitize_names("MAIL-ATT-002")),
            remediation=_ATTACHMENT_REMEDIATION,
            references=["AMAVIS banned_filename_re", "MIMEDEFANG mimedefang-filter(5)"]),

    # --- Backscatter and sender verification -----------------------------------------------------------
    Control(id="MAIL-BSC-001", title="No global sender address verification", severity="medium", modes=ALL_MODES,
            expected="reject_unverified_sender nowhere, except behind warn_if_reject",
            check=_no_sender_verification,
            remediation="postfix role (refuses it as input)",
            references=["PF ADDRESS_VERIFICATION_README"]),
    Control(id="MAIL-BSC-002", title="Mail is never accepted and bounced later", severity="medium", modes=ALL_MODES,
            expected="soft_bounce = no; unverified_recipient_defer_code is not 250",
            check=_no_accept_then_bounce,
            remediation="postfix role (refuses soft_bounce as input)",
            references=["PF ADDRESS_VERIFICATION_README", "PF BACKSCATTER_README"]),
    Control(id="MAIL-ALIAS-001", title="root's mail reaches a person", severity="medium", modes=DELIVERING,
            expected="root is aliased to an address other than root",
            check=_alias_of("root"),
            remediation="postfix_root_alias (mailsec_admin_email)",
            references=["SSG postfix_client_configure_mail_alias", "STIG RHEL-09-653125"]),
    Control(id="MAIL-ALIAS-002", title="postmaster exists", severity="medium", modes=DELIVERING,
            expected="postmaster is aliased (to root)",
            check=_alias_of("postmaster", want_root=True),
            remediation="postfix role (always written)",
            references=["SSG postfix_client_configure_mail_alias_postmaster", "STIG RHEL-09-252060", "RFC 5321 §4.5.1"]),

    # --- Host basics -----------------------------------------------------------------------------------
    Control(id="MAIL-HOST-001", title="Security updates install automatically", severity="medium", modes=ALL_MODES,
            expected="unattended-upgrades installed and APT::Periodic::Unattended-Upgrade on",
            check=_unattended_upgrades,
            remediation="baseline role (baseline_unattended_upgrades)",
            references=["CIS 1.2 (package updates)", "LYNIS PKGS-7392"],
            needs=()),
    Control(id="MAIL-HOST-002", title="Logs survive a reboot and are kept at least 30 days", severity="low", modes=ALL_MODES,
            expected="the journal is kept on disk (Storage=persistent, or auto with /var/log/journal) with MaxRetentionSec "
                     "unset or 30 days or more, or rsyslog writes the logs to /var/log",
            check=_logs_kept,
            remediation="baseline role (baseline_log_retention_days)",
            references=["CIS 6.1 (journald)"],
            needs=()),
    Control(id="MAIL-HOST-003", title="Security advisories reach an administrator", severity="medium", modes=ALL_MODES,
            expected="debsecan installed, %s.timer enabled and running, and its last report at most %d hours old (the "
                     "administrator gets a mail when a vulnerability appears or is fixed)" % (_advisories.UNIT,
                                                                                              _advisories.MAX_AGE_HOURS),
            check=_advisories_followed,
            remediation="advisories role (advisories_mail, advisories_source)",
            references=["DEBSECAN debsecan(1)"],
            needs=()),

    # --- Monitoring: the monitoring role ----------------------------------------------------------------
    Control(id="MAIL-MON-001", title="Mail problems reach an administrator", severity="medium", modes=ALL_MODES,
            expected="pflogsumm installed, %s.timer (a daily summary) and %s.timer (alerts: Postfix down, the queue "
                     "growing, refused relay attempts or failed logins spiking, a filter down) enabled and running, and "
                     "the last round of checks at most %d minutes old and complete" % (
                         _monitoring.SUMMARY_UNIT, _monitoring.ALERTS_UNIT, _monitoring.MAX_CHECK_AGE_MINUTES),
            check=_monitored,
            remediation="monitoring role (monitoring_mail and the monitoring_*_limit values)",
            references=["PFLOGSUMM pflogsumm(1)"],
            needs=("postfix",)),
    Control(id="MAIL-MON-002", title="Clients that keep failing SMTP AUTH are banned", severity="medium",
            modes=SERVING,
            expected="fail2ban running with its %s jail (Debian's postfix filter in auth mode) on the mail ports" % (
                _monitoring.JAIL),
            check=_auth_failures_banned,
            remediation="monitoring role (monitoring_fail2ban, monitoring_fail2ban_max_failures)",
            references=["FAIL2BAN jail.conf(5)"],
            needs=("postfix", "submission")),

    # --- Backups: the backup role (restic) ---------------------------------------------------------------
    Control(id="MAIL-BAK-001", title="Mail, queue, keys and configuration are backed up on a schedule", severity="medium",
            modes=ALL_MODES,
            expected="the backup and check timers (%s.timer, %s.timer) enabled and running, and the newest snapshot in the "
                     "encrypted restic repository holding /etc/postfix, the mail store (/var/mail, /home), Postfix's queues "
                     "(active, deferred, hold, incoming, maildrop) and, where OpenDKIM signs, the DKIM keys (/etc/dkimkeys)"
                     % (_backup.UNIT, _backup.CHECK_UNIT),
            check=_backups_scheduled,
            remediation="backup role (backup_repository, backup_times)",
            references=["RESTIC restic backup", "RESTIC systemd timers (scheduling backups)"]),
    Control(id="MAIL-BAK-002", title="The last backup is recent", severity="medium", modes=ALL_MODES,
            expected="the newest snapshot is at most %d hours old" % _backup.MAX_BACKUP_AGE_HOURS,
            check=_backup_recent,
            remediation="backup role: see why %s.service failed (journalctl -u %s)" % (_backup.UNIT, _backup.UNIT),
            references=["RESTIC restic snapshots"],
            needs=("postfix", "backup")),
    Control(id="MAIL-BAK-003", title="The backups were proven readable recently", severity="medium", modes=ALL_MODES,
            expected="restic check passed on the repository at most %d days ago" % _backup.MAX_CHECK_AGE_DAYS,
            check=_backup_checked,
            remediation="backup role: see why %s.service failed (journalctl -u %s)" % (_backup.CHECK_UNIT, _backup.CHECK_UNIT),
            references=["RESTIC restic check"],
            needs=("postfix", "backup")),

    # --- Sender authentication: the mail_auth role (host) and the records in DNS (mail_auth_info) ----------
    Control(id="MAIL-AUTH-001", title="Mail this server sends is DKIM-signed, failing closed", severity="medium", modes=SERVING,
            expected="an OpenDKIM milter in smtpd_milters (mail from clients and submission) and non_smtpd_milters (mail "
                     "handed to sendmail), milter_default_action not accept, a signing key for the mail domain (myorigin)",
            check=_signing_wired,
            remediation="mailsec_mail_auth: true (mail_auth and postfix roles)",
            references=["RFC 6376", "Gmail sender guidelines (SPF or DKIM for every sender)", "PF MILTER_README"]),
    Control(id="MAIL-AUTH-002", title="DKIM signing keys are strong and readable by OpenDKIM alone", severity="high",
            modes=SERVING,
            expected="every key of OpenDKIM's KeyTable is RSA of 2048 bits or more, mode 0600 or stricter, owned by opendkim",
            check=_signing_keys_sound,
            remediation="mail_auth role (mail_auth_dkim_key_bits; rotate a weak key with mail_auth_dkim_next_selector)",
            references=["RFC 8301 §3.2", "RFC 6376 §8.2"],
            needs=("opendkim",)),
    Control(id="MAIL-AUTH-003", title="Incoming mail is checked for SPF, DKIM and DMARC", severity="medium", modes=SERVING,
            expected="OpenDMARC in smtpd_milters after OpenDKIM, failing closed; an SPF policy service in "
                     "smtpd_sender_restrictions or smtpd_recipient_restrictions",
            check=_incoming_checked,
            remediation="mailsec_mail_auth: true (mail_auth and postfix roles)",
            references=["RFC 7208 §2.4", "RFC 7489 §6.6", "RFC 8601"]),
    Control(id="MAIL-AUTH-004", title="Each mail domain's SPF record authorises every egress address", severity="high",
            modes=SERVING,
            expected="one v=spf1 record per mail domain that yields pass for each egress address as receivers evaluate it "
                     "(at most 10 DNS lookups and 2 void lookups), ending in -all or ~all",
            check=_spf_authorises,
            remediation="publish the record the mail_auth role prints (mail_auth_publish, or the DNS administrators)",
            references=["RFC 7208 §4.6.4", "RFC 7208 §4.5", "Gmail sender guidelines (SPF or DKIM for every sender)"],
            needs=(),
            source=SENDER),
    Control(id="MAIL-AUTH-005", title="The published DKIM key is the key mail is signed with", severity="high", modes=SERVING,
            expected="SELECTOR._domainkey.DOMAIN of each mail domain's signing selector holds the public half of the "
                     "signing key, RSA of 2048 bits or more, not in test mode (t=y), not revoked",
            check=_dkim_published,
            remediation="publish the record the mail_auth role prints; rotate keys with mail_auth_dkim_next_selector",
            references=["RFC 6376 §3.6", "RFC 8301 §3.2"],
            needs=(),
            source=SENDER),
    Control(id="MAIL-AUTH-006", title="Each mail domain publishes an enforced DMARC policy its mail aligns with", severity="medium",
            modes=SERVING,
            expected="one v=DMARC1 record (the domain's or its parent's), p=quarantine or reject for all mail (pct=100), "
                     "aggregate reports to an authorised address, and the signing domain aligned with the From domain",
            check=_dmarc_enforced,
            remediation="mail_auth_dmarc_policy and mail_auth_report_address (mail_auth role); publish the printed record",
            references=["RFC 7489 §6.3", "RFC 7489 §7.1", "Gmail sender guidelines (DMARC for bulk senders)"],
            needs=(),
            source=SENDER),
    Control(id="MAIL-AUTH-007", title="Each mail domain asks for SMTP TLS reports", severity="low", modes=SERVING,
            expected="one v=TLSRPTv1 record at _smtp._tls.DOMAIN with a mailto: or https: report address",
            check=_tlsrpt_published,
            remediation="publish the record the mail_auth role prints",
            references=["RFC 8460 §3"],
            needs=(),
            source=SENDER),
    Control(id="MAIL-AUTH-008", title="A published MTA-STS policy names every MX, and each MX's certificate is valid",
            severity="medium", modes=SERVING,
            expected="where a mail domain publishes _mta-sts (v=STSv1 and an id), https://mta-sts.DOMAIN/.well-known/"
                     "mta-sts.txt answers 200 text/plain over TLS with a valid certificate, no redirect, with a valid "
                     "policy (STSv1; mode enforce, testing or none; max_age within a year) whose mx lines match every "
                     "MX host of the domain, and each MX offers STARTTLS with a certificate valid for its name",
            check=_mta_sts_consistent,
            remediation="mail_auth_mta_sts_mx, the certificates (mail_auth_mta_sts_cert_file, postfix_tls_cert_file); "
                        "publish the records the mail_auth role prints",
            references=["RFC 8461 §3", "RFC 8461 §4.1", "RFC 8461 §5"],
            needs=("mta_sts_policy",),
            source=SENDER),
    # --- Registration of mail servers (a sweep compared with the registry) -----------------------------
    Control(id="MAIL-REG-001", title="Every mail server in the swept ranges is registered", severity="high", modes=ALL_MODES,
            expected="every address listening on a mail port is an entry of the registry",
            check=_registered,
            remediation="register the server (inventory group mail_registry or the registry file), or switch it off; "
                        "the border_firewall role in enforce mode blocks unregistered servers",
            references=["CAMPUS registration", "M3AAWG Managing Port 25", "RFC 5068 §3"],
            needs=(),
            source=SCAN),
    Control(id="MAIL-REG-002", title="A registered server listens only on its approved ports", severity="medium", modes=ALL_MODES,
            expected="the mail ports a registered server listens on are its approved ports",
            check=_approved_ports_only,
            remediation="mailsec_registry_ports, or close the port on the server",
            references=["CAMPUS registration"],
            needs=("registered",),
            source=SCAN),
    Control(id="MAIL-REG-003", title="A registered server takes mail on its approved ports", severity="medium", modes=ALL_MODES,
            expected="every approved port that was swept answers SMTP",
            check=_registered_answers,
            remediation="start the server, or remove the port or the entry from the registry",
            references=["CAMPUS registration"],
            needs=("registered",),
            source=SCAN),
)

BY_ID = dict((c.id, c) for c in CONTROLS)


def controls(source=None):
    """The controls, optionally only those judged from SOURCE (host or network)."""
    return [c for c in CONTROLS if source is None or c.source == source]


def role_settings(mode, optouts=None):
    """The main.cf settings the postfix role writes for MODE, grouped by control:
    [{id, title, settings: [[name, value], ...]}] in catalogue order; the controls switched off in
    OPTOUTS ({id, reason}) are left out, so the role leaves their settings alone."""
    if mode not in MODES:
        raise ValueError("mode must be one of %s, not %r" % (", ".join(MODES), mode))
    problems = optout_problems(optouts or [], "optouts")
    if problems:
        raise ValueError("; ".join(problems))
    off = _optout_reasons(optouts)
    groups = []
    for control in CONTROLS:
        if control.settings and mode in control.setting_modes and control.id not in off:
            groups.append(dict(id=control.id, title=control.title,
                               settings=[[name, value] for name, value in sorted(control.settings.items())]))
    return groups


def components(evidence):
    """The components EVIDENCE shows on the host: postfix, submission, clamav, mimedefang, spamassassin, opendkim, and
    backup (the backup role's settings are there)."""
    found = set()
    ev = Evidence(evidence)
    postfix = evidence.get("postfix") if isinstance(evidence, dict) else None
    if isinstance(postfix, dict) and postfix.get("installed"):
        found.add("postfix")
        try:
            if ev.submission_services():
                found.add("submission")
        except EvidenceMissing:
            pass
    for name in ("clamav", "mimedefang", "spamassassin", "opendkim"):
        section = evidence.get(name) if isinstance(evidence, dict) else None
        if isinstance(section, dict) and section.get("installed"):
            found.add(name)
    backup = evidence.get("backup") if isinstance(evidence, dict) else None
    if isinstance(backup, dict) and backup.get("configured"):
        found.add("backup")
    return found


def finding(control, status, actual, note=""):
    """One finding in the shape every report reads."""
    data = control.describe()
    data.update(status=status, actual=actual, note=note)
    return data


# Controls another role implements with a value a site may have to relax for a while, with a reason:
# MAIL-AUTH-006 while a domain's DMARC reports are studied before its policy enforces (p=none).
ROLE_OPTOUTS = ("MAIL-AUTH-006",)


def optable(control):
    """Whether a site may switch CONTROL off in its host intent (mailsec_control_optouts): a control the
    postfix role implements with fixed settings or a bounded value, or one of ROLE_OPTOUTS, neither
    critical nor high, and never one of the relay controls."""
    implemented = bool(control.settings) or control.id in ROLE_OPTOUTS or any(
        entry[0] == control.id and variable.startswith("postfix_") for variable, entry in BOUNDS.items())
    return implemented and control.severity not in ("critical", "high") and control.family != "RELAY"


def optout_problems(optouts, variable="mailsec_control_optouts"):
    """Problems with OPTOUTS, a list of {id, reason}: unknown or non-optable controls, a control twice, a
    reason that is not one line of text."""
    if not isinstance(optouts, (list, tuple)):
        return ["%s must be a list of {id, reason}, not %s" % (variable, _inputs.type_name(optouts))]
    problems, seen = [], set()
    for index, item in enumerate(optouts):
        where = "%s[%d]" % (variable, index)
        if not isinstance(item, dict) or set(item) != {"id", "reason"}:
            problems.append("%s must be a mapping with exactly id and reason, e.g. {id: MAIL-SMTPD-004, reason: "
                            "'printers with bad HELO names, ticket 4711'}" % where)
            continue
        control = BY_ID.get(item["id"]) if isinstance(item["id"], str) else None
        if control is None:
            problems.append("%s: %s is not a control of the catalogue (docs/controls.md)" % (where, _inputs.shown(item["id"])))
        elif not optable(control):
            problems.append("%s: %s (%s) cannot be switched off: only medium and low controls the postfix role "
                            "implements, outside the relay family, can" % (where, control.id, control.title.lower()))
        elif control.id in seen:
            problems.append("%s: %s is switched off twice" % (where, control.id))
        seen.add(item["id"])
        try:
            _inputs.text(item["reason"], "%s.reason" % where, max_length=200)
        except _inputs.Refusal as refusal:
            problems.append(str(refusal))
    return problems


def _optout_reasons(optouts):
    return dict((item["id"], item["reason"]) for item in optouts or [] if isinstance(item, dict) and "id" in item)


def judge(control, evidence, mode, present=None, optouts=None):
    """The finding of one CONTROL for EVIDENCE of a host in MODE (waivers come later: ``apply_waivers``).
    A control the host intent switches off (OPTOUTS) is ``waived`` with its reason, whatever the check
    says: never a pass, never silent."""
    finding_ = _judge(control, evidence, mode, present)
    reason = _optout_reasons(optouts).get(control.id)
    if reason is not None and finding_["status"] in ("pass", "fail"):
        finding_ = dict(finding_, status="waived", note=_joined(
            finding_.get("note"), "switched off in the host intent (mailsec_control_optouts): %s" % reason))
    return finding_


def _joined(first, second):
    return "%s; %s" % (first, second) if first else second


def _judge(control, evidence, mode, present=None):
    present = components(evidence) if present is None else present
    missing = [n for n in control.needs if n not in present]
    if missing:
        where = "" if control.source in (SENDER, DNS) else " on this host"
        return finding(control, "not_applicable", "", "%s not present%s" % (" and ".join(missing), where))
    if mode not in control.modes:
        if mode in control.deviation:
            return finding(control, "waived", "", "documented deviation for mode %s: %s" % (mode, control.deviation[mode]))
        return finding(control, "not_applicable", "", "applies to %s, not to mode %s" % (", ".join(control.modes), mode))
    try:
        passed, actual = control.check(Evidence(evidence))
    except EvidenceMissing as error:
        return finding(control, "error", "", str(error))
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
        # a field of another type or shape than mailhost_info gathers (an old or edited evidence file): not judged
        return finding(control, "error", "", "the evidence this control reads is malformed (%s: %s); gather it again"
                       % (type(error).__name__, error))
    return finding(control, "pass" if passed else "fail", actual)


def evaluate(evidence, mode, source=HOST, only=None, optouts=None):
    """Judge every control of SOURCE against EVIDENCE for a host in MODE; ONLY limits the IDs; OPTOUTS
    ({id, reason}) are the controls the host intent switches off."""
    if mode not in MODES:
        raise ValueError("mode must be one of %s, not %r" % (", ".join(MODES), mode))
    evidence = dict(evidence) if isinstance(evidence, dict) else {}
    evidence.setdefault("mode", mode)
    if source == HOST:
        present = components(evidence)
    elif source == SENDER:
        present = sender_components(evidence)
    elif source == DNS:
        fcrdns = evidence.get("fcrdns") if isinstance(evidence.get("fcrdns"), dict) else {}
        present = set(["blocklists"]) if fcrdns.get("blocklists_asked") else set()
    else:
        present = set(["registered"]) if source == SCAN and evidence.get("registry") else set()
    return [judge(c, evidence, mode, present, optouts) for c in controls(source) if only is None or c.id in only]


def summarize(findings):
    """How many FINDINGS have each status, every status present (zero included)."""
    return dict((status, len([f for f in findings if f["status"] == status])) for status in STATUSES)


def infer_mode(evidence):
    """The mode a host's Postfix settings show, for hosts whose intent was not given: no Postfix or
    loopback-only listeners → local_only; loopback-only with a relay host and no local domains →
    relay_client; else mx."""
    ev = Evidence(evidence)
    if "postfix" not in components(evidence):
        return "local_only"
    try:
        interfaces = ev.param("inet_interfaces").lower()
        relayhost = ev.param("relayhost")
        destinations = _postfix_settings.words(ev.param("mydestination"))
    except EvidenceMissing:
        return "mx"
    if interfaces in ("loopback-only", "localhost", "127.0.0.1", "127.0.0.1, [::1]"):
        return "relay_client" if relayhost and not destinations else "local_only"
    return "mx"


def catalogue_problems():
    """Inconsistencies in the catalogue itself (the unit tests require none)."""
    problems = []
    seen = set()
    for control in CONTROLS:
        if control.id in seen:
            problems.append("%s is defined twice" % control.id)
        seen.add(control.id)
        if not re.match(r"^MAIL-[A-Z]+-\d{3}\Z", control.id) or control.family not in FAMILIES:
            problems.append("%s: malformed ID or unknown family" % control.id)
        if control.severity not in SEVERITIES:
            problems.append("%s: unknown severity %s" % (control.id, control.severity))
        if not set(control.modes) <= set(MODES) or not set(control.setting_modes) <= set(MODES):
            problems.append("%s: unknown mode" % control.id)
        if not control.references:
            problems.append("%s: no reference" % control.id)
        if control.source not in SOURCES:
            problems.append("%s: unknown source %s" % (control.id, control.source))
    written = {}
    for control in CONTROLS:
        for name in control.settings:
            if name in written:
                problems.append("%s is written by both %s and %s" % (name, written[name], control.id))
            written[name] = control.id
    return problems
