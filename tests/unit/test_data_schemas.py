"""Every data file is read by the one reader and checked against its declared schema."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from course.facts import reader, schemas
from course.facts.knowledge import (
    KnowledgeError,
    load,
    load_directory,
    packaged_data_directory,
    packaged_file,
)
from course.facts.physiology_data import load_physiology_file
from course.models.timing import time_limits

DATA = packaged_data_directory()
PACKAGE = Path(__file__).resolve().parents[2] / "course"


def _fields(table: reader.Table, where: str) -> Iterator[tuple[str, reader.Field]]:
    for key, spec in table.fields.items():
        yield f"{where}.{key}", spec
        if spec.table is not None:
            yield from _fields(spec.table, f"{where}.{key}")
        if spec.values is not None:
            yield f"{where}.{key}[]", spec.values


def _all_fields() -> Iterator[tuple[str, reader.Field]]:
    for file, declared in schemas.SCHEMAS.items():
        yield from _fields(declared.top, file)


def test_every_data_file_has_a_schema_and_every_schema_a_file() -> None:
    assert set(schemas.SCHEMAS) == {path.name for path in DATA.glob("*.toml")}
    assert all(declared.file == file for file, declared in schemas.SCHEMAS.items())


@pytest.mark.parametrize("file", sorted(schemas.SCHEMAS))
def test_every_packaged_file_keeps_its_schema_and_names_real_sources(file: str) -> None:
    document = reader.read(DATA / file, schemas.SCHEMAS[file], load().sources)
    assert document.raw


def test_every_number_declares_its_unit() -> None:
    missing = [where for where, spec in _all_fields()
               if spec.kind in reader.NUMERIC_KINDS and not spec.unit]
    assert missing == []


def test_every_field_that_names_sources_is_checked_against_sources_toml() -> None:
    unchecked = [where for where, spec in _all_fields()
                 if re.search(r"(^|_)sources$|modelled_on$", where.rsplit(".", 1)[-1])
                 and spec.kind != reader.SOURCES]
    assert unchecked == []


def test_no_module_but_the_reader_opens_a_data_file() -> None:
    """The one reader: tomllib is imported in course/facts/reader.py and nowhere else."""
    opened = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                    if re.search(r"^\s*(import tomllib|from tomllib)", path.read_text(
                        encoding="utf-8"), re.MULTILINE))
    assert opened == ["facts/reader.py"]


def test_files_without_a_typed_loader_are_read_through_their_schema() -> None:
    assert packaged_file("cases.toml")["case"]
    assert packaged_file("variants.toml")["blueprint"]
    assert packaged_file("intake.toml")["qualifiers"]


# --------------------------------------------------------------------------- refusals

ENTRY = reader.schema("x.toml", "a test file", {
    "thing": reader.tables({"code": reader.text(), "size_mm": reader.number("mm"),
                            "kind": reader.choice(("big", "small")),
                            "sources": reader.SOURCES_FIELD,
                            "note": reader.text().optional}),
})
GOOD = {"code": "a", "size_mm": 2, "kind": "big", "sources": ["s1"]}


@pytest.mark.parametrize(("change", "message"), [
    ({"colour": "red"}, "x.toml: thing 'a': field 'colour' is not in the file's schema"),
    ({"size_mm": "2"}, "x.toml: thing 'a': field 'size_mm' has the wrong type (str)"),
    ({"size_mm": True}, "x.toml: thing 'a': field 'size_mm' has the wrong type (bool)"),
    ({"kind": "huge"}, "x.toml: thing 'a': unknown kind 'huge' (allowed: big, small)"),
    ({"sources": ["s9"]}, "x.toml: thing 'a': unknown source 's9'"),
    ({"sources": []}, "x.toml: thing 'a': has no source"),
    ({"note": 3}, "x.toml: thing 'a': field 'note' has the wrong type (int)"),
])
def test_the_reader_refuses_what_the_schema_does_not_allow(change: dict, message: str) -> None:
    with pytest.raises(KnowledgeError) as caught:
        reader.check({"thing": [GOOD | change]}, ENTRY, {"s1"})
    assert str(caught.value).startswith(message)


def test_the_reader_names_a_missing_field_and_accepts_a_good_entry() -> None:
    reader.check({"thing": [GOOD]}, ENTRY, {"s1"})
    broken = {key: value for key, value in GOOD.items() if key != "kind"}
    with pytest.raises(KnowledgeError, match="thing 'a': missing field 'kind'"):
        reader.check({"thing": [broken]}, ENTRY, {"s1"})
    with pytest.raises(KnowledgeError, match="field 'other' is not in the file's schema"):
        reader.check({"thing": [GOOD], "other": 1}, ENTRY, {"s1"})


def test_a_code_given_twice_is_refused() -> None:
    entries = reader.entries_of("x.toml", {"thing": [GOOD, GOOD]}, "thing")
    with pytest.raises(KnowledgeError, match="x.toml: thing 'a': duplicate"):
        reader.code_table(entries, lambda entry: entry.text("code"))


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "data"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("modalities.toml", "observation_minutes = 30", "observation_minute = 30",
     "modalities.toml: modality 'ln2_cryomassage': field 'observation_minute' is not in"),
    ("modalities.toml", 'kind = "cold_chamber"\n  at_or_below_c = -135',
     'kind = "cold_chamber"', "a cold_chamber limit, and only one, gives at_or_below_c"),
    ("modalities.toml", 'kind = "spot"', 'kind = "spot"\n  at_or_below_c = -135',
     "a cold_chamber limit, and only one, gives at_or_below_c"),
    ("modalities.toml", 'kind = "spot"', 'kind = "dot"', "unknown kind 'dot'"),
    ("decisions.toml", 'code = "gp"', 'code = "gp"\nsources = ["nobody2031"]',
     "decisions.toml: referral 'gp': unknown source 'nobody2031'"),
])
def test_the_knowledge_base_refuses_a_file_that_leaves_its_schema(
        data_copy: Path, file: str, old: str, new: str, message: str) -> None:
    _replace(data_copy / file, old, new)
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        load_directory(data_copy)


def test_physiology_refuses_an_undeclared_field(data_copy: Path) -> None:
    _replace(data_copy / "physiology.toml", "temp_c = ", "temperature_c = ")
    with pytest.raises(KnowledgeError, match="physiology.toml: band '.*': field "
                       "'temperature_c' is not in the file's schema"):
        load_physiology_file(data_copy / "physiology.toml")


# --------------------------------------------------------------------------- limits


def test_limits_are_structured_fields_not_words() -> None:
    """What a limit counts is its `kind`; the chamber temperature is a number, not prose."""
    chamber = [limit for limit in time_limits("cryosauna") if limit.kind == "cold_chamber"]
    assert [(limit.colder_than_c, limit.max_s) for limit in chamber] == [(-135.0, 120.0)]
    for modality in load().modalities.values():
        for limit in modality.limits:
            assert (limit.at_or_below_c is not None) == (limit.kind == "cold_chamber")
            if limit.kind in ("spot", "area", "session"):
                assert limit.scope.startswith(f"per {limit.kind}"), limit
            if limit.at_or_below_c is not None:
                assert f"{limit.at_or_below_c:g} °C" in limit.scope, limit
    timing = (PACKAGE / "models" / "timing.py").read_text(encoding="utf-8")
    assert "re.compile" not in timing and "import re\n" not in timing


def test_the_committed_schema_document_is_what_the_schemas_make_now() -> None:
    from course.authoring.data_schemas_doc import DOCUMENT, render

    committed = (PACKAGE.parent / DOCUMENT).read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/data-schemas.md is out of date: run `python -m course.authoring.data_schemas_doc` "
        "and commit it")
    for file in schemas.SCHEMAS:
        assert f"## {file}" in committed
