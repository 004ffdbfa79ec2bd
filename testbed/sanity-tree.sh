#!/usr/bin/env bash
# Copy the collection's files (tracked, plus new ones not ignored) into
# .testbed/sanity/ansible_collections/mailsec/hardening, the path ansible-test insists on,
# as its own small git repository, and print that path.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

tree="$STATE_DIR/sanity/ansible_collections/mailsec/hardening"
rm -rf "$tree"
mkdir -p "$tree"
cd "$PROJECT_DIR" || exit 1
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | xargs -0 cp --parents -t "$tree"
# ansible-test lists files with git; give the copy its own index so it does not see the
# project's (which ignores .testbed/).
git -C "$tree" init -q
git -C "$tree" add -A
printf '%s\n' "$tree"
