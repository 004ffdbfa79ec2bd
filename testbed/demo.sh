#!/usr/bin/env bash
# `make demo`: harden a throwaway container into a closed-relay mail server, probe it from an
# untrusted container, audit it against the control catalogue, print a short summary.
# KEEP=1 leaves both containers running.
# The full Ansible output goes to .testbed/demo.log. `demo.sh clean` removes kept containers.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR" || exit 1
logfile="$STATE_DIR/demo.log"
summary="$STATE_DIR/demo-summary.txt"
audit="$STATE_DIR/demo-audit"
: > "$logfile"
rm -rf "$summary" "$audit"

step() { molecule_step demo "$logfile" "$@"; }  # step DESCRIPTION MOLECULE-ACTION
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    return
  fi
  log "removing the demo containers"
  molecule destroy -s demo >>"$logfile" 2>&1 || log "could not remove the containers; see $logfile"
}

if [ "${1:-}" = clean ]; then
  molecule destroy -s demo >"$logfile" 2>&1 || { tail -n 20 "$logfile" >&2; die "could not remove the demo containers"; }
  log "demo containers removed"
  exit 0
fi
molecule destroy -s demo >>"$logfile" 2>&1 || true   # leftovers of an earlier KEEP=1 run
trap cleanup EXIT
if ! { step "starting two containers: demo-mx and demo-outside" create \
       && step "preparing them" prepare \
       && step "hardening demo-mx with mailsec.hardening.harden (clamav, spamassassin, mail_auth, postfix, firewall, baseline)" converge \
       && step "probing demo-mx, sending test mail and auditing it from demo-outside" verify; }; then
  tail -n 40 "$logfile" >&2
  die "the demo failed; the whole output is in .testbed/demo.log"
fi

printf '\n'
grep -v "^#" "$summary"   # without the managed-file comment
printf '\nAudit against the control catalogue (mailsec.hardening.audit, from demo-outside):\n'
sed 's/^/  /' "$audit/audit.txt"
printf '  reports: %s, %s, %s\n' "${audit#"$PROJECT_DIR"/}/audit.html" "${audit#"$PROJECT_DIR"/}/audit.junit.xml" \
  "${audit#"$PROJECT_DIR"/}/audit.json"
if [ "${KEEP:-0}" = 1 ]; then
  printf '\nKept running (remove with: make demo-clean):\n'
  for name in demo-mx demo-outside; do
    printf '  %-13s %s\n' "$name" "$(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")"
  done
  printf '  a shell: podman exec -it demo-mx bash   (with CONTAINERS_CONF=.testbed/containers.conf)\n'
else
  printf '\nThe containers are removed when this command ends; KEEP=1 keeps them.\n'
fi
