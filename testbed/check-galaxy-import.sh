#!/usr/bin/env bash
# Usage: check-galaxy-import.sh TARBALL (the build stage, testbed/check-build.sh, runs it).
# What Galaxy runs on upload: galaxy-importer (its own virtualenv, testbed/venv.sh) on the tarball,
# with testbed/galaxy-importer.cfg (no container, no network). The import must complete with no
# ERROR line and no warning other than those the file declares with their reasons. Its whole log
# is kept in .testbed/logs/galaxy-importer.log; here only its summary lines, as it writes them.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tarball=$1
[ -f "$tarball" ] || die "usage: check-galaxy-import.sh TARBALL"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
importer_cfg="$TESTBED_DIR/galaxy-importer.cfg"
importer_log="$STATE_DIR/logs/galaxy-importer.log"
[ -x "$IMPORTER_VENV_DIR/bin/python" ] || die "galaxy-importer is not installed; run testbed/venv.sh (make venv)"
mkdir -p "$work/importer" "$STATE_DIR/logs"
started=$SECONDS importer_status=0
# Its ansible-doc and ansible-lint come from its virtualenv, and it sets their collection path itself.
(cd "$work/importer" \
  && env -u ANSIBLE_COLLECTIONS_PATH PATH="$IMPORTER_VENV_DIR/bin:$PATH" GALAXY_IMPORTER_CONFIG="$importer_cfg" \
    GALAXY_IMPORTER_TMP_ROOT_DIR="$work/importer" GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$work/importer/ansible-tmp" \
    "$IMPORTER_VENV_DIR/bin/python" -m galaxy_importer.main "$tarball") >"$importer_log" 2>&1 || importer_status=$?
importer_seconds=$((SECONDS - started))
"$IMPORTER_VENV_DIR/bin/python" - "$importer_cfg" >"$work/importer/expected" <<'PY'
import configparser, sys
cfg = configparser.ConfigParser(interpolation=None)
cfg.read(sys.argv[1])
for text in cfg["expected-warnings"].values():
    print(text)
PY
sed -n 's/^WARNING: //p' "$importer_log" >"$work/importer/warnings"
grep -E '^(Importing with|Linting collection via)' "$importer_log" >&2 || true
unexpected=0
while IFS= read -r warning; do
  if grep -qxF -- "$warning" "$work/importer/expected"; then
    printf 'WARNING: %s (expected: %s)\n' "$warning" "${importer_cfg#"$PROJECT_DIR"/}" >&2
  else
    printf 'WARNING: %s\n' "$warning" >&2
    unexpected=$((unexpected + 1))
  fi
done <"$work/importer/warnings"
completed=$(grep -cx 'Importer processing completed successfully' "$importer_log" || true)
# A declared warning the importer no longer gives is stale (only known when the import went through).
while IFS= read -r expected; do
  [ "$completed" -eq 0 ] || grep -qxF -- "$expected" "$work/importer/warnings" \
    || { printf 'no longer given, remove it from [expected-warnings]: %s\n' "$expected" >&2; unexpected=$((unexpected + 1)); }
done <"$work/importer/expected"
# Each error, after the content being loaded when it came and with a traceback's first lines.
errors=$(grep -cE '^(ERROR|CRITICAL):' "$importer_log" || true)
awk '/^(ERROR|CRITICAL):/ { if (prev ~ /^Loading /) print prev; print; more = 3; prev = $0; next }
     more > 0 { print; more-- } { prev = $0 }' "$importer_log" >&2
[ "$completed" -eq 0 ] || printf 'Importer processing completed successfully\n' >&2
if [ "$importer_status" -ne 0 ] || [ "$completed" -eq 0 ] || [ "$errors" -gt 0 ] || [ "$unexpected" -gt 0 ]; then
  die "galaxy-importer rejects the tarball (exit $importer_status, $errors error(s), $unexpected unexpected warning(s); whole log in .testbed/logs/galaxy-importer.log)"
fi
contents=$("$IMPORTER_VENV_DIR/bin/python" - "$work/importer/importer_result.json" <<'PY'
import collections, json, sys
counts = collections.Counter(c["content_type"] for c in json.load(open(sys.argv[1]))["contents"])
print(", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
PY
)
log "galaxy-importer accepts $(basename "$tarball") in $importer_seconds s ($contents)"
