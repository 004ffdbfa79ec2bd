# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The mail monitor, defined once: the monitoring role installs this very file on the mail server,
where two timers run it (``summary``: pflogsumm's daily report; ``alerts``: every few minutes, the
queue, the refusals and failed logins in the journal, the filters), and the audit imports it for the
paths and the state it reads (MAIL-MON-001).

It needs nothing but Python's standard library on the host. The parsing and the decisions are pure
functions; ``main`` does the I/O (postqueue, journalctl, systemctl, postconf, sendmail) with commands
as lists, never a shell.

An alert is mailed when a condition starts, again every ``repeat_hours`` while it lasts, and once more
when it clears, so a flood of refusals makes one mail, not one per run.
"""

from __future__ import annotations

import datetime
import email.message
import email.policy
import email.utils
import json
import os
import re
import socket
import subprocess
import sys

SUMMARY_UNIT = "mailsec-mail-summary"      # .service (one report) and .timer (daily)
ALERTS_UNIT = "mailsec-mail-alerts"        # .service (one round of checks) and .timer (every few minutes)
MAIL_LOG_UNIT = "mailsec-mail-log"         # with the exporter only: the mail log copied to a file it can read
SCRIPT = "/usr/local/lib/mailsec/mail_monitor.py"
# Postfix's queue directory when postconf cannot say: the script runs alone on the host, so it holds its own copy
# of _filters.QUEUE_DIRECTORY (a unit test keeps the two equal).
QUEUE_DIRECTORY = "/var/spool/postfix"
CONFIG = "/etc/mailsec/monitoring/monitor.json"
STATE_DIR = "/var/lib/mailsec-monitoring"
STATE = STATE_DIR + "/state.json"
# The exporter reads Postfix's log from a file; Debian's build has no journal reader.
MAIL_LOG = "/var/log/mailsec/mail.log"
# fail2ban's jail for failed SMTP AUTH (Debian's filter postfix[mode=auth]) and the file that enables it.
JAIL = "postfix-sasl"
JAIL_FILE = "/etc/fail2ban/jail.d/mailsec-postfix-sasl.local"
# Debian's postfix filter, also counting the failures Postfix reports as "Connection lost to authentication
# server": Dovecot answers a client's repeated failures ever more slowly, and past ten seconds Postfix gives up
# on the answer and says so, which Debian's filter skips (a guesser would stop being counted after three).
FILTER = "mailsec-postfix-sasl"
FILTER_FILE = "/etc/fail2ban/filter.d/%s.conf" % FILTER
EXPORTER_UNIT = "prometheus-postfix-exporter"
# The audit's limit on the age of the last round of checks; the role allows at most 30 minutes between rounds.
MAX_CHECK_AGE_MINUTES = 60
# The services a mail server depends on besides Postfix (whose master ``postfix status`` asks, whatever unit
# started it): its filters and milters, and Dovecot (local delivery, SASL). A unit is watched where it is
# enabled: a filter the site does not run is not an outage.
WATCHED_UNITS = ("clamav-daemon.service", "clamav-milter.service", "mimedefang.service", "spamd.service",
                 "spamassassin.service", "spamass-milter.service", "opendkim.service", "opendmarc.service",
                 "dovecot.service")
# What Postfix logs when it refuses to relay, and when a SASL login fails (smtpd on any service name).
RELAY_REFUSED = re.compile(r"NOQUEUE: reject: RCPT from ([^\s\[]*\[([^\]]+)\])(?::\d+)?: \d{3} [\d.]+ <[^>]*>: "
                           r"Relay access denied")
AUTH_FAILED = re.compile(r"warning: ([^\s\[]*\[([^\]]+)\])(?::\d+)?: SASL [A-Za-z0-9-]+ authentication failed")
# What each alert tells the administrator to look at.
HINTS = dict(
    queue="postqueue -p shows what waits and why: a destination down, a filter stopped, or mail the server "
          "should not have accepted",
    relay_refusals="someone is trying to send through this server to other domains; the refusals show the relay "
                   "is closed. journalctl SYSLOG_FACILITY=2 -g 'Relay access denied' names the clients",
    auth_failures="passwords are being guessed on the submission ports; fail2ban bans a client after repeated "
                  "failures (fail2ban-client status %s)" % JAIL,
    postfix="nothing is received or delivered; systemctl status postfix and the journal say why it stopped",
    unit="systemctl status names why it stopped; while a filter or milter is down Postfix defers the mail it should "
         "see (milter_default_action tempfail), and while Dovecot is down local mail waits in the queue",
    milter="Postfix cannot reach this milter, so it defers the mail the milter should see",
    monitor="the monitor could not read part of the server's state; that part is not being watched",
)
DEFAULTS = dict(mail="root", queue_limit=200, refusal_limit=100, auth_failure_limit=20, window_minutes=15,
                repeat_hours=6)
# postconf's milter lists: "inet:HOST:PORT", "unix:/PATH", or a {...} group with options.
_MILTER = re.compile(r"(inet|unix):([^\s,{}]+)")


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _time_text(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _read_time(text):
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def _json_object(text, what):
    """TEXT as a JSON object; raises ValueError naming WHAT when it is not one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the JSON reader goes
        raise ValueError("%s is not JSON: %s" % (what, error))
    if not isinstance(data, dict):
        raise ValueError("%s is not a JSON object" % what)
    return data


def read_config(text):
    """The monitor's settings from the role's JSON TEXT, every value checked; raises ValueError naming the bad one."""
    data = _json_object(text, "the monitor's settings")
    config = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        value = data.get(name, default)
        if isinstance(default, int) and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError("the monitor's setting %s must be a whole number of at least 1, not %r" % (name, value))
        if isinstance(default, str) and (not isinstance(value, str) or not re.match(r"^[A-Za-z0-9._+@-]+\Z", value)):
            raise ValueError("the monitor's setting %s must be a user or an address, not %r" % (name, value))
        config[name] = value
    return config


def queue_size(text):
    """The number of messages in ``postqueue -j`` TEXT (one JSON object per message); raises ValueError on
    a line that is not one."""
    count = 0
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            item = None
        if not isinstance(item, dict) or "queue_id" not in item:
            raise ValueError("line %d of postqueue -j is not a message: %r" % (number, line[:60]))
        count += 1
    return count


def _message(entry):
    """The MESSAGE of one journal entry as text: journalctl gives bytes that are not UTF-8 as a list of numbers."""
    message = entry.get("MESSAGE") if isinstance(entry, dict) else None
    if isinstance(message, list):
        try:
            return bytes(message).decode("utf-8", "replace")
        except (TypeError, ValueError):
            return ""
    return message if isinstance(message, str) else ""


def count_events(lines):
    """Relay refusals and failed SMTP AUTH logins in journal LINES (``journalctl -o json``), as
    {relay_refusals: {count, clients: {address: n}}, auth_failures: {...}}. A line that is not a journal
    entry is skipped and counted in ``unreadable``."""
    counts = dict(relay_refusals=dict(count=0, clients={}), auth_failures=dict(count=0, clients={}), unreadable=0)
    for line in lines:
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            counts["unreadable"] += 1
            continue
        text = _message(entry)
        for key, pattern in (("relay_refusals", RELAY_REFUSED), ("auth_failures", AUTH_FAILED)):
            match = pattern.search(text)
            if match:
                counts[key]["count"] += 1
                clients = counts[key]["clients"]
                clients[match.group(2)] = clients.get(match.group(2), 0) + 1
    return counts


def parse_units(text):
    """``systemctl show --property=Id,LoadState,ActiveState,UnitFileState UNIT...`` as {unit: {property: value}}."""
    shown = {}
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        fields = dict(line.partition("=")[::2] for line in block.splitlines() if "=" in line)
        if fields.get("Id"):
            shown[fields["Id"]] = fields
    return shown


def units_down(shown):
    """The watched units that are enabled and not running."""
    down = []
    for unit in WATCHED_UNITS:
        fields = shown.get(unit, {})
        if fields.get("LoadState") == "loaded" and fields.get("UnitFileState") == "enabled" and fields.get("ActiveState") != "active":
            down.append(dict(unit=unit, state=fields.get("ActiveState") or "unknown"))
    return down


def milter_endpoints(text, queue_directory=QUEUE_DIRECTORY):
    """The milters of ``postconf -h smtpd_milters non_smtpd_milters`` TEXT, each once, as [{kind, address}]:
    an inet endpoint as (host, port), a unix one as its path (a relative path lies in QUEUE_DIRECTORY, where
    Postfix's smtpd works)."""
    endpoints = []
    for kind, target in _MILTER.findall(text or ""):
        if kind == "inet":
            host, _sep, port = target.rpartition(":")
            if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
                continue
            item = dict(kind="inet", address=(host.strip("[]"), int(port)), name="inet:%s" % target)
        else:
            # a chrooted smtpd reads an absolute path under the queue directory too
            inside = os.path.join(queue_directory, target.lstrip("/"))
            path = target if target.startswith("/") and (os.path.exists(target) or not os.path.exists(inside)) else inside
            item = dict(kind="unix", address=path, name="unix:%s" % target)
        if item not in endpoints:
            endpoints.append(item)
    return endpoints


def _top(clients, many=3):
    ranked = sorted(clients.items(), key=lambda pair: (-pair[1], pair[0]))[:many]
    return ", ".join("%s (%d)" % pair for pair in ranked)


def conditions(config, queue=None, counts=None, down=(), milters_down=(), errors=(), postfix_down=""):
    """What is wrong now, as {key: sentence}: Postfix not running (POSTFIX_DOWN says how), the queue at or above
    its limit, refusals or failed logins in the window at or above theirs, units and milters down, and the parts
    the monitor could not read."""
    found = {}
    if postfix_down:
        found["postfix"] = "Postfix is not running (%s)" % postfix_down
    if queue is not None and queue >= config["queue_limit"]:
        found["queue"] = "the queue holds %d messages (limit %d)" % (queue, config["queue_limit"])
    window = config["window_minutes"]
    for key, what, limit in (("relay_refusals", "relay attempts refused", config["refusal_limit"]),
                             ("auth_failures", "failed SMTP AUTH logins", config["auth_failure_limit"])):
        seen = (counts or {}).get(key) or {}
        if seen.get("count", 0) >= limit:
            found[key] = "%d %s in the last %d minutes (limit %d), most from %s" % (
                seen["count"], what, window, limit, _top(seen.get("clients") or {}))
    for item in down:
        found["unit:" + item["unit"]] = "%s is %s" % (item["unit"], item["state"])
    for name in milters_down:
        found["milter:" + name] = "the milter %s does not answer" % name
    for number, error in enumerate(errors):
        found["monitor:%d" % number] = error
    return found


def _order(key):
    """Conditions in the order a reader wants them: Postfix, then units that stopped, then milters that do not
    answer (a milter's unit stopping is the cause of that), then the rest by name."""
    return ({"postfix": 0, "unit": 1, "milter": 2}.get(key.partition(":")[0], 3), key)


def decide(state, found, now, repeat_hours):
    """The new alert state and what to mail, from the previous STATE ({alerts: {key: {text, since, mailed}}}) and
    the conditions FOUND now: {new: [...], ongoing: [...], cleared: [...]} of {key, text, since}; a condition is
    mailed when it starts, every REPEAT_HOURS while it lasts, and when it clears."""
    before = (state or {}).get("alerts") or {}
    before = before if isinstance(before, dict) else {}  # a state file of another shape holds no alerts
    alerts, mail = {}, dict(new=[], ongoing=[], cleared=[])
    for key in sorted(found, key=_order):
        old = before.get(key) if isinstance(before.get(key), dict) else None
        if old is None:
            alerts[key] = dict(text=found[key], since=_time_text(now), mailed=_time_text(now))
            mail["new"].append(dict(key=key, text=found[key], since=_time_text(now)))
            continue
        since = old.get("since") or _time_text(now)
        mailed = _read_time(old.get("mailed"))
        due = mailed is None or (now - mailed).total_seconds() >= repeat_hours * 3600
        alerts[key] = dict(text=found[key], since=since, mailed=_time_text(now) if due else old.get("mailed"))
        if due:
            mail["ongoing"].append(dict(key=key, text=found[key], since=since))
    for key in sorted(before, key=_order):
        if key not in found and isinstance(before[key], dict):
            mail["cleared"].append(dict(key=key, text=before[key].get("text", key), since=before[key].get("since")))
    return dict(alerts=alerts), mail


def _hint(key):
    return HINTS.get(key.partition(":")[0], "")


def alert_message(host, to, mail, now, config=None):
    """The alert mail for MAIL (as ``decide`` returns it) as an EmailMessage, or None when there is nothing to say."""
    if not any(mail.values()):
        return None
    first = (mail["new"] or mail["ongoing"] or [None])[0]
    count = len(mail["new"]) + len(mail["ongoing"])
    if first:
        subject = "Mail alert on %s: %s" % (host, first["text"]) + (" (and %d more)" % (count - 1) if count > 1 else "")
    else:
        subject = "Mail alert cleared on %s: %s" % (host, mail["cleared"][0]["text"]) + (
            " (and %d more)" % (len(mail["cleared"]) - 1) if len(mail["cleared"]) > 1 else "")
    lines = ["The mail monitor on %s checked the server at %s." % (host, _time_text(now)), ""]
    for title, items in (("New", mail["new"]), ("Still going on", mail["ongoing"]), ("Cleared", mail["cleared"])):
        if not items:
            continue
        lines.append("%s:" % title)
        for item in items:
            lines.append("  - %s%s" % (item["text"], "" if title == "New" else " (since %s)" % item["since"]))
            if title != "Cleared" and _hint(item["key"]):
                lines.append("    %s" % _hint(item["key"]))
        lines.append("")
    if config:
        lines.append("Limits (the monitoring role's settings): queue %d messages; in %d minutes, %d refused relay attempts "
                     "or %d failed logins. An alert is repeated every %d hours while it lasts." % (
                         config["queue_limit"], config["window_minutes"], config["refusal_limit"],
                         config["auth_failure_limit"], config["repeat_hours"]))
    message = email.message.EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines) + "\n", cte="8bit")
    return message


def summary_subject(host, report):
    """The daily summary's subject: the host and pflogsumm's grand totals (received, delivered, deferred,
    bounced, rejected) read from REPORT."""
    totals = []
    for what in ("received", "delivered", "deferred", "bounced", "rejected"):
        match = re.search(r"^\s*(\d+[km]?)\s+%s\b" % what, report or "", re.MULTILINE)
        if match:
            totals.append("%s %s" % (match.group(1), what))
    return "Mail summary of %s, last 24 hours%s" % (host, ": " + ", ".join(totals) if totals else "")


def summary_message(host, to, report, now):
    message = email.message.EmailMessage()
    message["To"] = to
    message["Subject"] = summary_subject(host, report)
    message["Date"] = email.utils.format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("pflogsumm's report of the mail log of %s, the 24 hours to %s.\n\n%s" % (
        host, _time_text(now), report), cte="8bit")
    return message


def read_state(text):
    """The monitor's state file TEXT as a mapping; {} when it is empty. Raises ValueError when it is not the monitor's."""
    if not (text or "").strip():
        return {}
    return _json_object(text, "the monitor's state")


def state_evidence(text, now):
    """What the audit reads of the state file TEXT: when the last round ran and how long ago, its errors and the
    alerts in force."""
    state = read_state(text)
    checked = _read_time(state.get("checked"))
    alerts = state.get("alerts") if isinstance(state.get("alerts"), dict) else {}
    errors = state.get("errors") if isinstance(state.get("errors"), list) else []
    return dict(checked=state.get("checked") if checked else None,
                age_minutes=None if checked is None else (now - checked).total_seconds() / 60.0,
                errors=[str(error) for error in errors][:10],
                alerts=sorted(str(alert.get("text")) for alert in alerts.values() if isinstance(alert, dict))[:20])


def parse_jail(text):
    """``fail2ban-client status JAIL`` TEXT as {failed_now, failed_total, banned_now, banned_total, banned}; raises
    ValueError when it is not a jail's status."""
    fields = {}
    for line in (text or "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip(" |`-").lower()] = value.strip()
    numbers = {}
    for key, name in (("failed_now", "currently failed"), ("failed_total", "total failed"),
                      ("banned_now", "currently banned"), ("banned_total", "total banned")):
        if not (fields.get(name, "").isascii() and fields.get(name, "").isdigit()):
            raise ValueError("not a fail2ban jail's status (no %r): %r" % (name, (text or "")[:80]))
        numbers[key] = int(fields[name])
    numbers["banned"] = (fields.get("banned ip list") or "").split()[:50]
    return numbers


# --- On the host ------------------------------------------------------------------------------------------


def _run(argv, stdin=None, timeout=120):
    """ARGV's (rc, stdout, stderr) as text; rc None when it could not be started or did not end in TIMEOUT seconds."""
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return None, "", str(error)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def _host_name():
    rc, out, _err = _run(["postconf", "-h", "myhostname"])
    return out.strip() if rc == 0 and out.strip() else socket.getfqdn()


# Headers unfolded up to RFC 5322's hard limit: a subject stays on one line, for people and for grep.
_POLICY = email.policy.default.clone(max_line_length=998)


def _send(message):
    rc, _out, err = _run(["/usr/sbin/sendmail", "-oi", "-t"], stdin=message.as_bytes(policy=_POLICY))
    if rc != 0:
        raise OSError("sendmail failed (%s): %s" % (rc, err.strip()[:200]))


def _answers(endpoint, timeout=5):
    family = socket.AF_UNIX if endpoint["kind"] == "unix" else socket.AF_INET6 if ":" in endpoint["address"][0] else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(endpoint["address"])
        return True
    except OSError:
        return False


def _load_json(path, reader):
    try:
        with open(path, encoding="utf-8") as handle:
            return reader(handle.read())
    except FileNotFoundError:
        return reader("")


def _save_state(state):
    os.makedirs(STATE_DIR, mode=0o750, exist_ok=True)
    temporary = STATE + ".new"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.replace(temporary, STATE)


def check(config, now):
    """One round: the queue, the journal's window, the watched units and the milters; the conditions found."""
    errors = []
    rc, out, err = _run(["postfix", "status"])
    postfix_down = "" if rc == 0 else (err.strip().splitlines() or ["postfix status: %s" % rc])[-1][:200]
    queue = None
    if not postfix_down:  # postqueue needs the master; when it is down, that condition says it all
        rc, out, err = _run(["postqueue", "-j"])
        try:
            queue = queue_size(out) if rc == 0 else None
        except ValueError as error:
            errors.append("the queue could not be read: %s" % error)
        if rc != 0:
            errors.append("the queue could not be read (postqueue -j: %s)" % (err.strip()[:200] or rc))
    rc, out, err = _run(["journalctl", "--quiet", "--no-pager", "--output=json", "--output-fields=MESSAGE",
                         "--since=-%dmin" % config["window_minutes"], "SYSLOG_FACILITY=2"])
    counts = None
    if rc == 0:
        counts = count_events(out.splitlines())
    else:
        errors.append("the mail log could not be read (journalctl: %s)" % (err.strip()[:200] or rc))
    rc, out, err = _run(["systemctl", "show", "--property=Id,LoadState,ActiveState,UnitFileState"] + list(WATCHED_UNITS))
    down = units_down(parse_units(out)) if rc == 0 else []
    if rc != 0:
        errors.append("the services could not be read (systemctl: %s)" % (err.strip()[:200] or rc))
    rc, out, _err = _run(["postconf", "-h", "queue_directory", "smtpd_milters", "non_smtpd_milters"])
    queue_directory, _sep, milters = (out if rc == 0 else "").partition("\n")
    milters_down = [endpoint["name"] for endpoint in milter_endpoints(milters, queue_directory.strip() or QUEUE_DIRECTORY)
                    if not _answers(endpoint)]
    return conditions(config, queue, counts, down, milters_down, errors, postfix_down), errors


def alerts(now=None):
    now = now or _now()
    config = _load_json(CONFIG, read_config)
    state = _load_json(STATE, read_state)
    found, errors = check(config, now)
    new_state, mail = decide(state, found, now, config["repeat_hours"])
    message = alert_message(_host_name(), config["mail"], mail, now, config)
    new_state.update(checked=_time_text(now), errors=errors)
    try:
        if message is not None:
            _send(message)
    except OSError as error:
        # The alerts stay unmailed: the next round tries again, and the audit sees the error.
        new_state.update(alerts=(state or {}).get("alerts") or {}, errors=errors + [str(error)])
        _save_state(new_state)
        raise
    _save_state(new_state)
    return found


def summary(now=None):
    now = now or _now()
    config = _load_json(CONFIG, read_config)
    rc, log, err = _run(["journalctl", "--quiet", "--no-pager", "--output=short", "--since=-24h", "SYSLOG_FACILITY=2"],
                        timeout=600)
    if rc != 0:
        raise OSError("the mail log could not be read (journalctl: %s)" % (err.strip()[:200] or rc))
    rc, report, err = _run(["pflogsumm", "--problems-first"], stdin=log.encode("utf-8"), timeout=600)
    if rc != 0:
        raise OSError("pflogsumm failed (%s): %s" % (rc, err.strip()[:200]))
    _send(summary_message(_host_name(), config["mail"], report, now))


def main(argv):
    if argv not in (["alerts"], ["summary"]):
        sys.stderr.write("usage: mail_monitor.py alerts|summary\n")
        return 2
    try:
        if argv == ["alerts"]:
            found = alerts()
            sys.stdout.write("%d condition(s): %s\n" % (len(found), "; ".join(found[key] for key in sorted(found)) or "none"))
        else:
            summary()
    except (OSError, ValueError) as error:
        sys.stderr.write("%s\n" % error)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
