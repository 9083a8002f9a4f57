#!/usr/bin/env bash
# Rebuild the course's JupyterLab extension from source with packages from the npm registry
# (needs Node.js 18+ and npm), into course/labextension/, and record the source digest that
# CI checks (tests/test_answer_controls.py). Commit course/labextension/ afterwards.
#   answer-controls/build.sh          install the locked packages (npm ci), then build
#   answer-controls/build.sh --quick  build with the packages already installed
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-../.venv/bin/python}
CORE=$("$PY" -c 'import jupyterlab, pathlib; print(pathlib.Path(jupyterlab.__file__).parent / "staging")')
[ "${1:-}" = "--quick" ] || npm ci --no-audit --no-fund
npx tsc
rm -rf ../course/labextension
node node_modules/.bin/build-labextension --core-path "$CORE" .
"$PY" source_digest.py > ../course/labextension/source.sha256
echo "Built course/labextension from $(cat ../course/labextension/source.sha256)"
