# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures for the relay_probe tests: fake SMTP servers on 127.0.0.1."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.tests.unit.plugins.module_utils.fake_smtp import (
    FakeSMTPServer,
    make_self_signed_cert,
)


@pytest.fixture
def smtp_server():
    """Factory: ``smtp_server("closed", **options)`` starts a server, stopped at teardown."""
    servers = []

    def _start(behaviour="closed", **options):
        server = FakeSMTPServer(behaviour, **options).start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()
    for server in servers:
        assert not server.data_seen, "DATA must never be sent"


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """(certfile, keyfile) of a self-signed certificate, or skip."""
    files = make_self_signed_cert(tmp_path_factory.mktemp("tls"))
    if files is None:
        pytest.skip("cannot make a self-signed certificate: neither the cryptography package nor the openssl CLI works")
    return files
