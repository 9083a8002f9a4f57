"""Process-local speed-ups of nbgrader internals: same results, less CPU per submission.

nbgrader offers no extension point for these, so they replace module attributes. They are
applied explicitly (``nbgrader_config.py`` calls ``apply_to_converter``; a grading worker
also calls ``share_gradebook_engines``), only on the nbgrader release they were written for
(``PINNED_NBGRADER``, pinned in pyproject.toml): on any other release, or if a patched name
is gone, nothing is patched and a warning says why (nbgrader then runs as shipped: these
are speed-ups, and nbgrader's results are the same without them). The replaced names are
in the ledger of third-party internals (``course.foundation.third_party``);
``patch_problems()`` lists what would stop them, and tests/grading fail on any.

* ``check_metadata_schemas_once``: nbgrader checks each cell's metadata with
  ``jsonschema.validate()``, which re-checks the schema itself on every call. Here each
  schema is checked once and compiled with fastjsonschema (nbformat's own validator); only
  metadata that fails goes through jsonschema, for nbgrader's usual error message.
* ``share_gradebook_engines``: nbgrader opens a new ``Gradebook`` (a new SQLAlchemy engine,
  a table check of the whole schema, an empty statement cache) about ten times per graded
  submission. In a long-lived grading worker one engine per database file or server serves
  them all, and the table check is one query; in-memory and relative-path databases are
  opened as nbgrader does.

nbgrader's own test suite runs stock and with each patch (tests/upstream): the outcomes must
be the same test by test.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema.exceptions
import jsonschema.protocols
import jsonschema.validators
from nbgrader import api as nbgrader_api
from nbgrader.nbgraderformat import common as nbgrader_format_common
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from course.foundation import third_party

PINNED_NBGRADER = third_party.PINNED["nbgrader"]
log = logging.getLogger(__name__)


def patch_problems() -> list[str]:
    """Why the patches would not apply here (an empty list when they do).

    The names this module replaces are entries of the ledger (``course.foundation.third_party``).
    """
    return third_party.problems(used_in="course/nbgrader_plugins/nbgrader_patches.py")


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


def shareable_database(url: str) -> bool:
    """Whether every ``Gradebook`` of a process may use one engine for ``url``.

    True for a database that the URL names the same way wherever and whenever it is opened:
    a SQLite file by its absolute path, or a database server. False for anything else,
    which nbgrader then opens as shipped: an in-memory SQLite database (each engine is a
    new, empty database), a relative path (it depends on the working directory), a SQLite
    URI (``file:...``, which may name a shared-cache or in-memory database), or a URL that
    SQLAlchemy cannot read.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, TypeError, ValueError):
        return False
    if parsed.get_backend_name() != "sqlite":
        return parsed.database != ":memory:"
    database = parsed.database or ""
    return (os.path.isabs(database) and database != ":memory:"
            and not database.startswith("file:") and parsed.query.get("mode") != "memory")


class _EnginePerDatabase:
    """Stands in for ``create_engine`` inside ``nbgrader.api``: one engine per database URL.

    Only for URLs ``shareable_database`` accepts; any other URL gets nbgrader's own call.
    ``Gradebook.close()`` disposes of the engine's connection pool; the engine itself (and
    its compiled-statement cache) stays usable, and a new connection is opened on demand.
    """

    def __init__(self, create_engine: Any) -> None:
        self._create_engine = create_engine
        self._engines: dict[str, Any] = {}

    def __call__(self, url: str, **options: Any) -> Any:
        if not shareable_database(url):
            return self._create_engine(url, **options)
        key = f"{url}|{sorted(options.items())}"
        if key not in self._engines:
            self._engines[key] = self._create_engine(url, **options)
        return self._engines[key]

    def shares(self, bind: Any) -> bool:
        """Whether ``bind`` is one of the engines handed out for several gradebooks."""
        return any(engine is bind for engine in self._engines.values())


class _TablesCheckedAtOnce:
    """Stands in for ``Base.metadata.create_all``: one query for the table names first.

    ``create_all`` asks the database about each of nbgrader's tables in turn and creates the
    missing ones. For a shared engine the names are read in one query: when every table is
    there, ``create_all`` would create nothing, and is skipped; otherwise it runs as shipped.
    The check runs for every ``Gradebook``, so a database file deleted or replaced while the
    process runs gets its tables as it would from nbgrader.
    """

    def __init__(self, create_all: Any, tables: Any, engines: _EnginePerDatabase) -> None:
        self._create_all = create_all
        self._table_names = {table.name for table in tables.sorted_tables}
        self._engines = engines

    def __call__(self, bind: Any = None, **options: Any) -> None:
        if (bind is not None and not options and self._engines.shares(bind)
                and self._table_names <= set(inspect(bind).get_table_names())):
            return
        self._create_all(bind=bind, **options)


def share_gradebook_engines() -> bool:
    """Let every ``Gradebook`` of this process reuse one engine per database (True if so).

    For a grading worker, which opens the same gradebook about ten times per submission.
    Databases that cannot be shared safely (``shareable_database``) are opened as nbgrader
    does; for shared ones the table check is one query (``_TablesCheckedAtOnce``), with
    nbgrader's result.
    """
    if isinstance(nbgrader_api.create_engine, _EnginePerDatabase):
        return True
    if not _may_patch():
        return False
    engines = _EnginePerDatabase(nbgrader_api.create_engine)
    tables = nbgrader_api.Base.metadata
    nbgrader_api.create_engine = engines
    tables.create_all = _TablesCheckedAtOnce(tables.create_all, tables, engines)
    return True
