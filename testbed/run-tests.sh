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
# Every scenario on the default release (Debian 13); the postfix scenario again on Debian 12.
stage_molecule() {
  local scenario failed=0
  for scenario in $(molecule_scenarios); do
    log "molecule scenario $scenario on $IMAGE_NAME"
    MAILSEC_IMAGE=$IMAGE_NAME molecule test -s "$scenario" || { failed=1; log "molecule scenario $scenario FAILED"; }
  done
  return $failed
}
stage_molecule_debian12() {
  log "molecule scenario postfix on $(image_name 12)"
  MAILSEC_IMAGE=$(image_name 12) molecule test -s postfix
}
molecule_scenarios() {
  local dir
  for dir in molecule/*/molecule.yml; do
    dir=$(basename "$(dirname "$dir")")
    [ "$dir" = demo ] || echo "$dir"   # the demo runs with `make demo`
  done
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(yamllint ansible_lint sanity build units molecule molecule_debian12)
passed=0 failed=0 report=()
for stage in "${stages[@]}"; do
  log "=== $stage"
  start=$(date +%s)
  if "stage_$stage"; then result=PASS; passed=$((passed + 1)); else result=FAIL; failed=$((failed + 1)); fi
  report+=("$(printf '  %-14s %s  %4ss' "$stage" "$result" $(( $(date +%s) - start )))")
done
printf '\n== mailsec.hardening test summary\n'
printf '%s\n' "${report[@]}"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
