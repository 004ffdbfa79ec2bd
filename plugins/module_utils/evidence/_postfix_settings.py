# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""What Postfix settings mean for relay control: pure parsing and judgement, no I/O.

* ``parse_main_cf`` reads main.cf text the way Postfix does (comments, continuation lines).
* ``setting_risks`` says whether one parameter value decides who may relay or whose identity
  Postfix believes, or switches a content control off (a filter, the header checks, the attachment
  policy), and whether a written reason may accept it. The role applies it to
  ``postfix_extra_settings`` and to the ``-o`` overrides of every master.cf service, so both are
  judged by the same rules.
* ``relay_list_problems`` judges smtpd_relay_restrictions / smtpd_recipient_restrictions.
* ``parse_services`` / ``parse_overrides`` read ``postconf -M`` and ``postconf -P`` output;
  ``master_services`` joins them with where each inet service listens.
* ``dropped_settings`` finds live settings a new main.cf would silently drop.
"""

from __future__ import annotations

import ipaddress
import re
import socket

from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _filters
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._mail_policy import (
    LOOPBACK,
    describe_excess,
    render_setting,
    trust_excess,
)

# Comment lines in a main.cf written by the role that name every parameter it wrote.
WRITTEN_MARKER = "# mailsec.hardening.postfix writes:"

# Relay-list entries that end the decision with a refusal of everything still undecided.
_TERMINAL = frozenset(("reject", "defer", "reject_unauth_destination", "defer_unauth_destination"))
# Entries that may PERMIT before the terminal one without opening the relay.
_SAFE_PERMITS = frozenset(("permit_mynetworks", "permit_sasl_authenticated", "permit_tls_clientcerts",
                           "permit_auth_destination"))
# Restrictions that take the next word as their argument.
_TAKES_ARGUMENT = re.compile(r"^(check_\w+|reject_rbl_client|reject_rhsbl_\w+|permit_dnswl_client|"
                             r"permit_rhswl_client|reject_dnsbl_\w+|sleep|warn_if_reject)\Z")

# Parameters whose value lists clients that are trusted for something, and what they may do.
ADDRESS_TRUST = {
    "mynetworks": "may relay mail to any destination",
    "smtpd_authorized_xclient_hosts": "may claim any client address and name with XCLIENT, and so relay",
    "smtpd_client_event_limit_exceptions": "are exempt from the connection and rate limits",
    "permit_mx_backup_networks": "may have this host act as their backup MX",
}
# Any entry beyond loopback needs a reason.
LOOPBACK_ONLY = {
    "smtpd_authorized_xclient_hosts",
    "smtpd_authorized_xforward_hosts",
}
# Any value at all needs a reason.
NEEDS_REASON = {
    "smtpd_upstream_proxy_protocol": (
        "makes smtpd believe the client address in a PROXY header, which anyone who can connect can forge "
        "unless a load balancer always sends it"),
    "postscreen_upstream_proxy_protocol": (
        "makes postscreen believe the client address in a PROXY header, which anyone who can connect can forge "
        "unless a load balancer always sends it"),
    "relay_domains": "makes this host relay mail for those domains (a backup MX or gateway)",
    "mynetworks_style": "lets Postfix derive trusted networks from the host's interfaces instead of the list you gave",
}


def _yes(text):
    return text.strip().lower() in ("yes", "true", "1", "on")


# Values that are refused outright: parameter -> (predicate over the value text, reason).
REFUSED = {
    "smtpd_tls_wrappermode": (_yes, "makes the server expect TLS before SMTP, so senders that use "
                                    "STARTTLS or plain SMTP cannot deliver (only for a port 465 service)"),
    "soft_bounce": (_yes, "keeps mail that should bounce in the queue; it is a testing aid, not for a live server"),
    "allow_untrusted_routing": (_yes, "forwards sender-specified routes (user@elsewhere@domain): an open relay loophole"),
    "resolve_dequoted_address": (lambda v: not _yes(v), "opens relay attacks with user@domain@domain addresses"),
    "local_recipient_maps": (lambda v: not v.strip(),
                             "accepts mail for every local name and bounces it later (backscatter to forged senders)"),
    "smtpd_delay_open_until_valid_rcpt": (lambda v: not _yes(v), "makes smtpd open queue files for recipients it "
                                                                 "will refuse"),
    # Settings that switch a content control off for some or all mail (the audit judges the same).
    "smtpd_milter_maps": (lambda v: bool(v.strip()),
                          "gives the clients it matches their own milter list (or DISABLE) in place of smtpd_milters, "
                          "so the virus and spam filters are skipped for them; add milters for every client with "
                          "postfix_extra_milters, and exempt trusted senders from spam scoring with "
                          "spamassassin_trusted_networks instead"),
    "milter_default_action": (lambda v: v.strip().lower() == "accept",
                              "lets mail through unscanned whenever a filter does not answer; the role writes "
                              "tempfail, so mail waits until the filter is back"),
    "disable_mime_input_processing": (_yes, "stops cleanup reading the MIME structure, so mime_header_checks never "
                                            "sees the headers of attachments and the attachment policy refuses "
                                            "nothing; to go without the policy, set postfix_attachment_policy "
                                            "false instead"),
}

# receive_override_options words that switch a content control off, and what each one skips.
SKIPPING_OPTIONS = {
    "no_milters": "makes smtpd skip every milter, so the virus and spam filters never see the mail; only a "
                  "loopback smtpd that takes mail back from an after-queue filter may skip them",
    "no_header_body_checks": "makes cleanup skip header_checks and mime_header_checks, so forged X-Spam-* verdict "
                             "headers stay and the attachment policy refuses nothing; keep only the other options "
                             "(no_unknown_recipient_checks and no_address_mappings are accepted)",
}
# Settings whose refusal matters only on a service that takes mail from other hosts: a loopback
# smtpd that takes mail back from an after-queue filter rightly skips the filters a second time.
NETWORK_ONLY = frozenset(("receive_override_options", "smtpd_milter_maps"))


def risk(reason, acknowledgeable):
    """One finding of setting_risks."""
    return dict(reason=reason, acknowledgeable=acknowledgeable)


def words(text):
    """The words of a Postfix list value (separated by spaces and commas)."""
    return [w for w in re.split(r"[\s,]+", text) if w]


def parse_main_cf(text):
    """Parameters of main.cf TEXT as {name: value}, later definitions winning, as Postfix reads them."""
    settings = {}
    current = None
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if raw[0].isspace():
            if current is not None:
                settings[current] = (settings[current] + " " + stripped).strip()
            continue
        name, sep, value = raw.partition("=")
        current = name.strip() if sep else None
        if current is not None:
            settings[current] = value.strip()
    return settings


def written_names(text):
    """The parameter names listed in the role's marker comments of main.cf TEXT."""
    names = []
    for line in text.splitlines():
        if line.startswith(WRITTEN_MARKER):
            names.extend(line[len(WRITTEN_MARKER):].split())
    return names


def marker_lines(names, width=100):
    """The marker comment lines naming NAMES, wrapped at about WIDTH characters."""
    lines, current = [], WRITTEN_MARKER
    for name in sorted(set(names)):
        if len(current) + 1 + len(name) > width and current != WRITTEN_MARKER:
            lines.append(current)
            current = WRITTEN_MARKER
        current += " " + name
    lines.append(current)
    return lines


def _networks(text):
    """(networks, others): the address/network words of TEXT and the words that are neither."""
    networks, others = [], []
    for word in words(text):
        network = _inputs.read_network(word)
        if network is None:
            others.append(word)
        else:
            networks.append(network)
    return networks, others


def _address_trust_risks(name, text, ceiling):
    networks, others = _networks(text)
    what = ADDRESS_TRUST.get(name, "are trusted")
    if name in LOOPBACK_ONLY:
        wider = [str(n) for n in networks if not any(n.subnet_of(lo) for lo in LOOPBACK if lo.version == n.version)]
        risks = [risk("lists %s, so clients there %s; only loopback (a local content filter) belongs here"
                      % (", ".join(wider + others), what), True)] if wider or others else []
    else:
        tables = [o for o in others if not (o.startswith("$") and name == "mynetworks")]
        risks = [risk("lists %s, which cannot be checked here; clients matched there %s"
                      % (", ".join(tables), what), True)] if tables else []
    for item in trust_excess([str(n) for n in networks], ceiling):
        risks.append(risk("the networks listed %s; clients there %s" % (describe_excess(item, ceiling), what),
                          not item["hard"]))
    return risks


def relay_list_problems(relay, recipient=""):
    """Why these relay and recipient restriction lists could relay for strangers, or [] when they cannot.

    Postfix evaluates smtpd_relay_restrictions, and when that is empty, smtpd_recipient_restrictions,
    for relay control; a list is safe when it ends in a refusal of unauthorised destinations and
    nothing before that can PERMIT mail from anyone but trusted or authenticated clients.
    """
    which, text = ("smtpd_relay_restrictions", relay) if relay.strip() else ("smtpd_recipient_restrictions", recipient)
    tokens = words(text)
    skip = False
    for token in tokens:
        if skip:
            skip = False
            continue
        lowered = token.lower()
        if lowered in _TERMINAL:
            return []
        if lowered in _SAFE_PERMITS or re.match(r"^(reject|defer|warn)_", lowered):
            skip = bool(_TAKES_ARGUMENT.match(lowered))
            continue
        if lowered.startswith("check_"):
            return ["%s: %s can return OK and so permit relaying before the relay check" % (which, token)]
        if lowered.startswith("permit"):
            return ["%s: %s permits mail before the relay check" % (which, token)]
        if lowered == "sleep":
            skip = True
            continue
        return ["%s: %s is not a restriction this check knows (a restriction class?) and comes before the "
                "relay check" % (which, token)]
    if not tokens:
        return ["smtpd_relay_restrictions and smtpd_recipient_restrictions are both empty: nothing refuses relaying"]
    return ["%s does not end with reject_unauth_destination or reject, so mail to any destination that no "
            "earlier entry refused is relayed" % which]


def setting_risks(name, value, ceiling=None):
    """How the setting NAME = VALUE weakens relay control or who Postfix believes, as a list of risks.

    Each risk is {reason, acknowledgeable}: acknowledgeable ones are accepted when the user gives a
    reason for wide trust; the others are refused whatever the reason.
    """
    text = render_setting(value)
    if re.search(r"_(reject|defer)_code$", name):
        if not re.match(r"^[45]\d\d\Z", text.strip()):
            return [risk("must be a 4xx or 5xx reply code; %s would accept mail that should be refused" % text, False)]
        return []
    if name in REFUSED:
        predicate, reason = REFUSED[name]
        return [risk(reason, False)] if predicate(text) else []
    if name == "receive_override_options":
        options = [w.lower() for w in words(text)]
        return [risk("with %s %s" % (option, reason), False) for option, reason in sorted(SKIPPING_OPTIONS.items())
                if option in options]
    if name in NEEDS_REASON:
        return [risk(NEEDS_REASON[name], True)] if text.strip() else []
    if name in ADDRESS_TRUST or name in LOOPBACK_ONLY:
        return _address_trust_risks(name, text, ceiling)
    return []


# Settings refused in main.cf that belong on one port's service: the port where they are right.
PORT_SETTINGS = {"smtpd_tls_wrappermode": 465}


def receives_from_network(service):
    """Whether a master.cf SERVICE (as ``master_services`` returns it) takes mail from other hosts: an
    smtpd listening beyond loopback (or on every address of inet_interfaces), or the smtpd that
    postscreen hands connections to (type pass). An smtpd on loopback only takes mail from local
    processes, such as an after-queue filter giving mail back."""
    if service.get("command") != "smtpd":
        return False
    if service.get("type") == "pass":
        return True
    return service.get("type") == "inet" and not _loopback_address(service.get("address"))


def _loopback_address(address):
    text = str(address or "").strip("[]")
    if text == "localhost":
        return True
    try:
        return any(ipaddress.ip_address(text) in network for network in LOOPBACK)
    except ValueError:
        return False


def service_problems(overrides, main_values, port=None, receives=True):
    """Relay and content-control problems of one master.cf service's -o OVERRIDES, judged with main.cf's
    MAIN_VALUES (its relay lists and smtpd_milters). PORT is where the service listens (TLS wrapper
    mode is right on 465 only); RECEIVES says whether it takes mail from other hosts
    (``receives_from_network``): the settings of NETWORK_ONLY, and an smtpd_milters override that
    leaves main.cf's filters out, are judged only there.

    Returns [{parameter, value, reason, acknowledgeable}].
    """
    found = []
    for name, value in sorted(overrides.items()):
        if PORT_SETTINGS.get(name) == port and port is not None:
            continue
        if name in NETWORK_ONLY and not receives:
            continue
        for item in setting_risks(name, value):
            found.append(dict(parameter=name, value=value, **item))
    if receives and "smtpd_milters" in overrides:
        for reason in _milter_override_problems(overrides["smtpd_milters"], main_values.get("smtpd_milters", "")):
            found.append(dict(parameter="smtpd_milters", value=overrides["smtpd_milters"], reason=reason,
                              acknowledgeable=False))
    if "smtpd_relay_restrictions" in overrides or "smtpd_recipient_restrictions" in overrides:
        relay = overrides.get("smtpd_relay_restrictions", main_values.get("smtpd_relay_restrictions", ""))
        recipient = overrides.get("smtpd_recipient_restrictions", main_values.get("smtpd_recipient_restrictions", ""))
        for reason in relay_list_problems(relay, recipient):
            parameter = reason.split(":")[0].split()[0]
            found.append(dict(parameter=parameter, value=overrides.get(parameter, main_values.get(parameter, "")),
                              reason=reason.split(": ", 1)[-1], acknowledgeable=False))
    return found


def _milter_override_problems(override, main_milters):
    """Why a service's own smtpd_milters OVERRIDE takes its mail past the content filters: the milters
    of main.cf's MAIN_MILTERS it leaves out, and milters it lets fail open."""
    own = _filters.postfix_milters(override)
    kept = set(m["address"] for m in own)
    dropped = [m["address"] for m in _filters.postfix_milters(main_milters) if m["address"] not in kept]
    problems = []
    if dropped:
        problems.append("leaves out %s of main.cf's smtpd_milters (the content filters), so mail this service takes "
                        "from other hosts is not scanned there; remove the override (the site's own milters go in "
                        "postfix_extra_milters)" % ", ".join(dropped))
    problems.extend("lets mail through unscanned whenever %s does not answer (default_action = accept); remove "
                    "the override" % m["address"] for m in own if m["options"].get("default_action", "").lower() == "accept")
    return problems


def parse_services(text):
    """master.cf services from ``postconf -M`` output: [{service, type, private, chroot, command, args}]."""
    services = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 8 or line.startswith("#"):
            continue
        services.append(dict(service=fields[0], type=fields[1], private=fields[2], chroot=fields[4],
                             command=fields[7], args=" ".join(fields[8:])))
    return services


# Port names master.cf uses for SMTP services, for hosts without /etc/services.
WELL_KNOWN_PORTS = {"smtp": 25, "submission": 587, "submissions": 465, "smtps": 465}


def service_endpoint(name, service_type, port_by_name=None):
    """Where an inet service of master.cf listens: {address, port}, or None for other types.

    ``name`` is the service column: ``smtp``, ``2525``, ``127.0.0.1:2525`` or
    ``[::1]:2525``.  ``address`` is null when the service listens on every
    address of ``inet_interfaces``; ``port`` is null when the name cannot be
    turned into a number.  ``port_by_name`` looks names up (default:
    :data:`WELL_KNOWN_PORTS`).
    """
    if service_type != "inet":
        return None
    address, port = None, name
    if name.startswith("["):
        address, _sep, port = name[1:].partition("]:")
    elif ":" in name:
        address, _sep, port = name.rpartition(":")
    if port.isascii() and port.isdigit():
        number = int(port)
    else:
        number = (port_by_name or WELL_KNOWN_PORTS.get)(port)
    return dict(address=address or None, port=number)


def port_number(name):
    """The TCP port of a service name from /etc/services, else the ports master.cf commonly names."""
    try:
        return socket.getservbyname(name, "tcp")
    except (OSError, ValueError):  # ValueError: a NUL or a character that is not UTF-8 in the name
        return WELL_KNOWN_PORTS.get(name)


def master_services(master_text, overrides_text, port_by_name=port_number):
    """master.cf services from ``postconf -M`` and ``postconf -P`` output, with where inet services
    listen and their -o overrides: [{service, type, private, command, address, port, overrides}]."""
    overrides = parse_overrides(overrides_text)
    found = []
    for service in parse_services(master_text):
        endpoint = service_endpoint(service["service"], service["type"], port_by_name) or {}
        found.append(dict(service=service["service"], type=service["type"], private=service["private"],
                          command=service["command"], address=endpoint.get("address"), port=endpoint.get("port"),
                          overrides=overrides.get("%s/%s" % (service["service"], service["type"]), {})))
    return found


def parse_overrides(text):
    """``postconf -P`` output as {"service/type": {parameter: value}}."""
    overrides = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        parts = key.strip().split("/")
        if not sep or len(parts) != 3:
            continue
        overrides.setdefault("%s/%s" % (parts[0], parts[1]), {})[parts[2]] = value.strip()
    return overrides


def dropped_settings(live, candidate, live_effective, candidate_effective, written_before=()):
    """Live settings a new main.cf would drop and so change: [{name, live, after}], by name.

    LIVE and CANDIDATE are the explicit settings (``postconf -n``) of the live and the new main.cf;
    the *_effective mappings give each name's effective value under each (defaults included).
    Names the role wrote itself last time (WRITTEN_BEFORE) are its own to drop; a name whose
    effective value stays the same is not lost.
    """
    dropped = []
    for name in sorted(set(live) - set(candidate) - set(written_before)):
        before = live_effective.get(name, live[name])
        after = candidate_effective.get(name)
        if after is None or " ".join(words(before)) != " ".join(words(after)):
            dropped.append(dict(name=name, live=live[name], after=after))
    return dropped


# Lookup tables that live in files, and the file Postfix opens for each type.
_MAP_FILES = {"hash": ".db", "btree": ".db", "lmdb": ".lmdb", "cdb": ".cdb", "dbm": ".dir",
              "regexp": "", "pcre": "", "cidr": "", "texthash": ""}
_MAP_REFERENCE = re.compile(r"(?<![A-Za-z0-9_])(%s):(/[^\s,]+)" % "|".join(_MAP_FILES))


def map_files(settings):
    """Files the lookup tables named in SETTINGS need: [{parameter, table, type, file}]."""
    needed = []
    for name, value in sorted(settings.items()):
        for kind, path in _MAP_REFERENCE.findall(value):
            needed.append(dict(parameter=name, table="%s:%s" % (kind, path), type=kind, file=path + _MAP_FILES[kind]))
    return needed
