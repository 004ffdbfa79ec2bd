#!/usr/bin/env bash
# Make the working tree importable as mailsec.hardening for ansible and molecule
# (.testbed/collections/ansible_collections/mailsec/hardening -> the working tree).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

link="$STATE_DIR/collections/ansible_collections/mailsec/hardening"
mkdir -p "$(dirname "$link")"
[ "$(readlink "$link" 2>/dev/null)" = "$PROJECT_DIR" ] || ln -sfn "$PROJECT_DIR" "$link"
