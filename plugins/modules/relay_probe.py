#!/usr/bin/python
# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: relay_probe
short_description: Test an SMTP server for open relaying from the outside
version_added: 1.0.0
description:
  - Connects to an SMTP server from the host the task runs on (the vantage point) and runs the open-relay
    test battery of the nmap C(smtp-open-relay) script (tests V(N1) to V(N16)), followed by extra cases derived
    from the Postfix documentation (V(X1) to V(X7), V(X12), V(X13), V(X14)).
  - When the server offers this client a way to claim another identity, the relay is tried through it too -
    C(XCLIENT) claiming a loopback client (V(XC1)) and the server's own address (V(XC2)), C(XFORWARD) (V(XF1)),
    and the SASL C(ANONYMOUS) mechanism (V(XA1)). An accepted recipient there makes the verdict V(open).
  - When the server sends no greeting at all, or only a 421 reply, it may be waiting for a PROXY protocol header. With
    O(try_proxy_header=true) one more connection sends a version 1 header claiming a loopback client; if the
    server greets after it, every session sends that header and RV(proxy_protocol.required) is V(true).
    With O(implicit_tls=true) a failed TLS handshake is retried behind such a header too.
  - The battery can run over TLS, after C(STARTTLS) (O(starttls)) or on a port that speaks TLS from the
    start (O(implicit_tls), port 465). A server that demands C(STARTTLS) before C(MAIL FROM)
    (C(530 5.7.0 Must issue a STARTTLS command first)) gives its tests the reason V(tls_required), which says
    nothing about relaying, so the verdict is V(inconclusive) and the message says to probe again with O(starttls=true).
  - Each refusal is classified by its reason (RV(tests[].reason)). Only a refusal that proves the trick failed
    (relaying denied, the address refused as malformed, authentication required, an unknown user at the server
    itself, or the spoofed sender or HELO name refused by the tests that spoof them) counts as V(refused); a
    refusal for another cause, such as an unknown recipient domain, a rejected HELO name or a temporary failure,
    makes the test V(inconclusive) and so the verdict.
  - Every relay test sends C(RSET), C(MAIL FROM) and C(RCPT TO) only. C(DATA) is never sent, so no mail is delivered.
  - To avoid the Postfix error tarpit (C(smtpd_soft_error_limit)) and disconnect (C(smtpd_hard_error_limit)),
    the module opens a new connection before the number of error replies on one connection could reach
    O(max_errors_per_session). If the server drops the connection (or answers 421) in the middle of a test,
    the test is retried once on a new connection; if that fails too, the remaining tests are reported as errors.
  - Run it from a host outside the server's C(mynetworks) and without SASL authentication, for example with
    C(delegate_to) to a scanner host or C(localhost); otherwise the result says nothing about outside relaying.
  - The module only reads; it never changes anything and always returns C(changed=false).
options:
  host:
    description:
      - Address or name of the SMTP server to probe.
    type: str
    required: true
  port:
    description:
      - TCP port of the SMTP service (plain SMTP, optionally upgraded with O(starttls), or implicit TLS with
        O(implicit_tls), usually on port 465).
    type: int
    default: 25
  starttls:
    description:
      - Issue C(STARTTLS) after C(EHLO) and run the battery over TLS.
      - The task fails if the server does not offer C(STARTTLS).
      - The server certificate is not verified, because probing servers with self-signed certificates is normal.
      - The extensions the server offered before C(STARTTLS) are returned in RV(ehlo_extensions_before_tls).
      - Cannot be V(true) together with O(implicit_tls).
    type: bool
    default: false
  implicit_tls:
    description:
      - Wrap the connection in TLS right after it is made, before the greeting is read, as SMTP submission
        over implicit TLS (SMTPS, RFC 8314, usually port 465) expects, and run the battery over TLS.
      - When a PROXY protocol header is sent (see O(try_proxy_header)), it goes before the TLS handshake.
      - The task fails with a message naming the port if the server does not complete a TLS handshake, for example
        because the port speaks plain SMTP (then leave this V(false), with O(starttls=true) to encrypt).
      - The server certificate is not verified, as with O(starttls).
      - Cannot be V(true) together with O(starttls).
    type: bool
    default: false
    version_added: 1.0.0
  timeout:
    description:
      - Seconds allowed for each network step (connect, one reply, the TLS handshake).
      - Above 0 and at most 300.
    type: float
    default: 10
  probe_domain:
    description:
      - External probe domain (C(D) in the battery) for which the target must neither be the final
        destination nor a relay.
    type: str
    default: relay-probe.example.net
  local_domain:
    description:
      - A domain the target legitimately accepts mail for (C(L) in the battery).
      - Enables the tests V(X1) to V(X5) (routing tricks through an accepted domain) and V(X12) (unknown local recipient).
    type: str
  sender:
    description:
      - Sender local part (C(f) in the battery), without C(@).
    type: str
    default: antispam
  recipient:
    description:
      - Recipient local part (C(r) in the battery), without C(@).
    type: str
    default: relaytest
  helo:
    description:
      - Name sent with C(EHLO) in the main sessions.
      - Defaults to O(probe_domain).
    type: str
  target_ip:
    description:
      - IP address used for the address literal C([T]) in the battery.
      - Defaults to the address O(host) resolves to (that address is also the one connected to).
    type: str
  max_errors_per_session:
    description:
      - Open a new connection before the number of 4xx/5xx replies on the current connection could reach this value.
      - Keep it below the server's C(smtpd_soft_error_limit) (Postfix default 10). Minimum V(4).
    type: int
    default: 8
  try_proxy_header:
    description:
      - When the server sends no greeting or only a 421 reply, try once more with a PROXY protocol version 1 header that claims
        a loopback client, and run the battery that way if the server then greets.
      - Set V(false) for servers known to be slow to greet, so no PROXY line is ever sent.
    type: bool
    default: true
  fail_on_open:
    description:
      - Fail the task when the verdict is V(open).
    type: bool
    default: false
extends_documentation_fragment:
  - mailsec.hardening.read_only
notes:
  - Only probe servers you are responsible for or are allowed to test.
  - IPv6 targets use the RFC 5321 literal form C([IPv6:...]) for C([T]).
seealso:
  - name: nmap smtp-open-relay script
    description: The 16 hard-coded tests reproduced by this module.
    link: https://nmap.org/nsedoc/scripts/smtp-open-relay.html
author:
  - mailsec.hardening contributors (@mailsec)
"""

EXAMPLES = r"""
- name: Probe the MX for open relaying from the scanner host
  mailsec.hardening.relay_probe:
    host: mx1.example.org
    local_domain: example.org
  delegate_to: scanner.example.net
  register: __relay

- name: Fail when the server relays
  mailsec.hardening.relay_probe:
    host: 192.0.2.25
    port: 587
    starttls: true
    probe_domain: probe.example.net
    fail_on_open: true

- name: Probe the submission port over implicit TLS (SMTPS)
  mailsec.hardening.relay_probe:
    host: mx1.example.org
    port: 465
    implicit_tls: true
    fail_on_open: true
  delegate_to: scanner.example.net
  register: __smtps

- name: Probe the submission port with STARTTLS and check that AUTH waits for TLS
  mailsec.hardening.relay_probe:
    host: mx1.example.org
    port: 587
    starttls: true
    fail_on_open: true
  delegate_to: scanner.example.net
  register: __submission

- name: Fail when passwords could be sent before TLS
  ansible.builtin.assert:
    that:
      - not __submission.auth_offered_before_tls
    fail_msg: "AUTH is offered before STARTTLS: {{ __submission.ehlo_extensions_before_tls }}"

- name: Show accepted relay tests
  ansible.builtin.debug:
    msg: "{{ __relay.tests | selectattr('status', 'equalto', 'accepted') | map(attribute='id') | list }}"
"""

RETURN = r"""
msg:
  description: One-line summary of the verdict.
  returned: always
  type: str
  sample: "mx1.example.org:25 verdict closed: 25 of 25 relay tests refused (0 inconclusive, 0 skipped, 0 errors); recipient check X12 refused"
verdict:
  description:
    - V(open) if any relay test's C(RCPT TO) was accepted (250 or 251).
    - V(auth_required) otherwise, if a 530 reply demanding authentication was seen (a 530 that asks for
      C(STARTTLS) does not count; such tests have the reason V(tls_required) and make the verdict V(inconclusive)).
    - V(closed) if every relay test was refused for a reason that proves its trick failed, or skipped, and at
      least one was refused.
    - V(inconclusive) otherwise (errors, refusals for other reasons, or C(MAIL FROM) refused for every test).
  returned: success
  type: str
  sample: closed
accepted:
  description: Ids of the relay tests whose recipient was accepted.
  returned: success
  type: list
  elements: str
  sample: [N5, N6]
tests:
  description:
    - One entry per test in the order run (N1-N16, X1-X5, X12, X6, X7a, X7b, then XC1, XC2, XF1, XA1 when
      the server offers the feature they need).
    - 25 relay tests and one recipient check with O(local_domain); 19 relay tests without it.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Test id.
      type: str
      sample: N2
    technique:
      description: What the test tries.
      type: str
      sample: plain third-party relay
    kind:
      description: V(relay) for relay tests, V(recipient_check) for X12 (not counted in the verdict).
      type: str
      sample: relay
    helo:
      description: Name sent with EHLO for the session the test ran in.
      type: str
      sample: relay-probe.example.net
    mail_from:
      description: Envelope sender (without angle brackets).
      type: str
      sample: antispam@relay-probe.example.net
    rcpt_to:
      description: Envelope recipient (without angle brackets).
      type: str
      sample: relaytest@relay-probe.example.net
    status:
      description:
        - V(accepted), V(refused) (for a reason that proves the trick failed), V(inconclusive) (refused for
          another reason), V(skipped) (MAIL FROM or the identity claim not accepted) or V(error).
      type: str
      sample: refused
    reason:
      description:
        - Why the server refused, from its reply code, enhanced status code and text; null when not refused.
        - V(relay_denied), V(auth_required), V(bad_address), V(unknown_user), V(unknown_domain),
          V(helo_rejected), V(sender_rejected), V(client_rejected), V(temporary), V(other), or
          V(feature_refused) when the server refused the identity claim of an XC, XF or XA test.
        - V(tls_required) (version 1.1.0) when the server demands C(STARTTLS) first
          (C(530 5.7.0 Must issue a STARTTLS command first)); it says nothing about relaying, so the test is
          V(inconclusive), or V(skipped) when C(MAIL FROM) was refused.
      type: str
      sample: relay_denied
    code:
      description: Reply code of the deciding command (RCPT, or MAIL when skipped), null on error.
      type: int
      sample: 554
    reply:
      description: Text of that reply (sanitised), or the error.
      type: str
      sample: "5.7.1 <relaytest@relay-probe.example.net>: Relay access denied"
    session:
      description: Number of the connection the test ran on.
      type: int
      sample: 1
    dialogue:
      description: Commands sent and replies received, as dicts with C(command), C(code) and C(reply).
      type: list
      elements: dict
banner:
  description: The server greeting with control characters replaced by escapes.
  returned: success
  type: str
  sample: 220 mx1.example.org ESMTP Postfix
server_name:
  description: Host name from the greeting (C(H)); null if it did not look like a host name (then C([T]) is used).
  returned: success
  type: str
  sample: mx1.example.org
target_ip:
  description: The address connected to.
  returned: success
  type: str
  sample: 192.0.2.25
ehlo_extensions:
  description: EHLO extensions of the session used for the battery (after STARTTLS when O(starttls=true)).
  returned: success
  type: list
  elements: str
  sample: [PIPELINING, SIZE 10240000, ENHANCEDSTATUSCODES, 8BITMIME, DSN]
ehlo_extensions_before_tls:
  description:
    - With O(starttls=true), the EHLO extensions the server offered on the plain-text connection, before C(STARTTLS).
    - Null when no C(STARTTLS) was done.
  returned: success
  type: list
  elements: str
  sample: [PIPELINING, SIZE 10240000, STARTTLS, ENHANCEDSTATUSCODES, 8BITMIME, DSN]
  version_added: 1.0.0
auth_offered_before_tls:
  description:
    - With O(starttls=true), whether the plain-text EHLO before C(STARTTLS) offered C(AUTH), so a client
      could send its password unencrypted (Postfix C(smtpd_tls_auth_only=no)).
    - Null when no C(STARTTLS) was done.
  returned: success
  type: bool
  sample: false
  version_added: 1.0.0
auth_mechanisms:
  description:
    - SASL mechanisms offered by C(AUTH) (or the old C(AUTH=) form) in the EHLO of the session used for the battery
      (after TLS when O(starttls=true) or O(implicit_tls=true)), in upper case.
    - An empty list when C(AUTH) was not offered.
  returned: success
  type: list
  elements: str
  sample: [PLAIN, LOGIN]
  version_added: 1.0.0
starttls_offered:
  description:
    - Whether the first EHLO listed STARTTLS (over plain text, or over TLS with O(implicit_tls=true)).
  returned: success
  type: bool
tls:
  description: Negotiated TLS protocol and cipher when O(starttls=true) or O(implicit_tls=true), else null.
  returned: success
  type: dict
  sample: {version: TLSv1.3, cipher: TLS_AES_256_GCM_SHA384}
vrfy:
  description: Reply code to C(VRFY postmaster) (X13; 502 expected), null if not run.
  returned: success
  type: int
  sample: 502
expn:
  description: Reply code to C(EXPN postmaster) (X13; 500 or 502 expected), null if not run.
  returned: success
  type: int
  sample: 500
vrfy_reply:
  description: Text of the reply to C(VRFY postmaster), null if not run.
  returned: success
  type: str
  sample: 5.5.1 VRFY command is disabled
expn_reply:
  description: Text of the reply to C(EXPN postmaster), null if not run.
  returned: success
  type: str
  sample: "5.5.2 Error: command not recognized"
xclient_advertised:
  description: Whether C(XCLIENT) or C(XFORWARD) was offered to this untrusted client (X14; must be false).
  returned: success
  type: bool
xclient_extensions:
  description: Which of C(XCLIENT) and C(XFORWARD) were offered.
  returned: success
  type: list
  elements: str
  sample: []
auth_anonymous_offered:
  description: Whether C(AUTH) listed the C(ANONYMOUS) mechanism to this client (then V(XA1) ran).
  returned: success
  type: bool
proxy_protocol:
  description: Whether the server greeted only after a PROXY protocol header (see O(try_proxy_header)).
  returned: success
  type: dict
  contains:
    required:
      description: V(true) when every session had to send the header; the battery then ran as the claimed client.
      type: bool
    header:
      description: The header sent, null when none was needed.
      type: str
      sample: PROXY TCP4 127.0.0.1 192.0.2.25 40025 25
auth_required_seen:
  description:
    - Whether any reply had code 530 and demanded authentication.
    - A 530 reply that asks for C(STARTTLS) does not count (since version 1.1.0).
  returned: success
  type: bool
sessions:
  description: Number of SMTP connections used.
  returned: success
  type: int
  sample: 6
summary:
  description: Number of tests per status, and C(total), for relay tests and recipient checks apart.
  returned: success
  type: dict
  contains:
    relay:
      description: Counts for the relay tests, the ones that decide the verdict.
      type: dict
      sample: {accepted: 0, refused: 25, inconclusive: 0, skipped: 0, error: 0, total: 25}
    recipient_check:
      description: Counts for the recipient checks (X12).
      type: dict
      sample: {accepted: 0, refused: 1, inconclusive: 0, skipped: 0, error: 0, total: 1}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.hardening.plugins.module_utils.smtp._probe import (
    option_problems,
    run_relay_probe,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            host=dict(type="str", required=True),
            port=dict(type="int", default=25),
            starttls=dict(type="bool", default=False),
            implicit_tls=dict(type="bool", default=False),
            timeout=dict(type="float", default=10),
            probe_domain=dict(type="str", default="relay-probe.example.net"),
            local_domain=dict(type="str"),
            sender=dict(type="str", default="antispam"),
            recipient=dict(type="str", default="relaytest"),
            helo=dict(type="str"),
            target_ip=dict(type="str"),
            max_errors_per_session=dict(type="int", default=8),
            try_proxy_header=dict(type="bool", default=True),
            fail_on_open=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    problems = option_problems(module.params)
    if problems:
        module.fail_json(msg=problems[0])
    # failures are reported outside any exception handler, so the message is the whole story
    result, error = run_relay_probe(module.params)
    if error:
        module.fail_json(msg=error, changed=False)
    if result["verdict"] == "open" and module.params["fail_on_open"]:
        module.fail_json(changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
