#!/usr/bin/env bash
# Copy the collection's files (tracked, plus new ones not ignored) into
# .testbed/sanity/ansible_collections/mailsec/hardening, the path ansible-test insists on,
# and print that path.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

tree="$STATE_DIR/sanity/ansible_collections/mailsec/hardening"
rm -rf "$tree"
mkdir -p "$tree"
cd "$PROJECT_DIR"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | xargs -0 cp --parents -t "$tree"
printf '%s\n' "$tree"
