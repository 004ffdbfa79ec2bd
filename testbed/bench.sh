#!/usr/bin/env bash
# `make bench`: eight containers hardened by the postfix role, then the audit timed on one and on
# all eight, the host-evidence-only audit, and an idempotent re-run of harden.yml; and the same mix
# of mail through a bare server and two behind the content filters, in reject and in sanitize mode
# (molecule/bench); and a sweep of a
# /24 and a /16 of loopback addresses by smtp_scan and by nmap's smtp-open-relay, with each tool's time and
# peak memory (testbed/bench-sweep.py).
# Results: .testbed/bench/audit.{json,txt}, filtering.{json,txt} and sweep.{json,txt}, machine.json and
# versions.json, each timed run's output with its slowest tasks in runs/, and docs/benchmarks.md written from
# them (testbed/bench-doc.py); the Ansible output goes to
# .testbed/bench/bench.log. BENCH_ROUNDS sets how often the mail mix is sent (default 50).
# Numbers only: a benchmark never fails because something is slow.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR" || exit 1
export MAILSEC_RELEASE MOLECULE_EPHEMERAL_DIRECTORY="$STATE_DIR/molecule/bench-debian$MAILSEC_RELEASE"
mkdir -p "$STATE_DIR/bench"
logfile="$STATE_DIR/bench/bench.log"
: > "$logfile"
rm -f "$STATE_DIR"/bench/{audit,filtering,sweep}.{json,txt} "$STATE_DIR"/bench/{machine,versions}.json
python "$TESTBED_DIR/bench-doc.py" --machine "$STATE_DIR/bench" || die "the machine could not be described"

log "sweeping 127.0.90.0/24 and 127.91.0.0/16 with smtp_scan and with nmap smtp-open-relay"
python "$TESTBED_DIR/bench-sweep.py" "$STATE_DIR/bench" || die "the sweep benchmark failed"

step() { molecule_step bench "$logfile" "$@"; }  # step DESCRIPTION MOLECULE-ACTION
trap 'log "removing the benchmark containers"; molecule destroy -s bench >>"$logfile" 2>&1' EXIT
molecule destroy -s bench >>"$logfile" 2>&1 || true
began=$(date +%s)
if ! { step "starting eleven containers on $(image_name "$MAILSEC_RELEASE")" create \
       && step "hardening them with harden.yml" converge \
       && step "timing the audit, an idempotent re-run and mail through the filters" verify; }; then
  tail -n 40 "$logfile" >&2
  die "the benchmark failed; the whole output is in .testbed/bench/bench.log"
fi
printf '\n'
grep -v '^#' "$STATE_DIR/bench/audit.txt"
printf '\n'
grep -v '^#' "$STATE_DIR/bench/filtering.txt"
printf '\n'
grep -v '^#' "$STATE_DIR/bench/sweep.txt"
python "$TESTBED_DIR/bench-doc.py" "$STATE_DIR/bench" "$PROJECT_DIR/docs/benchmarks.md" || die "docs/benchmarks.md could not be written"
printf '\nJSON: .testbed/bench/audit.json, filtering.json, sweep.json; docs/benchmarks.md rewritten (set-up and measurements took %ss)\n' \
  $(( $(date +%s) - began ))
