#!/usr/bin/env bash
# `make bench`: eight containers hardened by the postfix role, then the audit timed on one and on
# all eight, the host-evidence-only audit, and an idempotent re-run of harden.yml (molecule/bench).
# Results: .testbed/bench/audit.json and audit.txt; the Ansible output goes to .testbed/bench/bench.log.
# Numbers only: a benchmark never fails because something is slow.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR" || exit 1
export MAILSEC_RELEASE MOLECULE_EPHEMERAL_DIRECTORY="$STATE_DIR/molecule/bench-debian$MAILSEC_RELEASE"
mkdir -p "$STATE_DIR/bench"
logfile="$STATE_DIR/bench/bench.log"
: > "$logfile"
rm -f "$STATE_DIR/bench/audit.json" "$STATE_DIR/bench/audit.txt"

step() { molecule_step bench "$logfile" "$@"; }  # step DESCRIPTION MOLECULE-ACTION
trap 'log "removing the benchmark containers"; molecule destroy -s bench >>"$logfile" 2>&1' EXIT
molecule destroy -s bench >>"$logfile" 2>&1 || true
began=$(date +%s)
if ! { step "starting eight containers on $(image_name "$MAILSEC_RELEASE")" create \
       && step "hardening them with harden.yml" converge \
       && step "timing the audit and an idempotent re-run" verify; }; then
  tail -n 40 "$logfile" >&2
  die "the benchmark failed; the whole output is in .testbed/bench/bench.log"
fi
printf '\n'
grep -v '^#' "$STATE_DIR/bench/audit.txt"
printf '\nJSON: .testbed/bench/audit.json (set-up and measurements took %ss)\n' $(( $(date +%s) - began ))
