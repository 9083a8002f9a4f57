"""The faster nbgrader cell-metadata check keeps nbgrader's checks and errors."""

import nbformat
import pytest
from jsonschema import ValidationError
from jsonschema import validate as jsonschema_validate
from nbgrader.nbgraderformat import MetadataValidator

from course.nbgrader_plugins.nbgrader_patches import check_metadata_schemas_once
from tests.nbgrader_harness import REPO

check_metadata_schemas_once()  # as nbgrader_config.py does


def test_valid_metadata_passes_and_invalid_metadata_raises_the_same_error():
    validator = MetadataValidator()
    nb = nbformat.read(REPO / "source" / "00-orientation" / "00-orientation.ipynb", as_version=4)
    validator.validate_nb(nb)
    graded = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    graded.metadata["nbgrader"]["points"] = "lots"
    with pytest.raises(ValidationError, match="'lots' is not of type 'number'"):
        validator.validate_cell(graded)
    del graded.metadata["nbgrader"]["grade_id"]
    graded.metadata["nbgrader"]["points"] = 1
    with pytest.raises(ValidationError, match="grade_id"):
        validator.validate_cell(graded)


def _variants(valid: dict) -> list[dict]:
    """``valid`` with each key given odd values, removed, or joined by an unknown key."""
    odd_values = [None, True, False, 0, 1, 3, 3.0, 2.5, -1, "", "x", "a b", "3", "c" * 32,
                  "é" * 32, [], {}, ["code"], "code", "markdown", "raw", "grade-1_ok"]
    variants = [dict(valid), {**valid, "surprise": 1}]
    for key in [*valid, "points", "checksum", "cell_type", "task", "grade_id"]:
        variants.append({k: v for k, v in valid.items() if k != key})
        variants += [{**valid, key: value} for value in odd_values]
    return variants


def test_the_fast_check_accepts_exactly_what_jsonschema_accepts():
    from course.nbgrader_plugins.nbgrader_patches import _SchemaCheckedOnce

    validator = MetadataValidator()
    checked_once = _SchemaCheckedOnce()
    valid = {"schema_version": 3, "grade": True, "locked": True, "solution": False,
             "grade_id": "q1", "points": 2, "checksum": "0" * 32, "cell_type": "code"}
    for metadata in _variants(valid):
        try:
            jsonschema_validate(metadata, validator.schema)
            expected = None
        except ValidationError as problem:
            expected = problem.message
        try:
            checked_once.validate(metadata, validator.schema)
            found = None
        except ValidationError as problem:
            found = problem.message
        assert found == expected, metadata


def test_a_schema_read_again_is_not_checked_again():
    from course.nbgrader_plugins.nbgrader_patches import _SchemaCheckedOnce

    checked_once = _SchemaCheckedOnce()
    metadata = {"schema_version": 3, "grade": False, "locked": True, "solution": False,
                "grade_id": "intro"}
    for _ in range(3):  # nbgrader reads its schema file again for every notebook
        checked_once.validate(metadata, MetadataValidator().schema)
    assert len(checked_once._by_content) == 1
