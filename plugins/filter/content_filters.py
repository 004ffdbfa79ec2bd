# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that say where the content filters meet Postfix and which attachment names are refused."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _attachments
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _filter_inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.evidence import _filters


def milter_endpoint(name):
    """The milter endpoint of content filter NAME, as Postfix and libmilter each write it."""
    try:
        return _filters.endpoint(name)
    except ValueError as error:
        raise AnsibleFilterError("milter_endpoint: %s" % error)


def smtpd_milters(filters, extra=None, mail_auth=False, mode="reject"):
    """Postfix's smtpd_milters for the FILTERS a host runs in filter MODE, the sender authentication milters
    with MAIL_AUTH, then the site's EXTRA milters."""
    if mode not in _filters.FILTER_MODES:
        raise AnsibleFilterError("smtpd_milters: the filter mode %r is not one of %s" % (mode, ", ".join(_filters.FILTER_MODES)))
    return _filters.smtpd_milters(filters or [], extra or [], bool(mail_auth), mode)


def attachment_table(extra=None, allowed=None):
    """The attachment-name policy as a Postfix PCRE table: the collection's list of blocked extensions
    plus EXTRA, minus ALLOWED."""
    problems = (_attachments.extension_problems(extra or [], "extra") +
                _attachments.extension_problems(allowed or [], "allowed"))
    if problems:
        raise AnsibleFilterError("attachment_table: %s" % "; ".join(problems))
    drop = set(_attachments.normalize(allowed or []))
    extensions = [e for e in _attachments.normalize(list(_attachments.DEFAULT_EXTENSIONS) + list(extra or []))
                  if e not in drop]
    return _attachments.table(extensions)


def sanitize_policy(worms, extra=None, allowed=None, attachments=True):
    """What sanitize mode's MIMEDefang filter acts on: the attachment names it replaces (the same list as
    the attachment_table, from EXTRA and ALLOWED; none when ATTACHMENTS is false) and the signature names
    of WORMS whose messages it drops, as regular expressions Perl reads."""
    problems = (_attachments.extension_problems(extra or [], "postfix_attachment_extra_extensions") +
                _attachments.extension_problems(allowed or [], "postfix_attachment_allowed_extensions") +
                _input_types.problems("mimedefang_worm_signatures", worms))
    if problems:
        raise AnsibleFilterError("sanitize_policy: %s" % "; ".join(problems))
    drop = set(_attachments.normalize(allowed or []))
    extensions = [e for e in _attachments.normalize(list(_attachments.DEFAULT_EXTENSIONS) + list(extra or []))
                  if e not in drop]
    names = _attachments.name_patterns(extensions) if attachments else []
    return dict(names=[dict(reason=reason, pattern=pattern) for reason, pattern in names],
                worms=[_inputs.signature_regex(worm) for worm in _input_types.parse("mimedefang_worm_signatures", worms)])


def clamav_size(text):
    """A ClamAV size (25M, 1024K, 1000) in bytes, as clamd and clamav-milter read it."""
    size = _filters.size_value(text)
    if size is None:
        raise AnsibleFilterError("clamav_size: %r is not a ClamAV size such as 25M, 1024K or 1000" % (text,))
    return size


def clamav_input_problems(values, memory_mb):
    """Every problem with the clamav role's inputs on a host with MEMORY_MB for clamd."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("clamav_input_problems: the input must be a mapping of the role's variables")
    return _filter_inputs.clamav_problems(values, memory_mb)


def mimedefang_input_problems(values):
    """Every problem with the mimedefang role's inputs."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("mimedefang_input_problems: the input must be a mapping of the role's variables")
    return _filter_inputs.mimedefang_problems(values)


def spamassassin_input_problems(values):
    """Every problem with the spamassassin role's inputs."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("spamassassin_input_problems: the input must be a mapping of the role's variables")
    return _filter_inputs.spamassassin_problems(values)


class FilterModule:
    """Content filter filters."""

    def filters(self):
        return {"milter_endpoint": milter_endpoint, "smtpd_milters": smtpd_milters,
                "attachment_table": attachment_table, "clamav_size": clamav_size,
                "clamav_input_problems": clamav_input_problems, "sanitize_policy": sanitize_policy,
                "mimedefang_input_problems": mimedefang_input_problems,
                "spamassassin_input_problems": spamassassin_input_problems}
