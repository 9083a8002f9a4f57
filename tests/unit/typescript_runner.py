"""Run the answer controls' TypeScript under Node on a list of cases (tests/unit/ts_run.cjs)."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.nbgrader_harness import REPO

RUNNER = REPO / "tests" / "unit" / "ts_run.cjs"


def run_typescript(mode: str, cases: list[dict], *extra: str) -> list[dict]:
    """Each case's result from ``ts_run.cjs MODE`` (Node.js and the npm packages of
    tests/browser/package.json are installed by ``bash setup.sh test``)."""
    node = shutil.which("node")
    assert node, "Node.js is needed to run the answer controls' TypeScript (bash setup.sh test)"
    result = subprocess.run([node, str(RUNNER), mode, *extra], input=json.dumps(cases),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)
