#!/usr/bin/env bash
# Build the collection tarball, install it into an empty collections path, and check that its
# roles, modules and playbooks resolve by their fully qualified names from the installed copy.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR" || exit 1
# Outside the working tree and with no collection path pointing back into it: only the
# installed copy may answer.
unset ANSIBLE_COLLECTIONS_PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ansible-galaxy collection build --output-path "$work/dist" >/dev/null
tarball=$(ls "$work"/dist/mailsec-hardening-*.tar.gz)
log "built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
# --no-deps: the declared dependency (community.general) cannot come from Galaxy here; PyPI's
# ansible package provides it, and ansible-core finds it there.
ansible-galaxy collection install --offline --no-deps -p "$work/collections" "$tarball" >/dev/null

# Every module, role and filter answers ansible-doc with documentation, and every playbook passes
# --syntax-check, by its fully qualified name from the installed copy (the names come from its files).
python3 "$PROJECT_DIR/testbed/check-docs.py" "$work/collections" || die "the installed collection lacks documentation (above)"
# Nothing that is only for development is shipped.
if tar -tzf "$tarball" | grep -E '^(\.venv|\.testbed|molecule|testbed|\.ci)/' ; then
  die "the tarball ships development files (listed above)"
fi
log "installed collection resolves and documents every module, role, filter and playbook by FQCN"

# What Galaxy runs on upload.
bash "$TESTBED_DIR/check-galaxy-import.sh" "$tarball"

# The execution environment's build context, as AWX users generate it, and what it resolves (no
# image: ansible-builder builds only on RPM bases, none reachable here; the guide stage builds the
# same set on Debian and runs the audit in it).
bash "$PROJECT_DIR/testbed/ee-image.sh" context
