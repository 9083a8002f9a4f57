"""What an answer cell may ask the answer controls to show and write (``metadata.cryocourse``).

The metadata is versioned (``SCHEMA_VERSION``) and has a JSON schema,
``course/data/schemas/answer-controls.v1.json``. Generation writes only metadata that passes
``problems`` (``course/nbgrader_plugins/generate/release_cells.py``); the JupyterLab extension
checks what it reads by the same schema and the same two rules below (``answer-
controls/src/metadata.ts``), since a notebook may come from anyone: a trainee's submission
opened by an instructor, or a notebook passed between trainees. Beyond the schema:

* the answers belong to the cell's own question: ``item`` is the cell's nbgrader
  ``grade_id`` without ``_answer``;
* answer names are distinct, none a Python keyword; a checklist's codes are distinct; a
  number's ``min`` is at most its ``max``.
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema

SCHEMA_VERSION = 1
SCHEMA_FILE = f"answer-controls.v{SCHEMA_VERSION}.json"
ANSWER_SUFFIX = "_answer"  # an answer cell's grade_id is its question's id and this


@cache
def schema() -> dict[str, Any]:
    """The JSON schema of version ``SCHEMA_VERSION`` (the one file both sides read)."""
    return json.loads(files("course").joinpath("data", "schemas", SCHEMA_FILE).read_text())


def versioned(spec: Mapping[str, Any]) -> dict[str, Any]:
    """``spec`` as written into a released notebook: with its schema version."""
    return {"schema_version": SCHEMA_VERSION, **spec}


def problems(metadata: object, grade_id: object) -> list[str]:
    """Why ``metadata`` may not be shown as controls in the cell ``grade_id`` ([] if it may)."""
    if isinstance(metadata, dict) and "schema_version" not in metadata:
        metadata = versioned(metadata)  # released before the version was written: version 1
    validator = jsonschema.Draft202012Validator(schema())
    found = [f"{'/'.join(map(str, error.absolute_path)) or 'metadata'}: {error.message}"
             for error in validator.iter_errors(metadata)]
    if found or not isinstance(metadata, dict) or metadata.get("kind") == "written":
        return found[:5]
    if not isinstance(grade_id, str) or grade_id.removesuffix(ANSWER_SUFFIX) != metadata["item"]:
        found.append(f"item {metadata['item']!r} is not the question of cell {grade_id!r}")
    names = [answer["name"] for answer in metadata["answers"]]
    if len(set(names)) != len(names):
        found.append("an answer name is given twice")
    found += [f"{name!r} is a Python keyword" for name in names if keyword.iskeyword(name)]
    for answer in metadata["answers"]:
        if answer["kind"] == "number" and answer["min"] > answer["max"]:
            found.append(f"{answer['name']}: min is above max")
        listed = answer["kind"] in ("names", "steps", "choice")
        codes = [option[0] if isinstance(option, list) else option
                 for option in answer["options"]] if listed else []
        if len(set(codes)) != len(codes):
            found.append(f"{answer['name']}: a code is given twice")
    return found
