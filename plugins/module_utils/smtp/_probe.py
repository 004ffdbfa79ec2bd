# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probing a mail server from a vantage point, shared by every module that does it.

``relay_probe`` (one listener, the whole relay battery), ``mailhost_network_info`` (every
listener of a host, for the audit) and ``smtp_scan`` (every listener in a range) check their
options, resolve names and run the battery through these functions, so there is one battery
orchestration and one set of rules for what a probe may send. ``probe_listener`` is what the
audit and the sweep learn about one listener. ``tls_version_support`` adds one handshake per TLS version, the protocol floor
as an untrusted client sees it.
"""

from __future__ import annotations

import socket
import ssl
import warnings

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._relay import (
    MIN_ERRORS_PER_SESSION,
    RelayProbe,
    RelayProbeError,
    is_auth_extension,
)
from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._smtp import (
    SMTPClient,
    SMTPCommandError,
    SMTPProtocolError,
    format_target,
)

MAX_TIMEOUT = 300
TLS_VERSIONS = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_FORBIDDEN = set(" \t\r\n<>\x00")
_HOW_TO_FIX = "use a plain value without spaces, control characters, '<' or '>'"
_HOW_TO_FIX_AT = "use a plain value without spaces, control characters, '<', '>' or '@'"
# Option name -> characters forbidden beyond the common set; local parts and domains take no '@'.
NAME_OPTIONS = (
    ("host", ""),
    ("probe_domain", "@"),
    ("local_domain", "@"),
    ("helo", "@"),
    ("sender", "@"),
    ("recipient", "@"),
)
UNREACHABLE = "; check the address and that this vantage point can reach the port"


def _bad_chars(value, extra=""):
    return sorted(set(c for c in value if c in _FORBIDDEN or c in extra or ord(c) < 0x20 or ord(c) == 0x7f))


def port_problem(port, name="port"):
    if not 1 <= port <= 65535:
        return "%s must be between 1 and 65535, got %d" % (name, port)
    return None


def timeout_problem(timeout):
    if not 0 < timeout <= MAX_TIMEOUT:  # also false for nan; inf is above the bound
        return "timeout must be a number of seconds above 0 and at most %d, got %s" % (MAX_TIMEOUT, timeout)
    return None


def name_problem(name, value, extra):
    """Why VALUE of option NAME cannot go into an SMTP command, or None."""
    if value is None:
        return None
    if not value:
        return "%s must not be empty" % name
    bad = _bad_chars(value, extra)
    if bad:
        kind = "a local part" if name in ("sender", "recipient") else "a host or domain name"
        return "%s contains characters not allowed in %s: %s; %s" % (
            name, kind, ", ".join(repr(c) for c in bad), _HOW_TO_FIX_AT if "@" in extra else _HOW_TO_FIX)
    return None


def address_problem(name, value):
    try:
        _inputs.address(value, name)
    except ValueError:
        return "%s must be a bare IPv4 or IPv6 address (no brackets), got %r" % (name, value)
    return None


def option_problems(params):
    """Every problem with the probe options present in PARAMS, each naming the option and the fix."""
    problems = []
    if params.get("starttls") and params.get("implicit_tls"):
        problems.append("starttls and implicit_tls cannot both be true: use implicit_tls for a port that speaks "
                        "TLS from the start (465), starttls for one that upgrades plain SMTP (25, 587)")
    if params.get("port") is not None:
        problems.append(port_problem(params["port"]))
    if params.get("timeout") is not None:
        problems.append(timeout_problem(params["timeout"]))
    if params.get("max_errors_per_session") is not None and params["max_errors_per_session"] < MIN_ERRORS_PER_SESSION:
        problems.append("max_errors_per_session must be at least %d (one test can cause %d error replies), got %d"
                        % (MIN_ERRORS_PER_SESSION, MIN_ERRORS_PER_SESSION - 1, params["max_errors_per_session"]))
    for name, extra in NAME_OPTIONS:
        if name in params:
            problems.append(name_problem(name, params[name], extra))
    if params.get("target_ip") is not None:
        problems.append(address_problem("target_ip", params["target_ip"]))
    return [p for p in problems if p]


def resolve_all(host, port):
    """Every address HOST resolves to, in resolver order without repeats; raise OSError when none."""
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    addresses = []
    for info in infos:
        if info[4][0] not in addresses:
            addresses.append(info[4][0])
    if not addresses:
        raise OSError("no address found for %s" % host)
    return addresses


def resolve(host, port):
    """The first address HOST resolves to, or raise OSError."""
    return resolve_all(host, port)[0]


def run_relay_probe(params, address=None):
    """Run the battery against PARAMS["host"] (or ADDRESS, already resolved) and PARAMS["port"].

    Returns (result, None), or (None, message) when the probe could not run; the message says
    what failed and what to check."""
    result, error, _stage = relay_probe_stage(params, address)
    return result, error


def relay_probe_stage(params, address=None):
    """As ``run_relay_probe``, with the stage that failed: ``connect`` when nothing answered at all
    (refused, timed out, unresolvable), else where the SMTP session broke off."""
    host, port = params["host"], params["port"]
    where = format_target(host, port)
    if address is None:
        try:
            address = resolve(host, port)
        except (OSError, UnicodeError) as exc:
            return None, "could not connect to %s: name resolution failed: %s%s" % (where, exc, UNREACHABLE), "connect"
    probe = RelayProbe(
        client_factory=lambda: SMTPClient(address, port, timeout=params["timeout"]),
        target_ip=params.get("target_ip") or address,
        probe_domain=params["probe_domain"],
        sender=params.get("sender") or "antispam",
        recipient=params.get("recipient") or "relaytest",
        helo=params.get("helo"),
        local_domain=params.get("local_domain"),
        starttls=bool(params.get("starttls")),
        implicit_tls=bool(params.get("implicit_tls")),
        max_errors_per_session=params.get("max_errors_per_session") or 8,
        port=port,
        try_proxy_header=params.get("try_proxy_header", True),
    )
    try:
        probe.start()
        result = probe.run()
    except RelayProbeError as exc:
        probe.close()
        if exc.stage == "connect":
            return None, "could not connect to %s: %s%s" % (where, exc, UNREACHABLE), exc.stage
        if exc.stage == "implicit_tls":
            return None, ("SMTP session with %s failed before any relay test: %s; the server did not complete a "
                          "TLS handshake on port %d; set implicit_tls=false if this port speaks plain SMTP "
                          "(with starttls=true to encrypt it)" % (where, exc, port)), exc.stage
        return None, "SMTP session with %s failed before any relay test: %s" % (where, exc), exc.stage
    except SMTPCommandError as exc:
        probe.close()
        return None, "refused to build an unsafe SMTP command: %s" % exc, "command"
    result["target_ip"] = address
    result["msg"] = describe(where, result)
    return result, None, None


def describe(where, result):
    """One line that agrees with the summary: relay tests and recipient checks counted apart."""
    relay = result["summary"]["relay"]
    if result["verdict"] == "open":
        line = "%s is an open relay: accepted by %s" % (where, ", ".join(result["accepted"]))
    else:
        line = "%s verdict %s: %d of %d relay tests refused (%d inconclusive, %d skipped, %d errors)" % (
            where, result["verdict"], relay["refused"], relay["total"],
            relay["inconclusive"], relay["skipped"], relay["error"])
    checks = [t for t in result["tests"] if t["kind"] == "recipient_check"]
    if checks:
        line += "; recipient check %s" % ", ".join("%s %s" % (t["id"], t["status"]) for t in checks)
    if result["proxy_protocol"]["required"]:
        line += "; the server trusts a PROXY protocol header from this client"
    if result["xclient_extensions"]:
        line += "; offered to this client: %s" % ", ".join(result["xclient_extensions"])
    if result["auth_anonymous_offered"]:
        line += "; anonymous AUTH offered"
    if result["auth_offered_before_tls"]:
        line += "; AUTH offered before STARTTLS"
    if result["verdict"] == "inconclusive" and any(
            t.get("reason") == "tls_required" for t in result["tests"] if t["kind"] == "relay"):
        if result["tls"] is None:
            line += ("; the server requires STARTTLS before MAIL FROM: probe again with starttls=true "
                     "(or implicit_tls=true on a port like 465)")
        else:
            line += "; the server asked for STARTTLS although the session was already encrypted"
    return line


IMPLICIT_TLS_PORTS = (465,)


def _needs_starttls(relay):
    """True when a plain session's battery was inconclusive because the server wants STARTTLS first."""
    return relay["verdict"] == "inconclusive" and relay["starttls_offered"] and any(
        t.get("reason") == "tls_required" for t in relay["tests"] if t["kind"] == "relay")


def probe_listener(params, address, port, implicit_ports=IMPLICIT_TLS_PORTS):
    """The evidence of one listener, or None and the reason when nothing answered there.

    The battery's own sessions give the greeting and EHLO: plain on 25 (as strangers deliver), implicit
    TLS on IMPLICIT_PORTS (465), and elsewhere after STARTTLS when the server offers it (else plain). A
    port-25 listener that answers every MAIL with "STARTTLS first" is probed again over STARTTLS, so a
    TLS-only server gets a verdict. A listener that answers but breaks off (a rate limit's 421, garbage,
    silence) is a target whose relay verdict is ``error``, with the ``stage`` that failed."""
    implicit = port in implicit_ports
    battery = dict(params, host=address, port=port, implicit_tls=implicit, starttls=not implicit and port != 25)
    relay, error, stage = relay_probe_stage(battery, address)
    if relay is None and stage == "starttls" and "does not offer STARTTLS" in error:
        relay, error, stage = relay_probe_stage(dict(battery, starttls=False), address)
    if relay is None and stage == "implicit_tls":
        # plain SMTP on a port where TLS was expected is still a mail server
        plain, _error, _stage = relay_probe_stage(dict(battery, implicit_tls=False, starttls=False), address)
        if plain is not None:
            relay, implicit = plain, False
    if relay is None and stage == "connect":
        return None, error
    if relay is not None and not battery["starttls"] and not implicit and _needs_starttls(relay):
        again, _error, _stage = relay_probe_stage(dict(battery, starttls=True), address)
        relay = again or relay
    target = dict(address=address, port=port)
    if relay is None:
        target.update(banner=None, ehlo_extensions=[], starttls_offered=None, auth_offered=None,
                      auth_offered_before_tls=None, vrfy=None, expn=None, proxy_extensions=[],
                      relay=dict(verdict="error", accepted=[], error=error, stage=stage), tls_versions=None,
                      tls_details={})
        return target, None
    plain = relay["ehlo_extensions_before_tls"]
    if plain is None:
        plain = [] if implicit else relay["ehlo_extensions"]
    target.update(
        banner=relay["banner"], ehlo_extensions=relay["ehlo_extensions"], starttls_offered=relay["starttls_offered"],
        auth_offered=bool(relay["auth_mechanisms"]), auth_offered_before_tls=any(is_auth_extension(e) for e in plain),
        vrfy=relay["vrfy"], expn=relay["expn"], proxy_extensions=relay["xclient_extensions"],
        relay=dict(verdict=relay["verdict"], accepted=relay["accepted"], summary=relay["summary"]["relay"],
                   msg=relay["msg"], tls=relay["tls"], sessions=relay["sessions"],
                   proxy_protocol=relay["proxy_protocol"]["required"]))
    if params.get("tls_versions") and (implicit or relay["starttls_offered"]):
        support, details = tls_version_support(
            lambda: SMTPClient(address, port, timeout=params["timeout"]), params["tls_versions"], implicit,
            params["probe_domain"])
        target.update(tls_versions=support, tls_details=details)
    else:
        target.update(tls_versions=None, tls_details={})
    return target, None


def version_context(version):
    """A client context that offers exactly VERSION (no certificate check: probing, not trusting).

    TLS 1.0 and 1.1 need security level 0 on OpenSSL 3, or this client could not offer them and
    a server accepting them would look safe. Raises ValueError when this OpenSSL cannot offer VERSION."""
    member = getattr(ssl.TLSVersion, version.replace(".", "_"), None)
    if member is None:
        raise ValueError("unknown TLS version %s" % version)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # offering them is the point
            if member < ssl.TLSVersion.TLSv1_2:
                context.set_ciphers("ALL:@SECLEVEL=0")
            context.minimum_version = member
            context.maximum_version = member
    except (ssl.SSLError, ValueError) as exc:
        raise ValueError("this vantage point's OpenSSL cannot offer %s: %s" % (version, exc)) from exc
    return context


def tls_handshake(client_factory, version, implicit_tls, helo):
    """One session that offers only VERSION: (True, negotiated) when the server completed the handshake,
    (False, reason) when it refused, (None, reason) when the vantage point could not tell."""
    try:
        context = version_context(version)
    except ValueError as exc:
        return None, str(exc)
    client = client_factory()
    try:
        if implicit_tls:
            client.connect(implicit_tls=True, context=context)
        else:
            client.connect()
            client.ehlo(helo)
            client.starttls(context=context)
        negotiated = client.tls_version
        client.quit()
        return negotiated == version, negotiated
    except SMTPProtocolError as exc:
        return (False if exc.handshake else None), str(exc)
    finally:
        client.close()


def tls_version_support(client_factory, versions, implicit_tls, helo):
    """{version: True/False/None} and {version: detail} for one listener."""
    support, details = {}, {}
    for version in versions:
        support[version], details[version] = tls_handshake(client_factory, version, implicit_tls, helo)
    return support, details
