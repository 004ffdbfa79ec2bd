# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Open-relay test battery (nmap smtp-open-relay N1-N16 plus the X-series).

Pure logic: all network traffic goes through client objects returned by the
``client_factory`` passed to :class:`RelayProbe` (see ``_smtp.SMTPClient``
for the interface), so this file can be tested with a fake client.
No DATA command is ever sent.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs

from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._smtp import (
    SMTPProtocolError,
)

STATUSES = ("accepted", "refused", "inconclusive", "skipped", "error")
VERDICTS = ("open", "closed", "auth_required", "inconclusive")

KIND_RELAY = "relay"
KIND_RECIPIENT = "recipient_check"

# Worst case number of 4xx/5xx replies one relay test can cause (RSET, MAIL, RCPT).
ERRORS_PER_TEST = 3
MIN_ERRORS_PER_SESSION = ERRORS_PER_TEST + 1

# nmap smtp-open-relay.nse, table "tests", in order.  Placeholders:
# {f} sender localpart, {r} recipient localpart, {D} probe domain,
# {H} server name from the banner, {T} target IP literal incl. brackets.
NMAP_TESTS = (
    ("N1", "null sender", "", "{r}@{D}"),
    ("N2", "plain third-party relay", "{f}@{D}", "{r}@{D}"),
    ("N3", "sender spoofing the server's own name", "{f}@{H}", "{r}@{D}"),
    ("N4", "sender = server IP literal", "{f}@{T}", "{r}@{D}"),
    ("N5", "percent hack via IP literal", "{f}@{T}", "{r}%{D}@{T}"),
    ("N6", "percent hack via server hostname", "{f}@{T}", "{r}%{D}@{H}"),
    ("N7", "quoted local part containing @", "{f}@{T}", '"{r}@{D}"'),
    ("N8", "quoted local part with %", "{f}@{T}", '"{r}%{D}"'),
    ("N9", "double-@ via IP literal", "{f}@{T}", "{r}@{D}@{T}"),
    ("N10", "quoted @ + IP literal", "{f}@{T}", '"{r}@{D}"@{T}'),
    ("N11", "double-@ via server hostname", "{f}@{T}", "{r}@{D}@{H}"),
    ("N12", "source route via IP literal", "{f}@{T}", "@{T}:{r}@{D}"),
    ("N13", "source route via hostname", "{f}@{T}", "@{H}:{r}@{D}"),
    ("N14", "bang path", "{f}@{T}", "{D}!{r}"),
    ("N15", "bang path via IP literal", "{f}@{T}", "{D}!{r}@{T}"),
    ("N16", "bang path via hostname", "{f}@{T}", "{D}!{r}@{H}"),
)

# Additional cases from Postfix documentation that need L (a local domain).
LOCAL_TESTS = (
    ("X1", "spoofed local sender", "postmaster@{L}", "{r}@{D}"),
    ("X2", "percent hack through an accepted domain", "{f}@{D}", "{r}%{D}@{L}"),
    ("X3", "bang path through an accepted domain", "{f}@{D}", "{D}!{r}@{L}"),
    ("X4a", "user@domain@domain through an accepted domain", "{f}@{D}", "{r}@{D}@{L}"),
    ("X4b", "quoted user@domain through an accepted domain", "{f}@{D}", '"{r}@{D}"@{L}'),
    ("X5", "source route via an accepted domain", "{f}@{D}", "@{L}:{r}@{D}"),
)

# Recipient validation (backscatter prevention): expected 550 5.1.1; not a relay test.
UNKNOWN_RECIPIENT_TEST = ("X12", "unknown local recipient", "{f}@{D}", "nonexistent-{r}@{L}")

# Tests whose trick is the sender or the HELO name: a refusal of that part refuses the trick.
SENDER_TRICKS = ("N3", "N4", "X1")
HELO_TRICKS = ("X6", "X7a", "X7b")

# Relay through a feature that lets the client claim another identity, run only when the
# feature is offered to the probing client.  Each is N2 after the identity claim.
# {loop} is a loopback address and {self} the target, in XCLIENT's notation.
IDENTITY_TESTS = (
    ("XC1", "XCLIENT claiming a loopback client, then N2", "XCLIENT",
     "XCLIENT NAME=localhost ADDR={loop}", (220,), True),
    ("XC2", "XCLIENT claiming the server's own address, then N2", "XCLIENT",
     "XCLIENT NAME=localhost ADDR={self}", (220,), True),
    ("XF1", "XFORWARD claiming a loopback client, then N2", "XFORWARD",
     "XFORWARD NAME=localhost ADDR={loop}", (250,), False),
    ("XA1", "anonymous AUTH, then N2", "AUTH ANONYMOUS",
     "AUTH ANONYMOUS cmVsYXktcHJvYmU=", (235,), False),
)

# Why a server refused: the reasons that prove a relay trick failed are in REFUSING_REASONS;
# the others (an unknown domain, a rejected HELO or client, a temporary failure, a demand for
# STARTTLS) say nothing about relaying and make the test inconclusive.
REFUSING_REASONS = ("relay_denied", "bad_address", "auth_required")
# "530 5.7.0 Must issue a STARTTLS command first" (RFC 3207; Postfix smtpd_tls_security_level=encrypt)
# asks for encryption, not for authentication.
_TLS_REQUIRED_RE = re.compile(
    r"starttls|\b(?:tls|ssl|encryption)\b.{0,40}\brequired\b|\brequired\b.{0,40}\b(?:tls|ssl|encryption)\b",
    re.IGNORECASE)
_ENHANCED_RE = re.compile(r"(?<![0-9.])[245]\.([0-9]{1,3})\.([0-9]{1,3})(?![0-9.])")
_RELAY_WORDS_RE = re.compile(
    r"relay|rcpthosts|not permitted|not allowed to send|unable to route|not authori[sz]ed|"
    r"not a local|no such domain here|not local|non-accepted domain", re.IGNORECASE)
_STAGE_PHRASES = (
    ("helo_rejected", re.compile(r"helo command rejected|invalid helo|bad helo", re.IGNORECASE)),
    ("sender_rejected", re.compile(r"sender address rejected|sender rejected|bad sender", re.IGNORECASE)),
    ("client_rejected", re.compile(r"client host rejected|cannot find your (?:reverse )?hostname", re.IGNORECASE)),
)

_HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}\Z)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?\Z"
)
_LITERAL_RE = re.compile(r"^\[(?:IPv6:)?[0-9A-Fa-f:.]+\]\Z")

SESSION_ERROR_REPLY = "not run: the SMTP session could not be re-established"

# Reply text kept in results is clipped, so a hostile server cannot bloat the task result.
MAX_REPORTED_TEXT = 1000


class RelayProbeError(Exception):
    """The probe could not even start (first session failed)."""

    def __init__(self, message, stage="session"):
        super().__init__(message)
        self.stage = stage


def _address(address):
    """ADDRESS (brackets allowed) read by the input layer: a zone ID or an IPv4 written as IPv6 is refused."""
    return _inputs.address(str(address).strip("[]"), "target address")


def ip_literal(address):
    """Return the RFC 5321 address literal for an IP: ``[192.0.2.1]`` or ``[IPv6:2001:db8::1]``."""
    addr = _address(address)
    if addr.version == 6:
        return "[IPv6:%s]" % addr.compressed
    return "[%s]" % addr.compressed


def server_name_from_banner(text):
    """Return H, the first token of the greeting text, if it looks like a host name or literal."""
    parts = (text or "").split(None, 1)
    if not parts:
        return None
    token = parts[0]
    if _HOSTNAME_RE.match(token) or _LITERAL_RE.match(token):
        return token
    return None


def extension_keyword(extension):
    """Return the upper-case keyword of an EHLO extension line (``SIZE 1000`` -> ``SIZE``)."""
    parts = extension.split(None, 1)
    return parts[0].upper() if parts else ""


def identity_features(extensions):
    """The features in an EHLO list that let a client claim another identity.

    XCLIENT and XFORWARD by keyword; ``AUTH ANONYMOUS`` when AUTH (or the old
    ``AUTH=`` form) lists the ANONYMOUS mechanism.
    """
    found = []
    for ext in extensions:
        keyword = extension_keyword(ext)
        if keyword in ("XCLIENT", "XFORWARD") and keyword not in found:
            found.append(keyword)
        if keyword.startswith("AUTH") and "ANONYMOUS" in ext.upper().replace("=", " ").split()[1:]:
            if "AUTH ANONYMOUS" not in found:
                found.append("AUTH ANONYMOUS")
    return found


def clip(text, limit=MAX_REPORTED_TEXT):
    """Clip reply text for reporting (marks the cut with ``...[clipped]``)."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + "...[clipped]"


def _expand(template, values):
    return template.format(**values)


def build_battery(target_ip, server_name, probe_domain, sender, recipient,
                  local_domain=None, helo=None, offered=()):
    """Return the list of test definitions (dicts) in the order they run.

    ``target_ip`` is T (bare IP), ``server_name`` is H (falls back to the IP
    literal when None), ``probe_domain`` is D, ``local_domain`` is L.
    ``helo`` is the name used for the main sessions (default D).
    ``offered`` names the identity features the server offered this client
    (``XCLIENT``, ``XFORWARD``, ``AUTH ANONYMOUS``); each adds its relay test.
    """
    literal = ip_literal(target_ip)
    values = dict(
        f=sender,
        r=recipient,
        D=probe_domain,
        H=server_name or literal,
        T=literal,
        L=local_domain or "",
    )
    main_helo = helo or probe_domain

    def make(spec, kind=KIND_RELAY, session_helo=None, new_session=False):
        test_id, technique, mail_from, rcpt_to = spec
        return dict(
            id=test_id,
            technique=technique,
            kind=kind,
            helo=session_helo or main_helo,
            new_session=new_session,
            mail_from=_expand(mail_from, values),
            rcpt_to=_expand(rcpt_to, values),
        )

    battery = [make(spec) for spec in NMAP_TESTS]
    if local_domain:
        battery.extend(make(spec) for spec in LOCAL_TESTS)
        battery.append(make(UNKNOWN_RECIPIENT_TEST, kind=KIND_RECIPIENT))
    n2 = NMAP_TESTS[1]
    battery.append(make(("X6", "EHLO localhost.localdomain, then N2", n2[2], n2[3]),
                        session_helo="localhost.localdomain", new_session=True))
    battery.append(make(("X7a", "EHLO with the server's own name, then N2", n2[2], n2[3]),
                        session_helo=values["H"], new_session=True))
    battery.append(make(("X7b", "EHLO with the server's IP literal, then N2", n2[2], n2[3]),
                        session_helo=literal, new_session=True))
    claims = dict(loop=xclient_address(loopback_for(target_ip)), self=xclient_address(target_ip))
    for test_id, technique, feature, prelude, expect, new_greeting in IDENTITY_TESTS:
        if feature not in (offered or ()):
            continue
        test = make((test_id, technique, n2[2], n2[3]), new_session=True)
        test.update(prelude=prelude.format(**claims), prelude_expect=expect,
                    prelude_new_greeting=new_greeting, trick="identity")
        battery.append(test)
    local_names = set(name.lower() for name in (values["T"], values["H"], local_domain) if name)
    for test in battery:
        test.setdefault("trick", "sender" if test["id"] in SENDER_TRICKS
                        else "helo" if test["id"] in HELO_TRICKS else "recipient")
        test["routes_locally"] = routes_locally(test["rcpt_to"], local_names)
    return battery


def loopback_for(address):
    """The loopback address of the target's family (the client a server trusts most)."""
    return "::1" if _address(address).version == 6 else "127.0.0.1"


def xclient_address(address):
    """An address as XCLIENT and XFORWARD write it (IPv6 with the ``IPV6:`` prefix)."""
    addr = _address(address)
    return "IPV6:%s" % addr.compressed if addr.version == 6 else addr.compressed


def proxy_header(target_ip, port):
    """A PROXY protocol v1 header claiming a loopback client connected to the target."""
    addr = _address(target_ip)
    family = "TCP6" if addr.version == 6 else "TCP4"
    return "PROXY %s %s %s 40025 %d\r\n" % (family, loopback_for(addr), addr.compressed, port)


def routes_locally(address, local_names):
    """True when an address ends at the target itself (a name in local_names) or has no domain."""
    unquoted = re.sub(r'"[^"]*"', "", address)
    if "@" not in unquoted:
        return True
    return unquoted.rpartition("@")[2].lower() in local_names


def refusal_reason(code, text):
    """Why a 4xx/5xx reply refused: relay_denied, auth_required, tls_required, helo_rejected,
    sender_rejected, client_rejected, unknown_user, unknown_domain, bad_address, temporary or other."""
    # the echoed address (<relaytest@relay-probe...>) must not count as the server's words
    text = re.sub(r"<[^>]*>", "", text or "")
    enhanced = _ENHANCED_RE.search(text)
    detail = (enhanced.group(1), enhanced.group(2)) if enhanced else None
    if (code == 530 or detail in (("7", "0"), ("7", "11"))) and _TLS_REQUIRED_RE.search(text):
        return "tls_required"
    if code == 530 or detail == ("7", "0") and "authentication" in text.lower():
        return "auth_required"
    for reason, phrase in _STAGE_PHRASES:
        if phrase.search(text):
            return reason
    if _RELAY_WORDS_RE.search(text) or detail in (("7", "1"), ("7", "54")):
        return "relay_denied"
    if detail == ("1", "1") or re.search(r"user unknown|unknown user|no such user", text, re.IGNORECASE):
        return "unknown_user"
    if detail in (("1", "2"), ("4", "4")) or re.search(r"domain not found|host not found", text, re.IGNORECASE):
        return "unknown_domain"
    if detail in (("1", "3"), ("5", "2"), ("1", "0")) or code == 501:
        return "bad_address"
    if detail in (("1", "7"), ("1", "8")):
        return "sender_rejected"
    if code is not None and 400 <= code < 500:
        return "temporary"
    return "other"


def demands_auth(code, text):
    """True for a 530 reply that asks for authentication (not one that asks for STARTTLS)."""
    return code == 530 and refusal_reason(code, text) == "auth_required"


def auth_mechanisms(extensions):
    """The SASL mechanisms an EHLO list offers (``AUTH PLAIN LOGIN`` or the old ``AUTH=PLAIN``), upper case."""
    found = []
    for ext in extensions:
        if not is_auth_extension(ext):
            continue
        for mechanism in ext.upper().replace("=", " ").split()[1:]:
            mechanism = clip(mechanism, 64)
            if mechanism not in found:
                found.append(mechanism)
    return found


def is_auth_extension(extension):
    """True for the EHLO line that offers SASL authentication (``AUTH ...`` or ``AUTH=...``)."""
    keyword = extension_keyword(extension)
    return keyword == "AUTH" or keyword.startswith("AUTH=")


def refuses_trick(reason, test):
    """True when a refusal for this reason proves the test's relay trick failed."""
    if reason in REFUSING_REASONS:
        return True
    if reason == "unknown_user":
        return test.get("routes_locally", False)
    if reason == "sender_rejected":
        return test.get("trick") == "sender"
    if reason == "helo_rejected":
        return test.get("trick") == "helo"
    return False


def classify_rcpt(code):
    """Map a RCPT reply code to a test status before its reason is weighed
    (421 means the server is closing: error)."""
    if code in (250, 251):
        return "accepted"
    if code is not None and 400 <= code < 600 and code != 421:
        return "refused"
    return "error"


def judge(test, code, text):
    """Return (status, reason) for the deciding reply of a test.

    A refusal only proves the trick failed when its reason says so (see
    :func:`refuses_trick`); any other refusal makes the test ``inconclusive``.
    """
    status = classify_rcpt(code)
    if status != "refused":
        return status, None
    reason = refusal_reason(code, text)
    return ("refused" if refuses_trick(reason, test) else "inconclusive"), reason


def count_statuses(tests):
    """Count tests by status (all statuses present, zero if unused)."""
    counts = dict((status, 0) for status in STATUSES)
    for test in tests:
        counts[test["status"]] = counts.get(test["status"], 0) + 1
    counts["total"] = len(tests)
    return counts


def summarize(tests):
    """Counts for relay tests and recipient checks apart: only relay tests decide the verdict."""
    return dict(
        relay=count_statuses([t for t in tests if t.get("kind", KIND_RELAY) == KIND_RELAY]),
        recipient_check=count_statuses([t for t in tests if t.get("kind") == KIND_RECIPIENT]),
    )


def compute_verdict(tests, auth_required_seen=False):
    """Return (verdict, accepted_ids) for a finished battery.

    * ``open``: a relay test's RCPT was accepted (250/251);
    * ``auth_required``: otherwise, if a 530 reply demanding authentication was seen
      anywhere (a 530 that asks for STARTTLS does not count: see ``tls_required``);
    * ``closed``: every relay test was refused (for a reason that proves the trick
      failed) or skipped, and at least one was refused;
    * ``inconclusive``: anything else (errors, refusals for other reasons, or every
      test skipped).
    """
    relay = [t for t in tests if t.get("kind", KIND_RELAY) == KIND_RELAY]
    accepted = [t["id"] for t in relay if t["status"] == "accepted"]
    if accepted:
        return "open", accepted
    if auth_required_seen or any(_has_auth_demand(t) for t in tests):
        return "auth_required", []
    statuses = set(t["status"] for t in relay)
    if relay and statuses <= set(("refused", "skipped")) and "refused" in statuses:
        return "closed", []
    return "inconclusive", []


def _has_auth_demand(test):
    if demands_auth(test.get("code"), test.get("reply")):
        return True
    return any(demands_auth(step.get("code"), step.get("reply")) for step in test.get("dialogue", []))


class RelayProbe:
    """Run the battery through clients made by ``client_factory``.

    ``client_factory()`` must return an unconnected client with the
    ``_smtp.SMTPClient`` interface (connect, ehlo, helo, starttls, command,
    quit, close, has_extension, extensions, tls_version, tls_cipher).
    With ``implicit_tls`` every session is wrapped in TLS before the greeting
    (``connect(implicit_tls=True)``, after the PROXY header if one is sent).
    """

    def __init__(self, client_factory, target_ip, probe_domain, sender="antispam",
                 recipient="relaytest", helo=None, local_domain=None, starttls=False,
                 max_errors_per_session=8, port=25, try_proxy_header=True, implicit_tls=False):
        if max_errors_per_session < MIN_ERRORS_PER_SESSION:
            raise ValueError("max_errors_per_session must be at least %d" % MIN_ERRORS_PER_SESSION)
        if starttls and implicit_tls:
            raise ValueError("starttls and implicit_tls are mutually exclusive")
        self.client_factory = client_factory
        self.target_ip = target_ip
        self.probe_domain = probe_domain
        self.sender = sender
        self.recipient = recipient
        self.helo = helo or probe_domain
        self.local_domain = local_domain
        self.use_starttls = starttls
        self.implicit_tls = implicit_tls
        self.max_errors = max_errors_per_session
        self.port = port
        self.try_proxy_header = try_proxy_header

        self.client = None
        self.greeted = False
        self.proxy = None  # the PROXY header every session sends, once the server wanted one
        self.session_helo = None
        self.errors = 0
        self.sessions = 0
        self.auth_required_seen = False
        self.first = None  # facts from the first session

    # -- sessions -----------------------------------------------------------
    def _note(self, reply):
        if reply is None:
            return
        if reply.is_error:
            self.errors += 1
        if demands_auth(reply.code, reply.text):
            self.auth_required_seen = True

    def _open_session(self, helo):
        """Connect (optionally over implicit TLS), EHLO (HELO fallback), optional STARTTLS + EHLO; return facts."""
        self.close()
        client = self.client_factory()
        self.client = client
        self.session_helo = helo
        self.errors = 0
        self.sessions += 1
        facts = dict(banner=None, ehlo_extensions=[], ehlo_extensions_before_tls=None,
                     starttls_offered=False, tls=None)
        self.greeted = False
        options = {}
        if self.proxy:
            options["preamble"] = self.proxy
        if self.implicit_tls:
            options["implicit_tls"] = True
        banner = client.connect(**options)
        if self.implicit_tls:
            facts["tls"] = dict(version=client.tls_version, cipher=client.tls_cipher)
        self._note(banner)
        if banner.code == 421:
            # closing at once; Postfix says this after waiting in vain for a PROXY header
            client.close()
            raise SMTPProtocolError("the server closed the session instead of greeting: %s"
                                    % clip(str(banner), 200), kind="refused")
        self.greeted = True
        facts["banner"] = banner
        reply = client.ehlo(helo)
        self._note(reply)
        if not reply.positive and reply.code != 530:
            self._note(client.helo(helo))
        facts["starttls_offered"] = client.has_extension("STARTTLS")
        if self.use_starttls:
            if not facts["starttls_offered"]:
                client.quit()
                raise RelayProbeError(
                    "the server does not offer STARTTLS after EHLO (extensions: %s); "
                    "set starttls=false or probe the port that offers it"
                    % clip(", ".join(client.extensions) or "none", 300), stage="starttls")
            facts["ehlo_extensions_before_tls"] = list(client.extensions)
            try:
                client.starttls()
            except SMTPProtocolError as exc:
                raise RelayProbeError("STARTTLS failed: %s" % exc, stage="starttls") from exc
            facts["tls"] = dict(version=client.tls_version, cipher=client.tls_cipher)
            reply = client.ehlo(helo)
            self._note(reply)
            if not reply.positive and reply.code != 530:
                self._note(client.helo(helo))
        facts["ehlo_extensions"] = list(client.extensions)
        return facts

    def close(self):
        """QUIT the current session if any (never raises)."""
        if self.client is not None:
            try:
                self.client.quit()
            except (SMTPProtocolError, OSError):
                self.client.close()
            self.client = None

    def _ensure_session(self, helo, worst_case_errors, force_new=False):
        if (force_new or self.client is None or not self.client.connected
                or self.session_helo != helo
                or self.errors + worst_case_errors >= self.max_errors):
            self._open_session(helo)

    # -- tests --------------------------------------------------------------
    def _step(self, dialogue, command):
        try:
            reply = self.client.command(command)
        except SMTPProtocolError as exc:
            dialogue.append(dict(command=command, code=None, reply="error: %s" % exc))
            raise
        dialogue.append(dict(command=command, code=reply.code, reply=clip(reply.text)))
        self._note(reply)
        if reply.code == 421:
            # "service not available, closing transmission channel": the session is over
            self.client.close()
            raise SMTPProtocolError("server closed the session: %s" % clip(str(reply), 200), kind="disconnect")
        return reply

    def _claim_identity(self, test, dialogue):
        """Send the test's identity claim (XCLIENT, XFORWARD, AUTH); return the refusal or None.

        The session then speaks for someone else, so it is never reused.
        """
        self.session_helo = None
        reply = self._step(dialogue, test["prelude"])
        if reply.code == 334:
            # a challenge instead of an answer to the initial response: cancel the exchange
            self._step(dialogue, "*")
            return reply
        if reply.code not in test["prelude_expect"]:
            return reply
        if test["prelude_new_greeting"]:
            # XCLIENT starts a new session: the server greets again and wants EHLO
            reply = self._step(dialogue, "EHLO %s" % test["helo"])
            if not reply.positive:
                return reply
        return None

    def _run_relay_commands(self, test, dialogue):
        """Return (status, reason, deciding reply) of one test."""
        if test.get("prelude"):
            refusal = self._claim_identity(test, dialogue)
            if refusal is not None:
                return "skipped", "feature_refused", refusal
        self._step(dialogue, "RSET")
        mail = self._step(dialogue, "MAIL FROM:<%s>" % test["mail_from"])
        if not mail.positive:
            reason = refusal_reason(mail.code, mail.text)
            if test["trick"] == "sender" and reason == "sender_rejected":
                return "refused", reason, mail
            return "skipped", reason, mail
        rcpt = self._step(dialogue, "RCPT TO:<%s>" % test["rcpt_to"])
        status, reason = judge(test, rcpt.code, rcpt.text)
        return status, reason, rcpt

    def run_test(self, test):
        """Run one relay test; reconnect once if the connection breaks."""
        dialogue = []
        result = dict(
            id=test["id"], technique=test["technique"], kind=test["kind"], helo=test["helo"],
            mail_from=test["mail_from"], rcpt_to=test["rcpt_to"],
            status="error", reason=None, code=None, reply=None, dialogue=dialogue, session=None,
        )
        for attempt in (1, 2):
            try:
                self._ensure_session(test["helo"], ERRORS_PER_TEST,
                                     force_new=(attempt == 1 and test.get("new_session")))
                result["session"] = self.sessions
                status, reason, reply = self._run_relay_commands(test, dialogue)
            except SMTPProtocolError as exc:
                self.close()
                if attempt == 1:
                    dialogue.append(dict(command=None, code=None,
                                         reply="connection lost (%s); reconnecting once" % exc))
                    continue
                result["reply"] = "error: %s" % exc
                result["lost_session"] = True
                return result
            except RelayProbeError as exc:
                result["reply"] = "error: %s" % exc
                result["lost_session"] = True
                return result
            result.update(status=status, reason=reason, code=reply.code, reply=clip(reply.text))
            return result
        return result  # pragma: no cover

    def probe_vrfy_expn(self):
        """X13: VRFY postmaster / EXPN postmaster reply codes (None if the session failed).

        postmaster is the one local part every server must accept (RFC 5321 §4.5.1) and Postfix
        exempts it from the fully-qualified-address checks, so the reply shows whether VRFY itself
        answers: `VRFY root` can be refused by reject_non_fqdn_recipient on a server that answers VRFY.
        """
        out = dict(vrfy=None, expn=None, vrfy_reply=None, expn_reply=None)
        try:
            self._ensure_session(self.helo, 2)
            for verb in ("VRFY", "EXPN"):
                reply = self.client.command("%s postmaster" % verb)
                self._note(reply)
                out[verb.lower()] = reply.code
                out[verb.lower() + "_reply"] = clip(reply.text)
        except (SMTPProtocolError, RelayProbeError) as exc:
            self.close()
            out["error"] = str(exc)
        return out

    # -- whole run ----------------------------------------------------------
    def start(self):
        """Open the first session; raise RelayProbeError if that is impossible.

        A server that sends no greeting at all, or only a 421, may be waiting for a
        PROXY protocol header (Postfix ``smtpd_upstream_proxy_protocol`` answers a
        silent client with ``421 4.3.0 Server local error`` after 5 seconds).  Then one more session
        sends a header claiming a loopback client; if the server greets after it,
        every session sends that header, so the battery shows what a forged
        header can do.  With implicit TLS such a server cannot even complete the
        handshake (it reads the TLS hello as a bad header), so a failed implicit
        TLS handshake is retried behind a header too; if that fails as well the
        error has stage ``implicit_tls``.
        """
        try:
            self.first = self._open_session(self.helo)
        except SMTPProtocolError as exc:
            self.close()
            handshake = self.implicit_tls and exc.handshake
            if not (self.try_proxy_header and not self.greeted
                    and (handshake or exc.kind in ("timeout", "disconnect", "refused"))):
                raise RelayProbeError(str(exc), stage="implicit_tls" if handshake else exc.kind) from exc
            self.first = self._start_behind_proxy_header(exc)
        except RelayProbeError:
            self.close()
            raise
        return self.first

    def _start_behind_proxy_header(self, silent):
        self.proxy = proxy_header(self.target_ip, self.port)
        try:
            return self._open_session(self.helo)
        except (SMTPProtocolError, RelayProbeError) as exc:
            self.close()
            self.proxy = None
            if self.implicit_tls and silent.handshake:
                again = "also after a PROXY protocol header"
                if str(exc) != str(silent):
                    again = "after a PROXY protocol header: %s" % exc
                raise RelayProbeError("%s (%s)" % (silent, again), stage="implicit_tls") from exc
            # what answered the header decides what the listener is: text that is not SMTP is not a mail server
            spoke = isinstance(exc, SMTPProtocolError) and exc.kind in ("garbage", "too_long")
            raise RelayProbeError("%s (and no usable session after a PROXY protocol header either: %s)"
                                  % (silent, exc), stage=exc.kind if spoke else silent.kind) from exc

    def run(self):
        """Run everything and return the result dict used by the module."""
        if self.first is None:
            self.start()
        first = self.first
        banner = first["banner"]
        server_name = server_name_from_banner(banner.text)
        extensions = [clip(ext, 200) for ext in first["ehlo_extensions"]]
        before_tls = first["ehlo_extensions_before_tls"]
        if before_tls is not None:
            before_tls = [clip(ext, 200) for ext in before_tls]
        offered = identity_features(extensions)
        battery = build_battery(self.target_ip, server_name, self.probe_domain, self.sender,
                                self.recipient, local_domain=self.local_domain, helo=self.helo,
                                offered=offered)
        tests = []
        lost = False
        x13 = None
        for test in battery:
            if test["new_session"] and x13 is None and not lost:
                x13 = self.probe_vrfy_expn()
            if lost:
                tests.append(self._not_run(test))
                continue
            result = self.run_test(test)
            lost = bool(result.pop("lost_session", False))
            tests.append(result)
        if x13 is None:
            x13 = dict(error=SESSION_ERROR_REPLY)
        self.close()

        verdict, accepted = compute_verdict(tests, self.auth_required_seen)
        xclient = [kw for kw in offered if kw in ("XCLIENT", "XFORWARD")]
        return dict(
            verdict=verdict,
            accepted=accepted,
            tests=tests,
            banner=clip("%d %s" % (banner.code, banner.text)),
            server_name=server_name,
            ehlo_extensions=extensions,
            ehlo_extensions_before_tls=before_tls,
            auth_offered_before_tls=None if before_tls is None else any(is_auth_extension(e) for e in before_tls),
            auth_mechanisms=auth_mechanisms(first["ehlo_extensions"]),
            starttls_offered=first["starttls_offered"],
            tls=first["tls"],
            vrfy=x13.get("vrfy"),
            expn=x13.get("expn"),
            vrfy_reply=x13.get("vrfy_reply"),
            expn_reply=x13.get("expn_reply"),
            xclient_advertised=bool(xclient),
            xclient_extensions=xclient,
            auth_anonymous_offered="AUTH ANONYMOUS" in offered,
            proxy_protocol=dict(required=self.proxy is not None,
                                header=self.proxy.strip() if self.proxy else None),
            auth_required_seen=self.auth_required_seen,
            sessions=self.sessions,
            summary=summarize(tests),
        )

    @staticmethod
    def _not_run(test):
        return dict(
            id=test["id"], technique=test["technique"], kind=test["kind"], helo=test["helo"],
            mail_from=test["mail_from"], rcpt_to=test["rcpt_to"], status="error", code=None,
            reason=None, reply=SESSION_ERROR_REPLY, dialogue=[], session=None,
        )
