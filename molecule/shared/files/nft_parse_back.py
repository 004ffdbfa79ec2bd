# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read `nft -j list table ...` (stdin) and print, as JSON, what the loaded table holds: each set's
elements as address or address/prefix, and each rule that carries a comment with its ports, source
addresses and verdict. Only nft's own JSON is read; nothing of the collection is imported, so the
scenario compares what nft loaded with values written in the test itself.

Usage: nft -j list table inet mailsec | python3 nft_parse_back.py
"""

import json
import sys


def element(value):
    if isinstance(value, dict) and "prefix" in value:
        return "%s/%d" % (value["prefix"]["addr"], value["prefix"]["len"])
    if isinstance(value, dict) and "range" in value:
        return "%s-%s" % tuple(value["range"])
    if isinstance(value, dict) and "elem" in value:
        return element(value["elem"]["val"])
    return str(value)


def values(right):
    if isinstance(right, dict) and "set" in right:
        return sorted(element(item) for item in right["set"])
    return [element(right)]


def rule_summary(rule):
    summary = dict(comment=rule.get("comment", ""), ports=[], sources=[], verdict="")
    for expr in rule.get("expr", []):
        match = expr.get("match")
        if match:
            field = match.get("left", {}).get("payload", {}).get("field")
            if field == "dport":
                summary["ports"] = values(match["right"])
                summary["protocol"] = match["left"]["payload"]["protocol"]
            elif field == "saddr":
                summary["sources"] = values(match["right"])
        for verdict in ("accept", "drop", "reject"):
            if verdict in expr:
                summary["verdict"] = verdict
    return summary


def main():
    items = json.load(sys.stdin)["nftables"]
    sets = dict((item["set"]["name"], sorted(element(e) for e in item["set"].get("elem", [])))
                for item in items if "set" in item)
    rules = [rule_summary(item["rule"]) for item in items if "rule" in item and item["rule"].get("comment")]
    json.dump(dict(sets=sets, rules=rules), sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
