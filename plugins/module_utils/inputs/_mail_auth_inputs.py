# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""Every input of the mail_auth role checked together, before anything changes.

One sentence per problem, naming the variable (and the shared mailsec_* variable it comes from)
and saying what to write instead. The records the role publishes are written from the values
read here (``_mail_auth.records``), never from the user's strings.
"""

from __future__ import annotations

from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mail_auth
from ansible_collections.mailsec.hardening.plugins.module_utils.dns import _mta_sts
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _input_types
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs
from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _mail_policy as policy

# The variable a user sets for each role variable whose default is a shared one.
SHARED = {
    "mail_auth_domains": "mailsec_mail_domains",
    "mail_auth_host_name": "mailsec_fqdn",
    "mail_auth_egress_addresses": "mailsec_egress_addresses",
    "mail_auth_trusted_networks": "mailsec_trusted_networks",
}
TYPED = ("mail_auth_domains", "mail_auth_host_name", "mail_auth_egress_addresses", "mail_auth_dkim_selector",
         "mail_auth_dkim_next_selector", "mail_auth_dkim_retired_selectors", "mail_auth_dkim_key_bits", "mail_auth_spf_senders", "mail_auth_spf_all",
         "mail_auth_dmarc_policy", "mail_auth_dmarc_alignment", "mail_auth_report_address",
         "mail_auth_trusted_networks", "mail_auth_resolvers", "mail_auth_dns_ttl", "mail_auth_mta_sts_mode",
         "mail_auth_mta_sts_mx", "mail_auth_mta_sts_max_age", "mail_auth_mta_sts_cert_file", "mail_auth_mta_sts_key_file")
SWITCHES = ("mail_auth_publish", "mail_auth_dmarc_reject", "mail_auth_spf_reject", "mail_auth_dnssec", "mail_auth_mta_sts")
# RFC 7208 §4.6.4: ten terms that cause DNS lookups per evaluation, includes' own terms counted too.
MAX_LOOKUPS = 10
DMARC_CONTROL = "MAIL-AUTH-006"


def _name(variable):
    return "%s (%s)" % (variable, SHARED[variable]) if variable in SHARED else variable


def parsed(values):
    """The role's typed values, canonical; raises _inputs.Refusal on the first refused one."""
    return dict((variable, _input_types.parse(variable, values.get(variable), _name(variable))) for variable in TYPED)


def mail_auth_problems(values, optouts=()):
    """Problems with the mail_auth role's VALUES (name to value); OPTOUTS ({id, reason}) are the controls the
    host intent switches off (mailsec_control_optouts)."""
    problems = []
    for variable in TYPED:
        if variable != "mail_auth_trusted_networks":
            problems.extend(_input_types.problems(variable, values.get(variable), _name(variable)))
    # Mail from these networks is signed with the domain's key and not checked: trust as wide as relaying,
    # judged by the same rules as Postfix's (and, in harden.yml, together with them under its ceiling).
    problems.extend(policy.network_problems(values.get("mail_auth_trusted_networks"), _name("mail_auth_trusted_networks")))
    for variable in SWITCHES:
        if not isinstance(values.get(variable), bool):
            problems.append("%s must be true or false, not %s" % (variable, policy.describe(values.get(variable))))
    selector, retired = values.get("mail_auth_dkim_selector"), values.get("mail_auth_dkim_retired_selectors")
    if isinstance(retired, (list, tuple)) and isinstance(selector, str) and selector.lower() in [
            str(r).lower() for r in retired]:
        problems.append("mail_auth_dkim_retired_selectors names %s, the selector mail is signed with "
                        "(mail_auth_dkim_selector); retire a selector only after signing has moved to a new one" % selector)
    upcoming = values.get("mail_auth_dkim_next_selector")
    if isinstance(upcoming, str) and upcoming and isinstance(selector, str):
        if upcoming.lower() == selector.lower():
            problems.append("mail_auth_dkim_next_selector is the selector mail is signed with already; name a new one, "
                            "or leave it empty")
        if isinstance(retired, (list, tuple)) and upcoming.lower() in [str(r).lower() for r in retired]:
            problems.append("mail_auth_dkim_next_selector %s is also among mail_auth_dkim_retired_selectors" % upcoming)
    senders = values.get("mail_auth_spf_senders")
    if isinstance(senders, (list, tuple)):
        lookups = len([s for s in senders if isinstance(s, str) and ":" not in s and "/" not in s
                       and not s.replace(".", "").isdigit()])
        if lookups > MAX_LOOKUPS:
            problems.append("mail_auth_spf_senders names %d other senders' domains; each include costs at least one of "
                            "the ten DNS lookups a receiver allows (RFC 7208 §4.6.4), so list their networks instead"
                            % lookups)
    switched_off = [item.get("id") for item in optouts or [] if isinstance(item, dict)]
    if values.get("mail_auth_dmarc_policy") == "none" and DMARC_CONTROL not in switched_off:
        problems.append("mail_auth_dmarc_policy none only asks receivers for reports and lets forged mail through, "
                        "which the audit fails (%s); use quarantine or reject, or switch %s off with a reason in "
                        "mailsec_control_optouts while the reports are studied" % (DMARC_CONTROL, DMARC_CONTROL))
    problems.extend(_mta_sts_problems(values))
    if values.get("mail_auth_publish") is True and values.get("mail_identity_publish") is not True:
        problems.append("mail_auth_publish needs the RFC 2136 settings of the mail_identity role (mail_identity_publish "
                        "true, its server and TSIG key); set them, or leave mail_auth_publish false and give the "
                        "records the run prints to the DNS administrators")
    return problems


def _mta_sts_problems(values):
    """What would make the MTA-STS policy stop mail, or leave it unserved."""
    if values.get("mail_auth_mta_sts") is not True:
        return []
    problems = []
    for variable in ("mail_auth_mta_sts_cert_file", "mail_auth_mta_sts_key_file"):
        if values.get(variable) == "":
            problems.append("%s is empty; mail_auth_mta_sts serves the policy over HTTPS with a certificate for "
                            "mta-sts.DOMAIN of every mail domain that senders trust, so give its path on the host" % variable)
    patterns, host = values.get("mail_auth_mta_sts_mx"), values.get("mail_auth_host_name")
    try:
        patterns = _input_types.parse("mail_auth_mta_sts_mx", patterns)
        host = _input_types.parse("mail_auth_host_name", host)
    except _inputs.Refusal:  # the typed checks above name the fault
        return problems
    if not any(_mta_sts.mx_matches(p, host) for p in patterns):
        problems.append("mail_auth_mta_sts_mx (%s) does not cover this host, %s (mail_auth_host_name); senders honouring "
                        "the policy would not deliver to it" % (", ".join(patterns), host))
    # The policy asks senders to verify the MX's certificate in either mode (testing reports what enforce
    # would refuse), and the audit (MAIL-AUTH-008) fails a self-signed one in both.
    if values.get("postfix_tls_cert_file") == "":
        problems.append("mail_auth_mta_sts needs a certificate for %s that senders trust (postfix_tls_cert_file): with "
                        "Postfix's self-signed one, senders honouring the policy keep their mail (enforce) or report "
                        "every delivery as failed (testing), and the audit fails MAIL-AUTH-008" % host)
    return problems


def mta_sts_policy(values):
    """The MTA-STS policy file the host serves (RFC 8461 §3.2), from the typed VALUES."""
    typed = parsed(values)
    return _mta_sts.policy_text(typed["mail_auth_mta_sts_mode"], typed["mail_auth_mta_sts_mx"],
                                typed["mail_auth_mta_sts_max_age"])


def records(values):
    """Every DNS record of the mail domains, from the typed VALUES and the public keys the host derived
    (values["public_keys"]: [{domain, selector, key}]); keys of other domains and retired selectors
    are left out."""
    typed = parsed(values)
    retired = set(typed["mail_auth_dkim_retired_selectors"])
    keys = []
    for item in values.get("public_keys") or []:
        domain, selector, key = item.get("domain"), item.get("selector"), "".join(str(item.get("key") or "").split())
        if domain in typed["mail_auth_domains"] and selector not in retired and _mail_auth.public_key_text(key):
            keys.append((domain, selector, key))
    return _mail_auth.records(
        domains=list(typed["mail_auth_domains"]), host_name=typed["mail_auth_host_name"], keys=keys,
        addresses=typed["mail_auth_egress_addresses"], senders=typed["mail_auth_spf_senders"],
        qualifier=typed["mail_auth_spf_all"][0], dmarc_policy=typed["mail_auth_dmarc_policy"],
        alignment=typed["mail_auth_dmarc_alignment"], report_address=typed["mail_auth_report_address"],
        ttl=typed["mail_auth_dns_ttl"],
        mta_sts=_mta_sts.txt_text(mta_sts_policy(values)) if values.get("mail_auth_mta_sts") is True else None)
