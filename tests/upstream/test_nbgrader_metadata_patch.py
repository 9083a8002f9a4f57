"""nbgrader's own tests of cell metadata pass and fail alike with check_metadata_schemas_once."""

from __future__ import annotations

import pytest

from tests.upstream.nbgrader_suite import (
    CONVERTER_PATCH,
    METADATA_MODULES,
    SCHEMAS_CHECKED,
    assert_patch_changes_nothing,
)

pytestmark = pytest.mark.upstream


def test_nbgrader_metadata_tests_alike_with_the_schema_checked_once(tmp_path) -> None:
    assert_patch_changes_nothing(METADATA_MODULES, CONVERTER_PATCH, tmp_path,
                                 after=SCHEMAS_CHECKED)
