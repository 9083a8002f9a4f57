"""The faster nbgrader cell-metadata check keeps nbgrader's checks and errors."""

import nbformat
import pytest
from jsonschema import ValidationError
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader_harness import REPO

import course.instructor.preprocessors  # noqa: F401 -- installs the check


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
