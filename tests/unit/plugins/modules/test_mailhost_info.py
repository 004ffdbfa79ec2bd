# Copyright: Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mailhost_info's Postfix evidence, read through a fake Reader that answers as Postfix would."""

from __future__ import annotations

import json
import pathlib

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments
from ansible_collections.mailsec.hardening.plugins.module_utils.catalogue import _controls as cat
from ansible_collections.mailsec.hardening.plugins.modules import mailhost_info

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "module_utils" / "fixtures"
MAIN_TABLE = "pcre:/etc/postfix/mailsec_attachments.pcre"
SITE_TABLE = "pcre:/etc/postfix/site_attachments.pcre"


class FakeReader(object):
    """postconf from the hardened Debian 13 fixtures, with an attachment table in main.cf and another
    one in the cleanup service; postmap refuses the probe names in main.cf's table only."""

    def __init__(self):
        self.asked = []

    def run(self, *argv):
        if argv[:1] == ("postmap",):
            header, table = argv[2], argv[3]
            self.asked.append(table)
            refused = any(h == header and must for _c, h, must in _attachments.PROBES)
            return (0, "REJECT program\n", "") if table == MAIN_TABLE and refused else (1, "", "")
        option = argv[-1]
        if option == "-x":
            text = (FIXTURES / "postconf-hardened-mx-debian13.txt").read_text()
            return 0, text.replace("mime_header_checks =", "mime_header_checks = " + MAIN_TABLE), ""
        if option == "-M":
            return 0, (FIXTURES / "master-hardened-mx-debian13.txt").read_text(), ""
        if option == "-P":
            overrides = (FIXTURES / "overrides-hardened-mx-debian13.txt").read_text()
            return 0, overrides + "cleanup/unix/mime_header_checks = %s\n" % SITE_TABLE, ""
        return None, "", "%s is not installed" % argv[0]

    @staticmethod
    def read(path):
        return "root: alice\npostmaster: root\n", None


def test_the_attachment_tables_of_main_cf_and_of_master_cf_overrides_are_each_asked_once():
    reader = FakeReader()
    postfix = mailhost_info._postfix(reader, "/etc/postfix")
    tables = sorted(set(p["table"] for p in postfix["attachment_probes"]))
    assert tables == [MAIN_TABLE, SITE_TABLE]
    assert len(reader.asked) == 2 * len(_attachments.PROBES)


def test_the_cleanup_services_own_table_decides_the_attachment_controls():
    postfix = mailhost_info._postfix(FakeReader(), "/etc/postfix")
    findings = dict((f["id"], f) for f in cat.evaluate(dict(postfix=postfix), "mx", only=("MAIL-ATT-001",)))
    finding = findings["MAIL-ATT-001"]
    # main.cf's table refuses the programs, but cleanup uses its own table, which refuses nothing.
    assert finding["status"] == "fail", finding
    assert "(master.cf service cleanup/unix)" in finding["actual"]
    assert "not refused:" in finding["actual"]


@pytest.mark.parametrize("network, says", [
    ("2001:db8::%eth0 0.0.0.0/0/64", "admin_networks: '2001:db8::%eth0 0.0.0.0/0/64' has a zone ID"),
    ("::ffff:10.0.0.0/104", "is IPv4 space (10.0.0.0/8) written as IPv6"),
])
def test_admin_networks_are_read_by_the_input_layer_before_anything_is_gathered(capsys, network, says):
    with patch_module_args(dict(admin_networks=[network])), pytest.raises(SystemExit) as exc:
        mailhost_info.main()
    result = json.loads(capsys.readouterr().out)
    assert exc.value.code == 1 and says in result["msg"]


class FilesReader(object):
    """Files by path; any other path cannot be read."""

    def __init__(self, files):
        self.files = files

    def read(self, path):
        if path in self.files:
            return self.files[path], None
        return None, "%s: No such file or directory" % path


def test_sanitize_mode_evidence_is_read_from_mimedefangs_settings_and_filter():
    reader = FilesReader({mailhost_info.MIMEDEFANG_SETTINGS: "SOCKET=inet:8899@127.0.0.1\nMX_USER=defang\n",
                          mailhost_info.MIMEDEFANG_FILTER: "$ClamdSock = '/run/clamav/clamd.ctl';\n"
                                                           "push @MailsecWorms, qr{^[^\\s]*\\.Worm\\.[^\\s]*$};\n"
                                                           "action_change_header('X-Virus-Scanned', 'clamd');\n"})
    found = mailhost_info._mimedefang(reader, {"mimedefang": True}, {"mimedefang.service": dict(active="active")})
    assert found["units"] == {"mimedefang.service": "active"}
    assert found["settings"] == {"SOCKET": "inet:8899@127.0.0.1", "MX_USER": "defang"}
    assert found["filter"]["clamd_socket"] == "/run/clamav/clamd.ctl"
    assert found["filter"]["worms"] == [dict(pattern="^[^\\s]*\\.Worm\\.[^\\s]*$", flags="")]
    assert found["filter"]["calls"] == ["action_change_header"]


def test_an_unreadable_filter_is_kept_as_the_reason_and_no_mimedefang_as_not_installed():
    found = mailhost_info._mimedefang(FilesReader({}), {"mimedefang": True}, {})
    assert found["filter"] == "/etc/mail/mimedefang-filter: No such file or directory"
    assert found["settings"] == "/etc/default/mimedefang: No such file or directory"
    assert mailhost_info._mimedefang(FilesReader({}), {"mimedefang": False}, {}) == dict(installed=False)
