# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print, as JSON, generated trusted-network values for the parse-back check of the audit scenario:
networks written with text around them (a zone ID, a line break, Postfix and nft syntax), IPv4
written as IPv6, netmasks, and plain networks, each with the canonical mynetworks words the input
layer says it stands for (null when the layer refuses it). Seeded: every run prints the same list.

Usage: python hostile_networks.py COUNT   (the collection importable, e.g. PYTHONPATH=.testbed/collections)
"""

import ipaddress
import json
import random
import sys

from ansible_collections.mailsec.hardening.plugins.module_utils.inputs import _inputs

RIDERS = ["\nsmtpd_authorized_xclient_hosts = static:all", " 0.0.0.0/0", "\r\n", "\t", "%v", " static:all",
          ",0.0.0.0/0", "}", "é", "$(id)", "#", "\n"]


def network(rng):
    if rng.random() < 0.5:
        return ipaddress.ip_network("%s/%d" % (ipaddress.IPv4Address(rng.getrandbits(32)), rng.randint(8, 32)),
                                    strict=False)
    return ipaddress.ip_network("%s/%d" % (ipaddress.IPv6Address(rng.getrandbits(128)), rng.randint(32, 128)),
                                strict=False)


def written(rng, net):
    address, prefix, rider = str(net.network_address), net.prefixlen, rng.choice(RIDERS)
    return rng.choice([
        "%s%%%s/%d" % (address, rider, prefix),
        "%s/%d%s" % (address, prefix, rider),
        "%s%s/%d" % (rider, address, prefix),
        "%s/%s" % (address, net.netmask),
        "::ffff:%s/%d" % (ipaddress.IPv4Address(rng.getrandbits(32)), rng.randint(96, 128)),
        str(net),
        _inputs.postfix_network(net),
    ])


def main():
    rng = random.Random(25)
    cases = []
    for _index in range(int(sys.argv[1])):
        value = written(rng, network(rng))
        try:
            canonical = _inputs.postfix_network(_inputs.network(value, "postfix_trusted_networks",
                                                                postfix_brackets=True))
        except _inputs.Refusal:
            canonical = None
        cases.append(dict(value=value, canonical=canonical))
    print(json.dumps(cases))


if __name__ == "__main__":
    main()
