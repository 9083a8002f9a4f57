"""Seat a class so that no two trainees meet the same client in the same position (05).

Each trainee's set is drawn from their key alone, so two trainees sometimes draw the same
authored client into the same position (about 16 % of pairs share at least one). With the
class list in hand, the instructor can seat the class: each trainee, in turn, keeps the
first draw number (0, 1, 2, ...) whose set shares no client in the same position with any
trainee seated before. The numbers go into a seat table (``source/05-.../variant-seats.json``,
released with the assessment; trainees' ids and small numbers only, no secret), read by the
marker through ``key_for`` and by the trainee's kernel beside the notebook. Without a table,
or for draw number 0, a trainee's set is the one their key always gave.

Seating again (a late trainee) keeps everyone's number: a set once released never changes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from course.models.variants import ASSESSMENT, SEAT_MARK, Variant, draw, read_seats
from course.storage.course_folder import CourseError
from course.storage.variant_keys import course_salt, seats_path, trainee_key

MAX_DRAWS = 200_000  # per trainee; about 1 in 6 draws of a large class's trainee fits


def _positions(variant: Variant) -> dict[int, str]:
    return {client.number: client.identity for client in variant.clients}


def _clashes(mine: dict[int, str], seated: list[dict[int, str]]) -> bool:
    return any(other.get(number) == client for other in seated
               for number, client in mine.items())


def seat_class(root: Path, trainees: Iterable[str]) -> dict[str, int]:
    """Draw numbers for ``trainees`` (and those seated before), written to the seat table."""
    salt = course_salt(root)
    table = read_seats(seats_path(root))
    wanted = [t for t in dict.fromkeys(t.strip() for t in trainees) if t]
    placed = [_positions(draw(ASSESSMENT, _key(salt, t, n))) for t, n in table.items()]
    for trainee in wanted:
        if trainee in table:
            continue
        for number in range(MAX_DRAWS):
            mine = _positions(draw(ASSESSMENT, _key(salt, trainee, number)))
            if not _clashes(mine, placed):
                table[trainee] = number
                placed.append(mine)
                break
        else:
            raise CourseError(f"No set for {trainee} avoids every client the {len(placed)} "
                              "trainees seated before meet in the same position; seat a "
                              "smaller class, or leave the class unseated.")
    _write(seats_path(root), table)
    return table


def _key(salt: str, trainee: str, number: int) -> str:
    key = trainee_key(salt, trainee)
    return f"{key}{SEAT_MARK}{number}" if number else key


def _write(path: Path, table: dict[str, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)


def roster(path: Path) -> list[str]:
    """Trainee ids from a class list: one a line; blank lines and # comments skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as problem:
        raise CourseError(f"Could not read the class list {path}: {problem.strerror}") from None
    return [line.split("#", 1)[0].strip() for line in lines
            if line.split("#", 1)[0].strip()]
