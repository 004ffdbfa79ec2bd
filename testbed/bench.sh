#!/usr/bin/env bash
# `make bench`: eight containers hardened by the postfix role, then the audit timed on one and on
# all eight, the host-evidence-only audit, and an idempotent re-run of harden.yml; and the same mix
# of mail through a bare server and one behind the content filters (molecule/bench).
# Results: .testbed/bench/audit.{json,txt} and filtering.{json,txt}; the Ansible output goes to
# .testbed/bench/bench.log. BENCH_ROUNDS sets how often the mail mix is sent (default 50).
# Numbers only: a benchmark never fails because something is slow.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR" || exit 1
export MAILSEC_RELEASE MOLECULE_EPHEMERAL_DIRECTORY="$STATE_DIR/molecule/bench-debian$MAILSEC_RELEASE"
mkdir -p "$STATE_DIR/bench"
logfile="$STATE_DIR/bench/bench.log"
: > "$logfile"
rm -f "$STATE_DIR"/bench/{audit,filtering}.{json,txt}

step() { molecule_step bench "$logfile" "$@"; }  # step DESCRIPTION MOLECULE-ACTION
trap 'log "removing the benchmark containers"; molecule destroy -s bench >>"$logfile" 2>&1' EXIT
molecule destroy -s bench >>"$logfile" 2>&1 || true
began=$(date +%s)
if ! { step "starting ten containers on $(image_name "$MAILSEC_RELEASE")" create \
       && step "hardening them with harden.yml" converge \
       && step "timing the audit, an idempotent re-run and mail through the filters" verify; }; then
  tail -n 40 "$logfile" >&2
  die "the benchmark failed; the whole output is in .testbed/bench/bench.log"
fi
printf '\n'
grep -v '^#' "$STATE_DIR/bench/audit.txt"
printf '\n'
grep -v '^#' "$STATE_DIR/bench/filtering.txt"
printf '\nJSON: .testbed/bench/audit.json, filtering.json (set-up and measurements took %ss)\n' $(( $(date +%s) - began ))
