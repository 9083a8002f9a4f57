"""Tests never touch the user's own nbgrader cache: what a test submits is filed in the test
run's private data folder, never in the list the trainee's Assignments tab shows."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from nbgrader.exchange.default.exchange import Exchange

from conftest import PRIVATE_DATA


def _real_data_dir() -> Path:
    before = os.environ[PRIVATE_DATA]
    if before:
        return Path(before).resolve()
    return (Path.home() / ".local" / "share" / "jupyter").resolve()


def test_the_nbgrader_cache_of_a_test_run_is_private() -> None:
    cache = Path(Exchange().cache).resolve()
    private = Path(jupyter_data_dir()).resolve()
    assert cache.is_relative_to(private)
    assert "cryocourse-test-jupyter-data-" in private.name
    assert not cache.is_relative_to(_real_data_dir())


def test_a_course_api_files_submissions_in_the_private_cache(tmp_path: Path) -> None:
    from course.storage.course_folder import make_api

    root = tmp_path / "class"
    (root / "source").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    api = make_api(root)
    submit = api.exchange.submit(coursedir=api.coursedir, authenticator=api.authenticator,
                                 parent=api)
    assert not Path(submit.cache).resolve().is_relative_to(_real_data_dir())
