#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection at .../ansible_collections/mailsec/hardening,
# with its virtualenvs kept under .testbed/home (HOME is pointed there, so nothing is written
# to the user's own ~/.ansible). Extra arguments go to ansible-test, e.g. --test pylint.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

export HOME="$STATE_DIR/home"
pip_version=$("$VENV_DIR/bin/python" - <<'PY'
import re, ansible_test, pathlib
text = (pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1))
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$cache")"
cp "$TESTBED_DIR/get-pip-offline.py" "$cache"

tree=$(bash "$TESTBED_DIR/sanity-tree.sh")
cd "$tree" || exit 1
"$VENV_DIR/bin/ansible-test" sanity --venv --python 3.11 --color no "$@"
