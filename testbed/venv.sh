#!/usr/bin/env bash
# Create the project virtualenv from requirements-dev.txt (which includes the collection's own
# requirements.txt), and galaxy-importer's own virtualenv from testbed/importer-requirements.txt
# (its dependencies stay out of .venv); redo each only when its requirements change.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# make_venv DIR LABEL REQUIREMENTS [MORE FILES]: build DIR from REQUIREMENTS unless it was built
# from these files as they are now (their hash is kept in DIR/.requirements.sha256).
make_venv() {
  local dir=$1 label=$2 req=$3 stamp="$1/.requirements.sha256" want
  shift 2
  want=$(cat "$@" | sha256sum | cut -d' ' -f1)
  if [ -x "$dir/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    log "$label up to date"
    return 0
  fi
  python3 -c 'import ensurepip' 2>/dev/null \
    || die "python3 cannot make a virtualenv; install python3-venv (or run 'make setup' as root)"
  log "building $label in ${dir#"$PROJECT_DIR"/}"
  python3 -m venv "$dir"
  (cd "$PROJECT_DIR" && "$dir/bin/pip" install -q --disable-pip-version-check -r "$req")
  printf '%s\n' "$want" > "$stamp"
}

make_venv "$VENV_DIR" virtualenv "$PROJECT_DIR/requirements-dev.txt" "$PROJECT_DIR/requirements.txt"
make_venv "$IMPORTER_VENV_DIR" "galaxy-importer's virtualenv" "$TESTBED_DIR/importer-requirements.txt"
