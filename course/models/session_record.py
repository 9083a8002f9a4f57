"""Session records: what a record of one treatment holds, and which fields are still empty.

The fields are named once, in ``course/data/safety.toml`` (``[[record_field]]``, record =
"session"); ``SessionRecord`` has exactly those fields, and a test keeps the two in step.
Lesson 03 shows its session logs with these fields; lesson 07 teaches them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from course.facts.safe_practice import RecordField, record_fields
from course.models.timing import LogEvent


@dataclass(frozen=True)
class SessionRecord:
    """The record of one session. ``times`` is the session log (one LogEvent per line)."""

    client: str = ""
    date_time: str = ""
    operator: str = ""
    treatment: str = ""
    settings: str = ""
    times: tuple[LogEvent, ...] = ()
    checks: str = ""
    reactions: str = ""


def field_names() -> tuple[str, ...]:
    """The SessionRecord's fields, in order."""
    return tuple(f.name for f in fields(SessionRecord))


def missing_fields(record: SessionRecord) -> tuple[RecordField, ...]:
    """The fields of ``record`` that are empty (blank text or no log lines)."""
    return tuple(spec for spec in record_fields("session")
                 if not (value := getattr(record, spec.code))
                 or (isinstance(value, str) and not value.strip()))


def header_rows(record: SessionRecord) -> tuple[tuple[str, str], ...]:
    """(field name, value) for every text field of the record, "not recorded" when empty."""
    return tuple((spec.name, getattr(record, spec.code).strip() or "not recorded")
                 for spec in record_fields("session") if spec.code != "times")


__all__ = ["SessionRecord", "field_names", "header_rows", "missing_fields"]
