#!/usr/bin/env bash
# Shared helpers for the testbed scripts: paths, logging, the container runtime environment.
# Sourced, never run on its own.
# shellcheck disable=SC2034  # the names set here are read by the scripts that source this file
set -euo pipefail

TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(dirname "$TESTBED_DIR")
STATE_DIR="$PROJECT_DIR/.testbed"          # generated, git-ignored
VENV_DIR="$PROJECT_DIR/.venv"
IMPORTER_VENV_DIR="$STATE_DIR/importer-venv"  # galaxy-importer alone (testbed/importer-requirements.txt)
# One image per Debian release the tests run on; the first is the default for every scenario.
RELEASES=(13 12)
MAILSEC_RELEASE=${MAILSEC_RELEASE:-${RELEASES[0]}}
image_name() { printf 'localhost/mailsec-debian%s\n' "$1"; }
IMAGE_NAME=$(image_name "$MAILSEC_RELEASE")
mkdir -p "$STATE_DIR"

# Podman reads this instead of the system-wide containers.conf; runtime.sh writes it.
export CONTAINERS_CONF="$STATE_DIR/containers.conf"
# The project's tools, the working tree as mailsec.hardening, plain output for logs.
export PATH="$VENV_DIR/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$STATE_DIR/collections"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1

log() { printf '[testbed] %s\n' "$*" >&2; }
die() { printf '[testbed] error: %s\n' "$*" >&2; exit 1; }

# Print the first Debian mirror URL named by this machine's apt sources (deb822 or one-line format).
debian_mirror() {
  local url
  url=$( { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}';
           grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
             | sed -E 's/\[[^]]*\]//' | awk '{print $2}'; } \
         | grep -vE 'security|updates' | grep -E '/debian/?$' | head -n 1)
  [ -n "$url" ] || die "no Debian mirror found in /etc/apt sources; add one (e.g. a 'deb' line for bookworm)"
  printf '%s\n' "${url%/}"
}

# Print the Debian suite (codename) of a release number the testbed supports.
suite_of() {
  case "$1" in
    13) echo trixie ;;
    12) echo bookworm ;;
    *) die "unsupported Debian release '$1' (supported: ${RELEASES[*]})" ;;
  esac
}

# Print the Debian security mirror URL named by this machine's apt sources, or nothing.
debian_security_mirror() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}';
    grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | sed -E 's/\[[^]]*\]//' | awk '{print $2}'; } \
    | grep -E '/debian-security/?$' | head -n 1 | sed -E 's#/$##' || true
}

# molecule_step SCENARIO LOGFILE DESCRIPTION ACTION: say what happens, run one molecule action,
# append its output to LOGFILE (the step-by-step drivers: demo.sh, bench.sh).
molecule_step() {
  log "$3"
  molecule "$4" -s "$1" >>"$2" 2>&1
}
