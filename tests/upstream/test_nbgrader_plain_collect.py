"""nbgrader's own collect tests pass and fail alike with the course's PlainCollect."""

from __future__ import annotations

import pytest

from tests.upstream.nbgrader_suite import (
    COLLECT_MODULES,
    PLAIN_COLLECT_CONFIG,
    PLAIN_COLLECT_USED,
    PLAIN_COLLECT_WATCH,
    assert_patch_changes_nothing,
)

pytestmark = pytest.mark.upstream


def test_nbgrader_collect_tests_alike_with_the_courses_collect(tmp_path) -> None:
    config = tmp_path / "course-config"
    config.mkdir()
    (config / "nbgrader_config.py").write_text(PLAIN_COLLECT_CONFIG)
    assert_patch_changes_nothing(COLLECT_MODULES, PLAIN_COLLECT_WATCH, tmp_path / "runs",
                                 after=PLAIN_COLLECT_USED,
                                 env={"JUPYTER_CONFIG_PATH": str(config)})
