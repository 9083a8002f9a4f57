"""The course's JupyterLab extension is committed prebuilt: prove the build is of this source.

``answer-controls/build.sh`` records the digest of the TypeScript, CSS and package files it
built from in ``course/labextension/source.sha256``. A source change without a rebuild fails
here, and the installed extension is the committed one.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from tests.nbgrader_harness import REPO, tool_env

BUILT = REPO / "course" / "labextension"


def _source_digest() -> str:
    spec = importlib.util.spec_from_file_location(
        "source_digest", REPO / "answer-controls" / "source_digest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.source_digest()


def test_committed_build_is_of_the_current_source():
    recorded = (BUILT / "source.sha256").read_text().strip()
    assert recorded == _source_digest(), (
        "answer-controls/ changed since course/labextension/ was built: run "
        "answer-controls/build.sh and commit course/labextension/")


def test_built_extension_names_its_package_and_its_entry_point():
    source = json.loads((REPO / "answer-controls" / "package.json").read_text())
    built = json.loads((BUILT / "package.json").read_text())
    assert built["name"] == source["name"] == "cryocourse-answers"
    assert built["version"] == source["version"]
    entry = built["jupyterlab"]["_build"]["load"]
    assert (BUILT / entry).is_file()


def test_extension_is_installed_and_enabled_in_jupyterlab():
    jupyter = Path(sys.executable).parent / "jupyter"
    result = subprocess.run([str(jupyter), "labextension", "list"], capture_output=True,
                            text=True, env=tool_env(), timeout=120)
    line = next((ln for ln in (result.stdout + result.stderr).splitlines()
                 if "cryocourse-answers" in ln), "")
    assert "enabled" in line and "OK" in line, result.stdout + result.stderr
