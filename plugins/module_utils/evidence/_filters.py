# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Where the content filters meet Postfix, written once for the roles on both ends and the audit.

The content filters' milters (clamav-milter, spamass-milter) listen on Unix sockets in Postfix's queue
directory, named to Postfix by a path relative to it: smtpd works in that directory whether or not it is
chrooted, so the same name reaches the socket either way. Over loopback TCP each message waited on
delayed ACKs in the milter dialogue (a message refused by clamav-milter took 93 ms where clamd scans it
in 3; docs/roles/spamassassin.md). The socket's group is the milter's own, which Postfix's user joins;
the filter roles create the directory, so they still need nothing from Postfix to start (they run
first). The other milters listen on loopback TCP.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy

FILTERS = ("clamav", "spamassassin")

# What a virus found at SMTP receipt does: reject (clamav-milter refuses the message in the session)
# or sanitize (MIMEDefang calls the same clamd, removes the infected part and delivers the rest with
# an advisory; docs/filtering.md, the two policies).
FILTER_MODES = ("reject", "sanitize")

# The sender authentication milters of the mail_auth role: OpenDKIM signs and verifies, OpenDMARC
# then reads OpenDKIM's verdict, evaluates SPF itself and applies the sender domain's policy.
AUTH_MILTERS = ("opendkim", "opendmarc")

# A milter answers on its Unix socket when a connection opens: the roles run this on the host (python3 is
# there for Ansible) with the socket's path as the one argument.
CONNECT_UNIX = ("import socket, sys\n"
                "try:\n"
                "    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(sys.argv[1])\n"
                "except OSError as error:\n"
                "    sys.exit('%s does not answer: %s' % (sys.argv[1], error.strerror))\n")

# Postfix's queue directory on Debian, where the Unix sockets of the content filters' milters live.
QUEUE_DIRECTORY = "/var/spool/postfix"

MILTERS = {
    "clamav": dict(socket="clamav/clamav-milter.ctl", group="clamav", daemon="clamav-milter", scanner="clamd"),
    "spamassassin": dict(socket="spamass/spamass.sock", group="spamass-milter", daemon="spamass-milter", scanner="spamd"),
    "opendkim": dict(host="127.0.0.1", port=8891, daemon="opendkim", scanner="opendkim"),
    "opendmarc": dict(host="127.0.0.1", port=8893, daemon="opendmarc", scanner="opendmarc"),
    # Sanitize mode: MIMEDefang takes the virus filter's place in front of clamd.
    "mimedefang": dict(host="127.0.0.1", port=8899, daemon="mimedefang", scanner="clamd"),
}

_EXTRA_MILTER = re.compile(r"^(?:inet:[A-Za-z0-9.:\[\]-]+:\d{1,5}|unix:/[A-Za-z0-9._/-]+)\Z")


def endpoint(name):
    """How each side names the milter of filter NAME. A Unix socket (kind unix): Postfix's name for it
    (unix:DIR/FILE, relative to the queue directory), libmilter's (unix:/ABSOLUTE/PATH), the path, its
    directory and the group that may connect. A TCP endpoint (kind inet): Postfix's (inet:HOST:PORT),
    libmilter's (inet:PORT@HOST, as OpenDKIM and MIMEDefang take it), host and port."""
    if name not in MILTERS:
        raise ValueError("unknown milter %r; choose from %s" % (name, ", ".join(MILTERS)))
    milter = MILTERS[name]
    if "socket" in milter:
        path = posixpath.join(QUEUE_DIRECTORY, milter["socket"])
        return dict(milter, name=name, kind="unix", path=path, directory=posixpath.dirname(path), host=None, port=None,
                    postfix="unix:%s" % milter["socket"], libmilter="unix:%s" % path, check=["python3", "-c", CONNECT_UNIX, path])
    return dict(milter, name=name, kind="inet", path=None, directory=None, postfix="inet:%s:%d" % (milter["host"], milter["port"]),
                libmilter="inet:%d@%s" % (milter["port"], milter["host"]))


def virus_milter(mode):
    """The milter that stands for the clamav filter in filter MODE."""
    return "mimedefang" if mode == "sanitize" else "clamav"


def smtpd_milters(filters, extra=(), mail_auth=False, mode="reject"):
    """The smtpd_milters list: the virus filter first (a virus is refused or removed before spam is
    scored; MIMEDefang stands for it in sanitize MODE), then the spam filter, then with MAIL_AUTH
    OpenDKIM (which signs what the filters passed, and verifies) and OpenDMARC (which reads OpenDKIM's
    verdict), then the site's own milters."""
    names = [virus_milter(mode) if name == "clamav" else name for name in FILTERS if name in filters]
    names += list(AUTH_MILTERS) if mail_auth else []
    return [endpoint(name)["postfix"] for name in names] + list(extra)


def filter_problems(filters, mode, variable):
    """Problems with the list of filters a host runs, each naming VARIABLE."""
    if not isinstance(filters, (list, tuple)):
        return ["%s must be a list naming content filters (%s), not %s" % (variable, ", ".join(FILTERS), policy.describe(filters))]
    problems = []
    for name in filters:
        if name not in FILTERS:
            problems.append("%s: %s is not a content filter this collection runs; choose from %s"
                            % (variable, policy.describe(name), ", ".join(FILTERS)))
    if len(set(map(str, filters))) != len(filters):
        problems.append("%s names a filter twice" % variable)
    if filters and mode in ("relay_client", "local_only"):
        problems.append("%s: content filters scan mail received from the Internet, which a %s host does not "
                        "receive; leave it empty or use mode mx" % (variable, mode))
    return problems


def extra_milter_problems(milters, variable):
    if not isinstance(milters, (list, tuple)):
        return ["%s must be a list of milter addresses such as inet:127.0.0.1:8891, not %s" % (variable, policy.describe(milters))]
    return ["%s: %s is not a milter address; write inet:HOST:PORT or unix:/PATH" % (variable, policy.describe(m))
            for m in milters if not isinstance(m, str) or not _EXTRA_MILTER.match(m)]


def size_value(text):
    """A ClamAV size (25M, 1024K, 1000) in bytes; None when it does not read as one."""
    match = re.match(r"^\s*(\d+)\s*([kKmM]?)[bB]?\s*\Z", str(text))
    if not match:
        return None
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[match.group(2).lower()]


def postfix_milters(text):
    """A Postfix smtpd_milters value as [{address, options}]: plain addresses, and the grouped form of
    Postfix 3.0 and later, { inet:host:port, default_action = accept, ... }, whose options override
    the milter_* parameters for that milter alone."""
    milters = []
    for grouped, plain in re.findall(r"\{([^}]*)\}|([^\s,{}]+)", text or ""):
        if plain:
            milters.append(dict(address=plain, options={}))
            continue
        parts = [p.strip() for p in grouped.split(",") if p.strip()]
        if parts:
            options = dict((k.strip().lower(), v.strip()) for k, _sep, v in (p.partition("=") for p in parts[1:]))
            milters.append(dict(address=parts[0], options=options))
    return milters


def milter_address(text):
    """A milter socket as Postfix or libmilter writes it, reduced to ("inet", host, port) or
    ("unix", path): inet:HOST:PORT, inet:[HOST]:PORT, inet:PORT@HOST, inet6:PORT@HOST, unix:PATH,
    local:PATH (absolute, or relative to Postfix's queue directory) or a bare /PATH. None when it reads as none
    of them."""
    text = (text or "").strip()
    libmilter = re.match(r"^inet6?:(?P<port>\d{1,5})@\[?(?P<host>[^\]@]+?)\]?\Z", text)
    postfix = re.match(r"^inet:\[?(?P<host>.+?)\]?:(?P<port>\d{1,5})\Z", text)
    match = libmilter or postfix
    if match:
        return ("inet", match.group("host").lower(), int(match.group("port")))
    match = re.match(r"^(?:unix:|local:)?(/\S+)\Z", text) or re.match(r"^(?:unix|local):([^/\s]\S*)\Z", text)
    return ("unix", match.group(1)) if match else None


def unix_path(path, queue_directory=QUEUE_DIRECTORY):
    """Where Postfix's smtpd finds the Unix socket PATH it names: a relative path lies in QUEUE_DIRECTORY,
    where smtpd works, chrooted or not."""
    return path if path.startswith("/") else posixpath.join(queue_directory or QUEUE_DIRECTORY, path)
