# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The catalogue of bad inputs to the postfix role: each one refused, naming the variable the user set."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs._postfix_inputs import role_input_problems

GOOD = dict(
    postfix_mode="mx",
    postfix_hostname="mx.dept.example.org",
    postfix_domains=["dept.example.org"],
    postfix_trusted_networks=["192.0.2.0/24", "2001:db8:1::/48"],
    postfix_wide_trust_reason="",
    postfix_trust_ceiling={"ipv4": 16, "ipv6": 48},
    postfix_relayhost="",
    postfix_root_alias="hostmaster@example.org",
    postfix_inet_protocols="all",
    postfix_tls_cert_file="",
    postfix_tls_key_file="",
    postfix_tls_min_protocol="TLSv1.2",
    postfix_reject_unknown_sender_domain=True,
    postfix_message_size_limit=10485760,
    postfix_recipient_limit=100,
    postfix_client_connection_count_limit=10,
    postfix_client_connection_rate_limit=30,
    postfix_extra_settings={},
    postfix_drop_settings=[],
    postfix_backups_kept=5,
    postfix_filters=[],
    postfix_extra_milters=[],
    postfix_attachment_policy=True,
    postfix_attachment_extra_extensions=["iso"],
    postfix_attachment_allowed_extensions=["crt"],
    postfix_unscanned_size_reason="",
)

# What a user who set the shared intent would have written.
SHARED_NAMES = dict(
    postfix_mode="mailsec_mode",
    postfix_hostname="mailsec_fqdn",
    postfix_domains="mailsec_mail_domains",
    postfix_trusted_networks="mailsec_trusted_networks",
    postfix_relayhost="mailsec_relayhost",
    postfix_root_alias="mailsec_admin_email",
    postfix_wide_trust_reason="mailsec_wide_trust_reason",
    postfix_filters="mailsec_filters",
)

EVERY_IPV4_BY_EIGHTS = ["%d.0.0.0/8" % i for i in range(256)]

# (case id, changed inputs, fragment the message must contain)
BAD_INPUTS = [
    # Content filters
    ("unknown filter", dict(postfix_filters=["amavis"]), "mailsec_filters: 'amavis' is not a content filter"),
    ("filters as a string", dict(postfix_filters="clamav"), "mailsec_filters must be a list"),
    ("filter twice", dict(postfix_filters=["clamav", "clamav"]), "mailsec_filters names a filter twice"),
    ("filters on a local-only host", dict(postfix_mode="local_only", postfix_filters=["clamav"]),
     "which a local_only host does not receive"),
    ("milter with a comma", dict(postfix_extra_milters=["inet:127.0.0.1:8891, inet:0.0.0.0:1"]), "is not a milter address"),
    ("attachment policy as text", dict(postfix_attachment_policy="yes"), "postfix_attachment_policy must be true or false"),
    ("extension as a regex", dict(postfix_attachment_extra_extensions=["ex.*"]), "'ex.*' is not a file name extension"),
    ("allowed extensions as text", dict(postfix_attachment_allowed_extensions="exe"),
     "postfix_attachment_allowed_extensions must be a list"),
    ("unscanned-size reason with a line break", dict(postfix_unscanned_size_reason="big files\nmilter_default_action = accept"),
     "postfix_unscanned_size_reason contains a line break"),
    # The relay opened through trust
    ("every ipv4 address", dict(postfix_trusted_networks=["0.0.0.0/0"]), "mailsec_trusted_networks: 0.0.0.0/0 trusts every address"),
    ("every ipv6 address", dict(postfix_trusted_networks=["::/0"]), "mailsec_trusted_networks: ::/0 trusts every address"),
    ("union of all /8s", dict(postfix_trusted_networks=EVERY_IPV4_BY_EIGHTS), "as many as a /0; trust may cover at most one /8"),
    ("union of all /8s with a reason", dict(postfix_trusted_networks=EVERY_IPV4_BY_EIGHTS, postfix_wide_trust_reason="campus"),
     "whatever the reason"),
    ("two /9s over the ceiling", dict(postfix_trusted_networks=["10.0.0.0/9", "10.128.0.0/9"]),
     "more than the ceiling of one /16; narrow the list, or say why in mailsec_wide_trust_reason"),
    ("ipv6 union over the ceiling", dict(postfix_trusted_networks=["2001:db8::/47"]), "IPv6 addresses, as many as a /47"),
    ("ipv4-mapped ipv6 covering ipv4", dict(postfix_trusted_networks=["::ffff:0.0.0.0/96"]), "is IPv4 space (0.0.0.0/0) written as IPv6"),
    ("nat64 prefix covering ipv4", dict(postfix_trusted_networks=["64:ff9b::/96"]), "IPv4 addresses, as many as a /0"),
    ("provider block", dict(postfix_trusted_networks=["4.0.0.0/6"]), "broader than /8"),
    ("host bits", dict(postfix_trusted_networks=["192.0.2.1/24"]), "use the network address 192.0.2.0/24"),
    ("prefix too long", dict(postfix_trusted_networks=["192.0.2.0/33"]), "is not a valid network"),
    ("not an address", dict(postfix_trusted_networks=["300.1.1.0/24"]), "is not a valid network"),
    ("no prefix", dict(postfix_trusted_networks=["192.0.2.0"]), "not a network in CIDR notation"),
    ("network as a string", dict(postfix_trusted_networks="0.0.0.0/0"), "mailsec_trusted_networks must be a list"),
    ("network as a number", dict(postfix_trusted_networks=[10]), "10 is not a network in CIDR notation"),
    ("network with a line break", dict(postfix_trusted_networks=["192.0.2.0/24\nmynetworks = 0.0.0.0/0"]), "is not a valid network"),
    ("reason with a line break", dict(postfix_trusted_networks=["10.0.0.0/8"], postfix_wide_trust_reason="ok\nmynetworks = 0.0.0.0/0"),
     "mailsec_wide_trust_reason contains a line break"),
    ("ceiling wider than the hard cap", dict(postfix_trust_ceiling={"ipv4": 4}), "postfix_trust_ceiling must be a mapping"),
    ("xclient for everyone", dict(postfix_extra_settings={"smtpd_authorized_xclient_hosts": "0.0.0.0/0"}),
     "postfix_extra_settings.smtpd_authorized_xclient_hosts lists 0.0.0.0/0"),
    ("xclient for a lan", dict(postfix_extra_settings={"smtpd_authorized_xclient_hosts": "192.0.2.0/24"}),
     "say why in mailsec_wide_trust_reason to accept it"),
    ("xclient for everyone with a reason", dict(postfix_extra_settings={"smtpd_authorized_xclient_hosts": ["0.0.0.0/0"]},
                                                postfix_wide_trust_reason="load balancer"), "whatever the reason"),
    ("xforward for a table", dict(postfix_extra_settings={"smtpd_authorized_xforward_hosts": "cidr:/etc/postfix/x"}),
     "smtpd_authorized_xforward_hosts lists cidr:/etc/postfix/x"),
    ("proxy protocol", dict(postfix_extra_settings={"smtpd_upstream_proxy_protocol": "haproxy"}), "PROXY header"),
    ("postscreen proxy protocol", dict(postfix_extra_settings={"postscreen_upstream_proxy_protocol": "haproxy"}), "PROXY header"),
    ("rate-limit exceptions for all", dict(postfix_extra_settings={"smtpd_client_event_limit_exceptions": "0.0.0.0/0"}),
     "exempt from the connection and rate limits"),
    ("backup-mx networks for all", dict(postfix_extra_settings={"permit_mx_backup_networks": "::/0"}), "backup MX"),
    ("relay code that accepts", dict(postfix_extra_settings={"relay_domains_reject_code": 250}), "must be a 4xx or 5xx reply code"),
    ("defer code that accepts", dict(postfix_extra_settings={"unverified_recipient_defer_code": "250"}), "must be a 4xx or 5xx"),
    ("untrusted routing", dict(postfix_extra_settings={"allow_untrusted_routing": True}), "open relay loophole"),
    ("dequoted addresses off", dict(postfix_extra_settings={"resolve_dequoted_address": "no"}), "user@domain@domain"),
    ("wrapper mode on port 25", dict(postfix_extra_settings={"smtpd_tls_wrappermode": "yes"}), "expect TLS before SMTP"),
    ("soft bounce", dict(postfix_extra_settings={"soft_bounce": "yes"}), "testing aid"),
    ("empty local recipient maps", dict(postfix_extra_settings={"local_recipient_maps": ""}), "backscatter"),
    # A documented refusal bypassed
    ("sav in upper case", dict(postfix_extra_settings={"smtpd_sender_restrictions": "REJECT_UNVERIFIED_SENDER"}),
     "enables reject_unverified_sender"),
    ("sav inside a list", dict(postfix_extra_settings={"smtpd_helo_restrictions": ["permit", "Reject_Unverified_Sender"]}),
     "enables reject_unverified_sender"),
    ("sav inside a dict value", dict(postfix_extra_settings={"header_checks": {"a": "reject_unverified_sender"}}),
     "enables reject_unverified_sender"),
    # Caught only by luck before
    ("line break in a key", dict(postfix_extra_settings={"header_checks\nmynetworks": "0.0.0.0/0"}),
     "is not a Postfix parameter name (lower-case letters, digits and underscores); it contains a line break"),
    ("line break in a value", dict(postfix_extra_settings={"header_checks": "regexp:/x\nmynetworks = 0.0.0.0/0"}),
     "postfix_extra_settings.header_checks contains a line break"),
    ("line break in a list value", dict(postfix_extra_settings={"header_checks": ["a", "b\rc"]}), "contains a line break"),
    ("mapping as a value", dict(postfix_extra_settings={"header_checks": {"regexp": "/x"}}), "is a mapping; give text"),
    ("nested list value", dict(postfix_extra_settings={"header_checks": [["a"]]}), "is a list with a list in it"),
    ("null value", dict(postfix_extra_settings={"header_checks": None}), "is null; give text"),
    ("upper-case parameter name", dict(postfix_extra_settings={"Header_Checks": "x"}), "is not a Postfix parameter name"),
    ("number as a parameter name", dict(postfix_extra_settings={1: "x"}), "1 is not a Postfix parameter name"),
    ("extra settings as a list", dict(postfix_extra_settings=["mynetworks = 0.0.0.0/0"]), "must be a mapping"),
    ("certificate path with a line break", dict(postfix_tls_cert_file="/etc/ssl/a.pem\nmynetworks = 0.0.0.0/0",
                                                postfix_tls_key_file="/etc/ssl/a.key"), "postfix_tls_cert_file"),
    ("relative key path", dict(postfix_tls_cert_file="/etc/ssl/a.pem", postfix_tls_key_file="a.key"), "must be an absolute path"),
    ("key path with $", dict(postfix_tls_cert_file="/etc/ssl/a.pem", postfix_tls_key_file="/etc/$x.key"), "no spaces"),
    ("certificate without key", dict(postfix_tls_cert_file="/etc/ssl/a.pem"), "must be set together"),
    ("certificate path as a list", dict(postfix_tls_cert_file=["/a"], postfix_tls_key_file="/b"), "postfix_tls_cert_file must be text such as"),
    # Mail stopped while the run said ok
    ("host name with a trailing dot", dict(postfix_hostname="mx.dept.example.org."), "mailsec_fqdn: 'mx.dept.example.org.' ends with a dot"),
    ("domain with a trailing dot", dict(postfix_domains=["dept.example.org."]), "mailsec_mail_domains: 'dept.example.org.' ends with a dot"),
    ("short host name", dict(postfix_hostname="mail"), "mailsec_fqdn: 'mail' is not a fully qualified host name"),
    ("host name with a line break", dict(postfix_hostname="mx.example.org\nmynetworks = 0.0.0.0/0"), "is not a fully qualified host name"),
    ("host name with an underscore", dict(postfix_hostname="mx_1.example.org"), "is not a fully qualified host name"),
    ("host name as an address", dict(postfix_hostname="192.0.2.1"), "looks like an address"),
    ("non-ascii host name", dict(postfix_hostname="mx.bücher.example"), "xn-- form"),
    ("host name as a mapping", dict(postfix_hostname={"a": 1}), "mailsec_fqdn must be a fully qualified host name such as mail.example.org, not a mapping"),
    ("empty host name", dict(postfix_hostname=""), "mailsec_fqdn must be a fully qualified host name"),
    ("domains as a string", dict(postfix_domains="dept.example.org"), "mailsec_mail_domains must be a list"),
    ("mx without domains", dict(postfix_domains=[]), "mailsec_mail_domains must list the domains"),
    ("message size -1", dict(postfix_message_size_limit=-1), "postfix_message_size_limit: -1 is too small"),
    ("message size 0", dict(postfix_message_size_limit=0), "postfix_message_size_limit: 0 is too small"),
    ("message size true", dict(postfix_message_size_limit=True), "postfix_message_size_limit must be a whole number, not a boolean"),
    ("message size text", dict(postfix_message_size_limit="10M"), "must be a whole number, not '10M'"),
    ("message size decimal", dict(postfix_message_size_limit=1.5), "not a decimal number"),
    ("message size over the mailbox limit", dict(postfix_message_size_limit=60000000), "larger than mailbox_size_limit (51200000)"),
    ("message size over a given mailbox limit", dict(postfix_extra_settings={"mailbox_size_limit": 1000000}),
     "10485760 is larger than mailbox_size_limit (1000000)"),
    ("message size past the audit's bound", dict(postfix_message_size_limit=2 ** 40,
                                                 postfix_extra_settings={"mailbox_size_limit": 0, "virtual_mailbox_limit": 0}),
     "is above 104857600, the most MAIL-DOS-004"),
    ("connection count past the audit's bound", dict(postfix_client_connection_count_limit=500),
     "is above 50, the most MAIL-DOS-001"),
    ("recipient limit 0", dict(postfix_recipient_limit=0), "postfix_recipient_limit: 0 is too small; use at least 100"),
    ("recipient limit below the RFC", dict(postfix_recipient_limit=20), "RFC 5321"),
    ("connection count limit 0", dict(postfix_client_connection_count_limit=0), "0 would switch the limit off"),
    ("connection rate limit false", dict(postfix_client_connection_rate_limit=False), "not a boolean"),
    ("admin email postmaster", dict(postfix_root_alias="postmaster"), "mailsec_admin_email: 'postmaster' leads back to root"),
    ("admin email root", dict(postfix_root_alias="ROOT"), "leads back to root"),
    ("admin email root at this host", dict(postfix_root_alias="root@mx.dept.example.org"), "leads back to root"),
    ("admin email postmaster at a local domain", dict(postfix_root_alias="postmaster@dept.example.org"), "leads back to root"),
    ("admin email mailer-daemon", dict(postfix_root_alias="Mailer-Daemon"), "leads back to root"),
    ("admin email two addresses", dict(postfix_root_alias="a@example.org, b@example.org"), "is not a user name or a plain address"),
    ("admin email with a line break", dict(postfix_root_alias="a@example.org\nroot: b"), "mailsec_admin_email"),
    ("admin email domain with a trailing dot", dict(postfix_root_alias="a@example.org."), "the domain of 'example.org.' ends with a dot"),
    ("relay client without a hub", dict(postfix_mode="relay_client", postfix_relayhost=""), "mailsec_relayhost must name the hub"),
    ("relay host port 0", dict(postfix_relayhost="[hub.example.org]:0"), "must be a number from 1 to 65535"),
    ("relay host port 65536", dict(postfix_relayhost="[hub.example.org]:65536"), "must be a number from 1 to 65535"),
    ("relay host port text", dict(postfix_relayhost="hub.example.org:smtp"), "must be a number from 1 to 65535"),
    ("relay host with a space", dict(postfix_relayhost="[hub.example.org] :25"), "is not a host, [host] or [address]"),
    ("relay host with a line break", dict(postfix_relayhost="[hub.example.org]\nmynetworks = 0.0.0.0/0"), "is not a host"),
    ("relay host short name", dict(postfix_relayhost="[hub]:25"), "the host in 'hub' is not a fully qualified host name"),
    ("relay host is this host", dict(postfix_relayhost="[mx.dept.example.org]:25"), "is this host itself"),
    ("relay host loopback", dict(postfix_relayhost="[127.0.0.1]:25"), "is this host itself"),
    ("relay host as a number", dict(postfix_relayhost=25), "must be text"),
    ("unknown mode", dict(postfix_mode="open"), "mailsec_mode: 'open' is not one of mx, relay_client, local_only"),
    ("mode as a list", dict(postfix_mode=["mx"]), "mailsec_mode: ['mx'] is not one of"),
    ("unknown protocols", dict(postfix_inet_protocols="ipv5"), "postfix_inet_protocols: 'ipv5' is not one of"),
    ("tls floor 1.0", dict(postfix_tls_min_protocol="TLSv1"), "postfix_tls_min_protocol: 'TLSv1' is not one of"),
    ("sender domain check as text", dict(postfix_reject_unknown_sender_domain="maybe"), "must be true or false"),
    ("no backups kept", dict(postfix_backups_kept=0), "postfix_backups_kept: 0 is too small"),
    ("drop list as text", dict(postfix_drop_settings="virtual_alias_maps"), "postfix_drop_settings must be a list"),
    ("drop list with a bad name", dict(postfix_drop_settings=["a b"]), "postfix_drop_settings must be a list"),
]


def test_the_catalogue_is_large_and_has_no_duplicate_ids():
    ids = [case[0] for case in BAD_INPUTS]
    assert len(ids) >= 50
    assert len(ids) == len(set(ids))


def test_good_inputs_are_accepted():
    assert role_input_problems(GOOD, SHARED_NAMES) == []


@pytest.mark.parametrize("case_id, changes, fragment", BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_refused_naming_the_variable(case_id, changes, fragment):
    problems = role_input_problems(dict(GOOD, **changes), SHARED_NAMES)
    assert problems, "%s was accepted" % case_id
    assert any(fragment in problem for problem in problems), problems
    changed = set(changes)
    named = set(SHARED_NAMES.get(key, key) for key in changed)
    assert all(any(name in problem for name in named) for problem in problems), problems
    assert all("\n" not in problem and "\r" not in problem for problem in problems)


@pytest.mark.parametrize("changes", [
    dict(postfix_filters=["spamassassin", "clamav"], postfix_extra_milters=["inet:127.0.0.1:8891", "unix:/run/opendkim.sock"]),
    dict(postfix_filters=["clamav"], postfix_unscanned_size_reason="CAD drawings up to 50 MB; scanned on the file server"),
    dict(postfix_trusted_networks=["10.0.0.0/8"], postfix_wide_trust_reason="the whole campus, ticket 4711"),
    dict(postfix_trusted_networks=[], postfix_mode="local_only", postfix_domains=["lab.example.org"]),
    dict(postfix_mode="relay_client", postfix_relayhost="[hub.example.org]:25", postfix_domains=[]),
    dict(postfix_relayhost="[ipv6:2001:db8::25]:587"),
    dict(postfix_relayhost="hub.example.org"),
    dict(postfix_root_alias="alice"),
    dict(postfix_root_alias="root@hub.example.org"),
    dict(postfix_tls_cert_file="/etc/letsencrypt/live/mx/fullchain.pem", postfix_tls_key_file="/etc/letsencrypt/live/mx/privkey.pem"),
    dict(postfix_extra_settings={"virtual_alias_maps": "hash:/etc/postfix/virtual", "smtpd_milters": ["inet:127.0.0.1:8891"],
                                 "header_checks": "regexp:/etc/postfix/header_checks", "biff": False, "delay_warning_time": "4h",
                                 "smtpd_authorized_xforward_hosts": "127.0.0.0/8 [::1]/128"}),
    dict(postfix_extra_settings={"smtpd_authorized_xclient_hosts": "192.0.2.10"}, postfix_wide_trust_reason="proxy at 192.0.2.10"),
    dict(postfix_extra_settings={"smtpd_upstream_proxy_protocol": "haproxy"}, postfix_wide_trust_reason="behind our HAProxy"),
    dict(postfix_message_size_limit=104857600, postfix_extra_settings={"mailbox_size_limit": 0, "virtual_mailbox_limit": 0}),
    dict(postfix_trust_ceiling={"ipv4": 8, "ipv6": 32}, postfix_trusted_networks=["10.0.0.0/8"]),
    dict(postfix_drop_settings=["virtual_alias_maps", "smtpd_milters"]),
])
def test_legitimate_site_choices_are_accepted(changes):
    assert role_input_problems(dict(GOOD, **changes), SHARED_NAMES) == []


def test_the_role_variable_is_named_when_the_user_set_it_directly():
    problems = role_input_problems(dict(GOOD, postfix_hostname="mx."), {})
    assert problems and problems[0].startswith("postfix_hostname: ")


def test_problems_from_several_inputs_are_all_reported():
    problems = role_input_problems(dict(GOOD, postfix_mode="open", postfix_hostname="x", postfix_recipient_limit=0), SHARED_NAMES)
    assert len(problems) == 3
