"""nbgrader's own tests of the steps that write gradebook files, alike in a grading worker."""

from __future__ import annotations

import pytest

from tests.upstream.nbgrader_suite import (
    ENGINES_SHARED,
    GRADEBOOK_USER_MODULES,
    WORKER_PATCHES,
    assert_patch_changes_nothing,
)

pytestmark = pytest.mark.upstream


def test_nbgrader_gradebook_file_tests_alike_with_a_grading_workers_patches(tmp_path) -> None:
    assert_patch_changes_nothing(GRADEBOOK_USER_MODULES, WORKER_PATCHES, tmp_path,
                                 after=ENGINES_SHARED)
