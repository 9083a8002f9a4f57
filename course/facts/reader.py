"""The one reader of the course's data: TOML files checked against their declared schemas.

Every file in ``course/data/`` has a `FileSchema` (declared in ``course.facts.schemas``): its
fields with their types, units and allowed codes, and which fields name sources. `read`
opens a file, refuses any field the schema does not declare, a wrong type, a code that is not
allowed and (given the codes of ``sources.toml``) a source that does not exist, each with the
file and the entry in the message. The loaders then build their typed facts from `Entry`
tables and key them by code with `code_table`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType, UnionType
from typing import Any, TypeVar

from course.foundation.names import normalise_name


class KnowledgeError(ValueError):
    """The data files are inconsistent; the message names the file and the entry."""


# --------------------------------------------------------------------------- schemas

TEXT, NUMBER, INTEGER, FLAG, TEXTS, PAIR = "text", "number", "integer", "flag", "texts", "pair"
TABLE, TABLES, MAPPING, SOURCES, ANY = "table", "tables", "mapping", "sources", "any"
NUMERIC_KINDS = (NUMBER, INTEGER, PAIR)


@dataclass(frozen=True)
class Field:
    """One declared field: its kind, whether it must be there, its unit (numbers), the codes
    it may take (``allowed``), the table it holds (``table``, for TABLE and TABLES) or the
    field each value of a MAPPING must match (``values``), and a plain meaning."""

    kind: str
    required: bool = True
    unit: str = ""
    allowed: tuple[str, ...] = ()
    table: Table | None = None
    values: Field | None = None
    meaning: str = ""
    noun: str = ""  # what a wrong code is called in a message (default: the field's name)

    @property
    def optional(self) -> Field:
        """The same field, which an entry may leave out."""
        return replace(self, required=False)


@dataclass(frozen=True)
class Table:
    """The fields a table may hold (``code_key``: the field that names an entry in messages)."""

    fields: Mapping[str, Field]
    code_key: str = "code"


@dataclass(frozen=True)
class FileSchema:
    """A data file's declared schema: the top-level table and what the file is for."""

    file: str
    top: Table
    meaning: str = ""


def text(meaning: str = "") -> Field:
    return Field(TEXT, meaning=meaning)


def number(unit: str, meaning: str = "") -> Field:
    return Field(NUMBER, unit=unit, meaning=meaning)


def integer(unit: str, meaning: str = "") -> Field:
    return Field(INTEGER, unit=unit, meaning=meaning)


def pair(unit: str, meaning: str = "") -> Field:
    return Field(PAIR, unit=unit, meaning=meaning)


def choice(allowed: Iterable[str], meaning: str = "") -> Field:
    return Field(TEXT, allowed=tuple(allowed), meaning=meaning)


def texts(allowed: Iterable[str] = (), meaning: str = "") -> Field:
    return Field(TEXTS, allowed=tuple(allowed), meaning=meaning)


def tables(fields: Mapping[str, Field], code_key: str = "code") -> Field:
    return Field(TABLES, table=Table(MappingProxyType(dict(fields)), code_key))


def table(fields: Mapping[str, Field]) -> Field:
    return Field(TABLE, table=Table(MappingProxyType(dict(fields))))


def mapping(values: Field, meaning: str = "") -> Field:
    return Field(MAPPING, values=values, meaning=meaning)


FLAG_FIELD = Field(FLAG)
SOURCES_FIELD = Field(SOURCES, meaning="codes of sources.toml")
ANY_FIELD = Field(ANY)


def schema(file: str, meaning: str, fields: Mapping[str, Field]) -> FileSchema:
    """A file's schema from its top-level fields."""
    return FileSchema(file, Table(MappingProxyType(dict(fields))), meaning)


# --------------------------------------------------------------------------- checking


def _label(section: str, raw: Mapping[str, Any], index: int, code_key: str = "code") -> str:
    return f"{section} {raw.get(code_key, f'#{index + 1}')!r}"


def _kind_ok(kind: str, value: Any) -> bool:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return {
        TEXT: isinstance(value, str),
        NUMBER: is_number,
        INTEGER: isinstance(value, int) and not isinstance(value, bool),
        FLAG: isinstance(value, bool),
        TEXTS: isinstance(value, list) and all(isinstance(v, str) for v in value),
        SOURCES: isinstance(value, list) and all(isinstance(v, str) for v in value),
        PAIR: isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value),
        TABLE: isinstance(value, dict),
        MAPPING: isinstance(value, dict),
        TABLES: isinstance(value, list) and all(isinstance(v, dict) for v in value),
        ANY: True,
    }[kind]


class _Checker:
    """Walks a file against its schema, collecting the sources it names."""

    def __init__(self, file: str, sources: Collection[str] | None) -> None:
        self.file = file
        self.sources = sources

    def fail(self, label: str, problem: str) -> KnowledgeError:
        return KnowledgeError(f"{self.file}: {label}: {problem}" if label else
                              f"{self.file}: {problem}")

    def table(self, label: str, raw: Mapping[str, Any], declared: Table) -> None:
        for key in raw:
            if key not in declared.fields:
                raise self.fail(label, f"field {key!r} is not in the file's schema "
                                f"(declared: {', '.join(declared.fields)})")
        for key, spec in declared.fields.items():
            if key not in raw:
                if spec.required and spec.kind == SOURCES:
                    raise self.fail(label, "has no source")
                if spec.required:
                    raise self.fail(label, f"missing field {key!r}")
                continue
            self.value(label, key, raw[key], spec)

    def value(self, label: str, key: str, value: Any, spec: Field) -> None:
        if not _kind_ok(spec.kind, value):
            if spec.kind == TABLES and isinstance(value, list):
                raise self.fail("", f"[[{key}]] must be a list of tables")
            raise self.fail(label, f"field {key!r} has the wrong type ({type(value).__name__})")
        if spec.allowed:
            for code in value if isinstance(value, list) else [value]:
                if code not in spec.allowed:
                    raise self.fail(label, f"unknown {spec.noun or key} {code!r} "
                                    f"(allowed: {', '.join(spec.allowed)})")
        if spec.kind == SOURCES:
            if spec.required and not value:
                raise self.fail(label, "has no source")
            for code in value:
                if self.sources is not None and code not in self.sources:
                    raise self.fail(label, f"unknown source {code!r}")
        elif spec.kind == TABLE and spec.table is not None:
            self.table(f"{label} {key}".strip(), value, spec.table)
        elif spec.kind == TABLES and spec.table is not None:
            inner = spec.table
            for index, item in enumerate(value):
                self.table(_label(f"{label} {key}".strip() if label else key, item, index,
                                  inner.code_key), item, inner)
        elif spec.kind == MAPPING and spec.values is not None:
            for name, item in value.items():
                self.value(f"{label} {key}".strip(), str(name), item, spec.values)


def check(raw: Mapping[str, Any], file_schema: FileSchema,
          sources: Collection[str] | None = None) -> None:
    """Raise KnowledgeError at the first place `raw` departs from its schema (or names a source
    that is not in `sources`, when given)."""
    _Checker(file_schema.file, sources).table("", raw, file_schema.top)


def read_toml(directory: Path, file: str) -> dict[str, Any]:
    """A data file's tables as TOML gives them (a clear KnowledgeError if missing or invalid)."""
    path = directory / file
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise KnowledgeError(f"{file}: file is missing from {directory}") from error
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{file}: not valid TOML ({error})") from error


def read(path: Path, file_schema: FileSchema,
         sources: Collection[str] | None = None) -> Document:
    """Read the data file at `path` and check it against `file_schema` (see `check`)."""
    raw = read_toml(path.parent, path.name)
    check(raw, file_schema, sources)
    return Document(file_schema.file, raw)


# --------------------------------------------------------------------------- entries


def _kinds(kind: type | UnionType | tuple[type, ...]) -> tuple[type, ...]:
    """The types ``isinstance(value, kind)`` accepts, each named once (a union or a tuple
    opened up): a TOML ``true`` is a number to ``isinstance`` but never to the course."""
    if isinstance(kind, tuple):
        return tuple(t for part in kind for t in _kinds(part))
    if isinstance(kind, UnionType):
        return kind.__args__
    return (kind,)


class Entry:
    """Reads typed fields from one TOML table, reporting errors with file and entry."""

    def __init__(self, file: str, section: str, raw: Mapping[str, Any], index: int) -> None:
        self.file = file
        self.raw = raw
        self.label = _label(section, raw, index)

    def fail(self, problem: str) -> KnowledgeError:
        return KnowledgeError(f"{self.file}: {self.label}: {problem}")

    def get(self, key: str, kind: type | UnionType | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.raw:
            if default is ...:
                raise self.fail(f"missing field {key!r}")
            return default
        value = self.raw[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            raise self.fail(f"field {key!r} has the wrong type ({type(value).__name__})")
        return value

    def text(self, key: str, default: Any = ...) -> str:
        return self.get(key, str, default)

    def texts(self, key: str, default: Any = ...) -> tuple[str, ...]:
        values = self.get(key, list, default if default is ... else list(default))
        if not all(isinstance(value, str) for value in values):
            raise self.fail(f"field {key!r} must be a list of text")
        return tuple(values)

    def number(self, key: str, default: Any = ...) -> float:
        """A number field as a float (a whole number in the file is read as one too)."""
        return float(self.get(key, int | float, default))

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.text(key, default)
        if value not in allowed and not (default is not ... and value == default):
            raise self.fail(f"unknown {key} {value!r} (allowed: {', '.join(allowed)})")
        return value

    def pair(self, key: str) -> tuple[float, float] | None:
        value = self.get(key, list, None)
        if value is None:
            return None
        if len(value) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                      for v in value):
            raise self.fail(f"field {key!r} must be [low, high]")
        return (value[0], value[1])

    def sources(self, key: str = "sources") -> tuple[str, ...]:
        codes = self.texts(key, ())
        if not codes:
            raise self.fail("has no source")
        return codes

    def sub(self, key: str, section: str) -> Entry:
        """The table under `key`, read as an entry of its own ("<label> <section>")."""
        return Entry(self.file, f"{self.label} {section}", self.get(key, dict), 0)


@dataclass(frozen=True)
class Document:
    """A checked data file: its name and its tables."""

    file: str
    raw: Mapping[str, Any]

    def entries(self, section: str) -> list[Entry]:
        """The entries of an array of tables (``[[section]]``), in the file's order."""
        return entries_of(self.file, self.raw, section)

    def table(self, section: str, missing: str = "") -> Entry:
        """A single table (``[section]``); KnowledgeError `missing` when it is not there."""
        found = self.raw.get(section)
        if not isinstance(found, dict):
            if missing:
                raise KnowledgeError(f"{self.file}: {missing}")
            found = {}
        return Entry(self.file, section, found, 0)


def entries_of(file: str, raw: Mapping[str, Any], section: str) -> list[Entry]:
    """The entries of ``[[section]]`` in a file's raw tables."""
    items = raw.get(section, [])
    if not isinstance(items, list):
        raise KnowledgeError(f"{file}: [[{section}]] must be a list of tables")
    return [Entry(file, section, item, index) for index, item in enumerate(items)]


_Built = TypeVar("_Built")


def code_table(entries: list[Entry], build: Callable[[Entry], _Built],
               names_of: Callable[[Entry], Iterable[str]] | None = None
               ) -> Mapping[str, _Built]:
    """The built entries keyed by code, read-only; a code (or, with `names_of`, a name or an
    alias, compared normalised) that belongs to two entries is a KnowledgeError."""
    owner: dict[str, str] = {}
    for entry in entries:
        code = entry.text("code")
        for name in {normalise_name(n) for n in (names_of(entry) if names_of else [code])}:
            if name in owner and owner[name] != code:
                raise entry.fail(f"duplicate code, name or alias {name!r} (also {owner[name]!r})")
            owner[name] = code
    built: dict[str, _Built] = {}
    for entry in entries:
        code = entry.text("code")
        if code in built:
            raise entry.fail("duplicate code")
        built[code] = build(entry)
    return MappingProxyType(built)


def named(entry: Entry) -> list[str]:
    """An entry's code, name and aliases (what `code_table` keeps unique for named things)."""
    return [entry.text("code"), entry.text("name"), *entry.texts("aliases", ())]
