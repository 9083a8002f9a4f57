"""Process-local speed-ups of nbgrader internals: same results, less CPU per submission.

nbgrader offers no extension point for these, so they replace module attributes. They are
applied explicitly (``nbgrader_config.py`` calls ``apply_to_converter``; a grading worker
also calls ``share_gradebook_engines``), only on the nbgrader release they were written for
(``PINNED_NBGRADER``, pinned in pyproject.toml): on any other release, or if a patched name
is gone, nothing is patched and a warning says why (nbgrader then runs as shipped).
``patch_problems()`` lists what would stop them; tests/grading fail on any.

* ``check_metadata_schemas_once``: nbgrader checks each cell's metadata with
  ``jsonschema.validate()``, which re-checks the schema itself on every call. Here each
  schema is checked once and compiled with fastjsonschema (nbformat's own validator); only
  metadata that fails goes through jsonschema, for nbgrader's usual error message.
* ``share_gradebook_engines``: nbgrader opens a new ``Gradebook`` (a new SQLAlchemy engine,
  a table check of the whole schema, an empty statement cache) about ten times per graded
  submission. In a long-lived grading worker one engine per database serves them all.
"""

from __future__ import annotations

import json
import logging
from importlib import metadata
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema.exceptions
import jsonschema.protocols
import jsonschema.validators
from nbgrader import api as nbgrader_api
from nbgrader.nbgraderformat import common as nbgrader_format_common

PINNED_NBGRADER = "0.9.6"
# Every module attribute replaced here: (module, attribute).
PATCHED_NAMES = (
    (nbgrader_format_common, "jsonschema"),
    (nbgrader_api, "create_engine"),
    (nbgrader_api, "Base"),
)
log = logging.getLogger(__name__)


def patch_problems() -> list[str]:
    """Why the patches would not apply here (an empty list when they do)."""
    problems = []
    installed = metadata.version("nbgrader")
    if installed != PINNED_NBGRADER:
        problems.append(f"nbgrader {installed} is installed; the patches are for "
                        f"{PINNED_NBGRADER}")
    problems += [f"{module.__name__}.{name} is missing" for module, name in PATCHED_NAMES
                 if not hasattr(module, name)]
    if hasattr(nbgrader_api, "Base") and not hasattr(nbgrader_api.Base.metadata, "create_all"):
        problems.append("nbgrader.api.Base.metadata.create_all is missing")
    return problems


def _may_patch() -> bool:
    problems = patch_problems()
    if problems:
        log.warning("nbgrader speed-ups not applied: %s.", "; ".join(problems))
    return not problems


class _SchemaCheckedOnce:
    """Stands in for the ``jsonschema`` module inside ``nbgrader.nbgraderformat.common``.

    Builds one validator per schema (checking the schema once) plus a compiled fast check.
    nbgrader reads its schema file again for every notebook, so schemas are recognised by
    content (and, for speed, by the identity of a dict seen before). Metadata the fast check
    accepts is valid; anything else is checked by jsonschema, which raises the same
    best-match error as before. Every other attribute is the real module's.
    """

    MAX_REMEMBERED_DICTS = 64

    def __init__(self) -> None:
        self._by_content: dict[str, tuple[jsonschema.protocols.Validator, Any]] = {}
        self._by_identity: dict[int, tuple[object, jsonschema.protocols.Validator, Any]] = {}

    def __getattr__(self, name: str) -> object:
        return getattr(jsonschema, name)

    def _checks_for(self, schema: dict, args: tuple, kwargs: dict
                    ) -> tuple[jsonschema.protocols.Validator, Any]:
        known = self._by_identity.get(id(schema))
        if known is not None and known[0] is schema:
            return known[1], known[2]
        key = json.dumps([schema, repr(args), repr(sorted(kwargs.items()))], sort_keys=True)
        if key not in self._by_content:
            validator_class = jsonschema.validators.validator_for(schema)
            validator_class.check_schema(schema)
            self._by_content[key] = (validator_class(schema, *args, **kwargs),
                                     _fast_check(schema))
        if len(self._by_identity) >= self.MAX_REMEMBERED_DICTS:
            self._by_identity.clear()
        self._by_identity[id(schema)] = (schema, *self._by_content[key])
        return self._by_content[key]

    def validate(self, instance: object, schema: dict, *args: object, **kwargs: object) -> None:
        validator, fast = self._checks_for(schema, args, kwargs)
        if fast is not None:
            try:
                fast(instance)
                return
            except fastjsonschema.JsonSchemaException:
                pass  # jsonschema decides, and words the error
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error


def _fast_check(schema: dict) -> Any:
    """A compiled check of ``schema`` that never fills in defaults (None if it cannot)."""
    try:
        return fastjsonschema.compile(schema, use_default=False)
    except fastjsonschema.JsonSchemaDefinitionException:
        return None


def check_metadata_schemas_once() -> bool:
    """Make nbgrader's cell-metadata check build each schema's validator once (True if so)."""
    if isinstance(nbgrader_format_common.jsonschema, _SchemaCheckedOnce):
        return True
    if not _may_patch():
        return False
    nbgrader_format_common.jsonschema = _SchemaCheckedOnce()
    return True


def apply_to_converter() -> bool:
    """The patches every nbgrader converter process may use (nbgrader_config.py)."""
    return check_metadata_schemas_once()


class _EnginePerDatabase:
    """Stands in for ``create_engine`` inside ``nbgrader.api``: one engine per database URL.

    ``Gradebook.close()`` disposes of the engine's connection pool; the engine itself (and its
    compiled-statement cache) stays usable, and SQLite opens a new connection on demand.
    """

    def __init__(self, create_engine: Any) -> None:
        self._create_engine = create_engine
        self._engines: dict[str, Any] = {}

    def __call__(self, url: str, **options: Any) -> Any:
        key = f"{url}|{sorted(options.items())}"
        if key not in self._engines:
            self._engines[key] = self._create_engine(url, **options)
        return self._engines[key]


class _TablesCreatedOnce:
    """Stands in for ``Base.metadata.create_all``: checks an engine's tables once."""

    def __init__(self, create_all: Any) -> None:
        self._create_all = create_all
        self._checked: set[int] = set()

    def __call__(self, bind: Any = None, **options: Any) -> None:
        if bind is not None and id(bind) in self._checked:
            return
        self._create_all(bind=bind, **options)
        if bind is not None:
            self._checked.add(id(bind))


def share_gradebook_engines() -> bool:
    """Let every ``Gradebook`` of this process reuse one engine per database (True if so).

    Only for a process whose database files are not deleted while it runs (a grading
    worker): the table check is skipped for an engine that has passed it once.
    """
    if isinstance(nbgrader_api.create_engine, _EnginePerDatabase):
        return True
    if not _may_patch():
        return False
    nbgrader_api.create_engine = _EnginePerDatabase(nbgrader_api.create_engine)
    tables = nbgrader_api.Base.metadata
    tables.create_all = _TablesCreatedOnce(tables.create_all)
    return True
