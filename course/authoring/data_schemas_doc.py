"""docs/data-schemas.md, generated from the declared schemas of the data (course/facts/schemas.py).

For whoever edits ``course/data/*.toml``: every field of every file, its kind, whether it may be
left out, its unit, the codes it may take and what it means. CI checks that the committed file
is what ``render()`` makes now (tests/unit/test_data_schemas.py).

Regenerate it with ``python -m course.authoring.data_schemas_doc`` (writes docs/data-schemas.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from course.authoring.documents import write_generated
from course.facts import reader
from course.facts.schemas import SCHEMAS

DOCUMENT = Path("docs") / "data-schemas.md"

INTRODUCTION = """\
# The data files and their schemas

Generated from `course/facts/schemas.py` by `python -m course.authoring.data_schemas_doc`; do
not edit by hand. Every file in `course/data/` is read by one reader (`course/facts/reader.py`),
which refuses a field the schema does not declare, a value of the wrong kind, a code that is not
allowed and a source that is not in `sources.toml`, naming the file and the entry.

Kinds: *text*; *number* (a whole or decimal number, never true/false); *integer*; *flag*
(true/false); *texts* (a list of text); *pair* ([low, high]); *sources* (a list of codes of
`sources.toml`, each checked); *table* (`[name]`, its fields below it); *tables*
(`[[name]]`, one table per entry); *mapping* (a table whose keys are free, each value as said);
*any* (checked by the loader that reads it).
"""


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _rows(table: reader.Table, prefix: str) -> Iterator[tuple[str, ...]]:
    for key, spec in table.fields.items():
        name = f"{prefix}{key}"
        kind = spec.kind
        if spec.kind == reader.MAPPING and spec.values is not None:
            kind = f"mapping of {spec.values.kind}"
        allowed = spec.allowed or (spec.values.allowed if spec.values else ())
        meaning = spec.meaning or (spec.values.meaning if spec.values else "")
        unit = spec.unit or (spec.values.unit if spec.values else "")
        yield (f"`{name}`", kind, "yes" if spec.required else "no", unit,
               ", ".join(allowed), meaning)
        if spec.table is not None:
            yield from _rows(spec.table, f"{name}.")


def render() -> str:
    """The whole document, as markdown."""
    lines = [INTRODUCTION]
    for file in sorted(SCHEMAS):
        declared = SCHEMAS[file]
        lines += [f"## {file}", "", f"{declared.meaning[:1].upper()}{declared.meaning[1:]}.",
                  "", "| field | kind | required | unit | allowed | meaning |",
                  "|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(_cell(value) for value in row) + " |"
                  for row in _rows(declared.top, "")]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the document (default docs/data-schemas.md, or the path given)."""
    return write_generated(render, DOCUMENT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
