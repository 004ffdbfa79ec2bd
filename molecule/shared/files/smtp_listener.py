# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the unit tests' fake SMTP servers as services: each argument BEHAVIOUR@ADDRESS:PORT starts one
(behaviours: tests/unit/plugins/module_utils/fake_smtp.py, which must sit beside this file or on
PYTHONPATH), until the process is stopped. Used by the border scenario's containers and the sweep
benchmark's loopback listeners.

Usage: smtp_listener.py closed@0.0.0.0:25 [open@127.0.90.2:25 ...]
"""
import signal
import sys
import tempfile

try:
    from fake_smtp import FakeSMTPServer, make_self_signed_cert
except ImportError:
    from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import (
        FakeSMTPServer,
        make_self_signed_cert,
    )

# Options per behaviour: the TLS-only server needs a certificate; the tarpits wait a second a step.
TLS_BEHAVIOURS = ("tls_required", "closed_tls", "smtps")


def start(spec, tls_files):
    behaviour, _sep, where = spec.partition("@")
    address, _sep, port = where.rpartition(":")
    options = dict(host=address.strip("[]"), port=int(port), hostname="%s.test" % behaviour.replace("_", "-"))
    if behaviour in TLS_BEHAVIOURS:
        options["tls_files"] = tls_files
    if behaviour == "closed_tls":
        behaviour = "closed"
    if behaviour == "smtps":
        behaviour, options["implicit_tls"] = "closed", True
    if behaviour in ("dribble", "tarpit"):
        options["tarpit_delay"] = 1.0  # Postfix's smtpd_error_sleep_time for "tarpit"
    return FakeSMTPServer(behaviour, **options).start()


def main():
    tls_files = make_self_signed_cert(tempfile.mkdtemp(prefix="smtp-listener-"))
    servers = [start(spec, tls_files) for spec in sys.argv[1:]]
    print("listening: %s" % ", ".join("%s %s:%d" % (s.behaviour, s.host, s.port) for s in servers), flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    for server in servers:
        server.stop()


if __name__ == "__main__":
    main()
