"""Test tiers by folder (CONTRIBUTING.md): every test carries the marker of its tier.

    pytest -m "unit or lessons"     the fast first tier: seconds to a minute, no root, no browser
    pytest -m grading               real nbgrader on a temporary copy of the course
    pytest -m sandbox               the grading sandbox (bubblewrap)
    pytest -m notebooks             every notebook of source/ and release/ run by nbval
    pytest -m browser               JupyterLab in headless Chromium
    pytest -m hub                   a real JupyterHub and PostgreSQL (root)
    pytest -m lms                   the school's LMS: a real LTI 1.3 platform on 127.0.0.1
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
TIERS = {"tests/unit": "unit", "tests/lessons": "lessons", "tests/grading": "grading",
         "tests/sandbox": "sandbox", "tests/browser": "browser", "tests/hub": "hub",
         "tests/lms": "lms",
         "tests/upstream": "upstream", "source": "notebooks", "release": "notebooks"}


# nbgrader files every submission in the account's nbgrader cache (JUPYTER_DATA_DIR/
# nbgrader_cache) unless Exchange.cache says otherwise, and the Assignments tab lists what is
# there: a test that submits must never leave a fake submission in the trainee's own list.
# Every test run, and every server, kernel and nbgrader command it starts, gets its own data
# folder (virtualenv extensions and kernels stay found through sys.prefix).
PRIVATE_DATA = "CRYOCOURSE_TEST_REAL_DATA_DIR"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault(PRIVATE_DATA, os.environ.get("JUPYTER_DATA_DIR", ""))
    private = tempfile.mkdtemp(prefix="cryocourse-test-jupyter-data-")
    config.stash[_PRIVATE_KEY] = private
    os.environ["JUPYTER_DATA_DIR"] = private


def pytest_unconfigure(config: pytest.Config) -> None:
    private = config.stash.get(_PRIVATE_KEY, None)
    if private:
        shutil.rmtree(private, ignore_errors=True)


_PRIVATE_KEY = pytest.StashKey[str]()


def tier_of(path: Path) -> str | None:
    """The tier of a test file, by the folder it is in."""
    try:
        relative = path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return None
    return next((tier for folder, tier in TIERS.items()
                 if relative == folder or relative.startswith(folder + "/")), None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(Path(str(item.path)))
        if tier is not None:
            item.add_marker(getattr(pytest.mark, tier))
