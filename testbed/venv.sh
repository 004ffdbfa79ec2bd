#!/usr/bin/env bash
# Create the project virtualenv from requirements-dev.txt (which includes the collection's own
# requirements.txt); redo it only when either file changes.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

req="$PROJECT_DIR/requirements-dev.txt"
stamp="$VENV_DIR/.requirements.sha256"
want=$(cat "$req" "$PROJECT_DIR/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ -x "$VENV_DIR/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  log "virtualenv up to date"
  exit 0
fi
python3 -c 'import ensurepip' 2>/dev/null \
  || die "python3 cannot make a virtualenv; install python3-venv (or run 'make setup' as root)"
log "building virtualenv in .venv"
python3 -m venv "$VENV_DIR"
(cd "$PROJECT_DIR" && "$VENV_DIR/bin/pip" install -q --disable-pip-version-check -r "$req")
printf '%s\n' "$want" > "$stamp"
