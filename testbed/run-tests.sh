#!/usr/bin/env bash
# Run every check CI runs, in order, keep going after a failure, and end with a summary:
# one line per stage with its time, then "N passed, N failed". Exit status 1 if any failed.
# Stages can be chosen: testbed/run-tests.sh lint units
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR" || exit 1

stage_yamllint() { yamllint --strict .; }
stage_ansible_lint() { ansible-lint --profile production; }
stage_sanity() { bash testbed/sanity.sh; }
stage_build() { bash testbed/check-build.sh; }
stage_units() {
  PYTHONPATH="$STATE_DIR/collections" python -m pytest -q -p no:cacheprovider tests/unit
}
# Every scenario on the default release (Debian 13); the postfix scenario again on Debian 12. The
# postfix checks that depend on the release run on both; those of how the role treats its input
# and a site's hand-made settings, the same on every release, are split between the two runs.
stage_molecule() {
  local scenario failed=0
  for scenario in $(molecule_scenarios); do
    molecule_test "$scenario" "$MAILSEC_RELEASE" || failed=1
  done
  return $failed
}
stage_molecule_debian12() {
  local failed=0
  molecule_test postfix 12 || failed=1
  molecule_test mailbox 12 || failed=1
  return $failed
}
# The audit scenario mostly waits on SMTP sessions too, so it runs beside the others; the identity
# and reliability scenarios follow it in the same stage (together they end about when the longest
# stage does).
stage_molecule_audit_identity() {
  local failed=0
  molecule_test audit "$MAILSEC_RELEASE" || failed=1
  molecule_test identity "$MAILSEC_RELEASE" || failed=1
  molecule_test reliability "$MAILSEC_RELEASE" || failed=1
  return $failed
}
stage_molecule_filtering_border() {
  local failed=0
  molecule_test filtering "$MAILSEC_RELEASE" || failed=1
  molecule_test border "$MAILSEC_RELEASE" || failed=1
  molecule_test upkeep "$MAILSEC_RELEASE" || failed=1
  return $failed
}
# The README's user path, literally, as an ordinary user in a fresh virtualenv (molecule/guide); the
# mailbox scenario follows it in the same stage, which ends before the longest one.
stage_guide() {
  local failed=0
  molecule_test guide "$MAILSEC_RELEASE" || failed=1
  molecule_test mailbox "$MAILSEC_RELEASE" || failed=1
  return $failed
}
# Container and network names carry the release, and each run keeps its molecule state in its
# own directory, so runs on different releases can overlap.
molecule_test() {
  local start=$SECONDS
  log "molecule scenario $1 on $(image_name "$2")"
  MAILSEC_RELEASE=$2 MOLECULE_EPHEMERAL_DIRECTORY="$STATE_DIR/molecule/$1-debian$2" \
    molecule test -s "$1" || { log "molecule scenario $1 on Debian $2 FAILED after $((SECONDS - start)) s"; return 1; }
  log "molecule scenario $1 on Debian $2 passed in $((SECONDS - start)) s"
}
molecule_scenarios() {
  local dir
  for dir in molecule/*/molecule.yml; do
    dir=$(basename "$(dirname "$dir")")
    case $dir in
      demo) ;;    # runs with `make demo`
      bench) ;;   # runs with `make bench`
      audit|identity|reliability|filtering|border|upkeep|guide|mailbox) ;;   # their own stages: molecule_audit_identity, molecule_filtering_border, guide
      *) echo "$dir" ;;
    esac
  done
}

# A stage written with a trailing '&' starts in the background with its output in a log file;
# the summary waits for it and then shows that log. By default every scenario starts at once and
# the checks that need no containers run beside them: the scenarios spend much of their time
# waiting on SMTP sessions and timeouts, and on 2 cores the run ends soonest when nothing waits
# for a stage it does not need.
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=('molecule_debian12&' 'molecule&' 'molecule_filtering_border&' 'molecule_audit_identity&'
                                   'guide&' yamllint ansible_lint sanity build units)
mkdir -p "$STATE_DIR/logs"
began=$(date +%s)
rm -f "$STATE_DIR"/logs/*.result
# On 2 cores the stages compete for CPU. The longest chain of steps, the postfix scenario on the
# default release, gets the CPU first; the other scenarios and then the checks without containers
# use what it leaves while it waits on SMTP sessions and timeouts, so none of them ends far behind.
stage_niceness() {
  case $1 in
    molecule) echo 0 ;;
    molecule_filtering_border) echo 2 ;;
    molecule_*|guide) echo 4 ;;
    *) echo 8 ;;
  esac
}
run_stage() {  # stage: writes "PASS|FAIL seconds" to .testbed/logs/<stage>.result
  local start result
  renice -n "$(stage_niceness "$1")" -p "$BASHPID" >/dev/null
  start=$(date +%s)
  if "stage_$1"; then result=PASS; else result=FAIL; fi
  printf '%s %s\n' "$result" $(( $(date +%s) - start )) >"$STATE_DIR/logs/$1.result"
}
declare -A outcome
background=()
for stage in "${stages[@]}"; do
  if [[ $stage == *'&' ]]; then
    stage=${stage%'&'}
    log "=== $stage, in the background (output in .testbed/logs/$stage.log)"
    run_stage "$stage" >"$STATE_DIR/logs/$stage.log" 2>&1 &
    background+=("$stage $!")
  else
    log "=== $stage"
    (run_stage "$stage") 2>&1 | tee "$STATE_DIR/logs/$stage.log"
    outcome[$stage]=$(cat "$STATE_DIR/logs/$stage.result" 2>/dev/null || echo "FAIL 0")
  fi
done
for entry in "${background[@]}"; do
  stage=${entry% *}
  log "=== waiting for $stage"
  wait "${entry#* }" || true
  log "=== output of $stage"
  cat "$STATE_DIR/logs/$stage.log" >&2
  outcome[$stage]=$(cat "$STATE_DIR/logs/$stage.result" 2>/dev/null || echo "FAIL 0")
done
# A failed stage's reasons may be far above in a long log: repeat its error lines just above the summary.
for stage in "${stages[@]}"; do
  stage=${stage%'&'}
  result=${outcome[$stage]:-FAIL 0}
  [ "${result%% *}" = PASS ] && continue
  printf '\n== why %s failed (error lines of .testbed/logs/%s.log)\n' "$stage" "$stage"
  grep -E '^(ERROR|FATAL|E   )|fatal: \[|FAILED!|FAILED after|^FAILED |[^ ]+\.(py|ya?ml):[0-9]+|^[^ ]+\.ya?ml$|^  [0-9]+:[0-9]+ +(error|warning) ' \
    "$STATE_DIR/logs/$stage.log" 2>/dev/null | tail -n 40 || true
done
passed=0 failed=0
printf '\n== mailsec.hardening test summary\n'
for stage in "${stages[@]}"; do
  stage=${stage%'&'} result=${outcome[${stage%'&'}]:-FAIL 0}
  [ "${result% *}" = PASS ] && passed=$((passed + 1)) || failed=$((failed + 1))
  printf '  %-18s %s  %4ss\n' "$stage" "${result% *}" "${result#* }"
done
printf 'wall clock: %ss (background stages overlap the others)\n' $(( $(date +%s) - began ))
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
