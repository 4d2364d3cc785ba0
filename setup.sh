#!/usr/bin/env bash
# Set up restorer for development or use: a virtual environment in .venv with the package
# (editable), its dependencies and the test tools. Afterwards the command is .venv/bin/restorer.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 10):
    sys.exit(f"restorer needs Python 3.10 or newer, found {sys.version.split()[0]}")
PY
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
.venv/bin/restorer --version
