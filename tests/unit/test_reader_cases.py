"""One reader of an answer, in both languages: the table tests/reader_cases.json runs through
the marker's reader (course/questions/reader.py) and the answer controls' reader
(answer-controls/src/literals.ts, under Node), and both must read what the table says.

The controls' reader may say "unsure" only where the table allows it (it then shows nothing
picked); it never shows a value the marker does not read. What a control writes into a cell
is read by the marker as the value written, and leaves the cell's other answers as they were.
"""

from __future__ import annotations

import json
import math

import pytest

from course.questions.kinds import NotPlainValue
from course.questions.reader import answers_in_cells
from tests.nbgrader_harness import REPO
from tests.unit.typescript_runner import run_typescript

TABLE = json.loads((REPO / "tests" / "reader_cases.json").read_text(encoding="utf-8"))["cases"]
PICKED = "picked"  # the value the runner writes with withAnswer for every case and name
ABSENT, UNREADABLE, NOT_ATTEMPTED, UNSURE = "absent", "unreadable", "not attempted", "unsure"


def marker_reading(source: str, names: list[str]) -> dict[str, object]:
    """What the marker reads, in the table's words."""
    found = answers_in_cells([source], names)
    readings: dict[str, object] = {}
    for name in names:
        value = found.get(name, ABSENT)
        if value is ABSENT:
            readings[name] = ABSENT
        elif isinstance(value, NotPlainValue):
            readings[name] = UNREADABLE
        elif value is ...:
            readings[name] = NOT_ATTEMPTED
        elif isinstance(value, float) and not math.isfinite(value):
            readings[name] = {"value": {"float": repr(value)}}
        else:
            readings[name] = {"value": value}
    return readings


def shown(reading: object) -> object:
    """What an answer control shows for a reading (literals.ts `typedAnswer`)."""
    if reading == NOT_ATTEMPTED:
        return {"shown": None}
    if isinstance(reading, dict):
        value = reading["value"]
        if isinstance(value, (str, bool, int, float)) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return {"shown": value}
    return {"nothing": True}


@pytest.fixture(scope="module")
def controls() -> dict[str, dict]:
    results = run_typescript("reader", TABLE)
    return {case["id"]: out for case, out in zip(TABLE, results, strict=True)}


def _ids(cases):
    return [pytest.param(case, id=case["id"]) for case in cases]


def test_table_covers_the_cases_the_readers_disagreed_on():
    ids = {case["id"] for case in TABLE}
    assert len(ids) == len(TABLE), "case ids must be unique"
    for needed in ("two answers in one cell", "reassignment: the last wins", "magic line before",
                   "annotation", "decimal comma", "unterminated string breaks the whole cell",
                   "broken cell with an annotated answer", "escaped quote", "unicode word"):
        assert needed in ids


@pytest.mark.parametrize("case", _ids(TABLE))
def test_marker_reads_what_the_table_says(case):
    assert marker_reading(case["source"], case["names"]) == case["read"]


@pytest.mark.parametrize("case", _ids(TABLE))
def test_controls_read_what_the_table_says(case, controls):
    readings = controls[case["id"]]["readings"]
    assert readings is not None, "the controls' reader has no readAnswers()"
    got = {name: r["state"] if r["state"] != "value" else {"value": r["value"]}
           for name, r in readings.items()}
    expected = {name: case.get("controls", {}).get(name, case["read"][name])
                for name in case["names"]}
    assert got == expected


@pytest.mark.parametrize("case", _ids(TABLE))
def test_controls_show_what_the_marker_reads(case, controls):
    """The control never shows one answer while the marker marks another."""
    typed = controls[case["id"]]["typed"]
    for name in case["names"]:
        if case.get("controls", {}).get(name) == UNSURE:
            assert typed[name] == {"nothing": True}, name
        else:
            assert typed[name] == shown(case["read"][name]), name


@pytest.mark.parametrize("case", _ids(TABLE))
def test_a_pick_is_what_the_marker_reads_and_changes_nothing_else(case, controls):
    written = controls[case["id"]]["written"]
    for name in case["names"]:
        after = marker_reading(written[name], case["names"])
        assert f'{name} = "{PICKED}"' in written[name]
        if case.get("pick_read", True):
            assert after[name] == {"value": PICKED}, (name, written[name])
            others = {n: r for n, r in after.items() if n != name}
            assert others == {n: case["read"][n] for n in others}, written[name]


NAMES = ["decision", "minutes"]
VALUES = ['"defer"', "'refuse'", "3", "2.5", "-4", "2 * 3", "1 / 0", "...", "None", "True",
          '["a", "b"]', "[]", "(1,)", "3, 5", '"a" "b"', 'r"\\d"', '"\\x41"', '"""x\ny"""',
          "defer", "f(1)", "x.y", '"é ✓"', "0x1f", "1e3", "[1, [2]]", "-True", "%time 3", "!ls"]
NOISE = ["#", "# decision = 'x'", "%whos", "!echo hi", "print(decision)", "pass", "if x:",
         "    pass", ")", "(", '"', "decision +=", "decision == 3", "import os", "x = y = ",
         "decision: str", "\\", ";", "ｄecision = 1", "decision?", ">>> decision = 1", "  "]


def _random_cell(rng) -> str:
    lines = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.6:
            name = rng.choice(NAMES)
            sep = rng.choice([" = ", "=", ": str = ", " = ", " = ("])
            tail = rng.choice(["", "", "  # note", ";", "; minutes = 1", ")"])
            lines.append(f"{name}{sep}{rng.choice(VALUES)}{tail}")
        else:
            lines.append(rng.choice(NOISE))
    indent = rng.choice(["", "", "", " ", "\t"])
    return "\n".join(indent + line for line in lines) + rng.choice(["", "\n"])


def test_controls_never_show_what_the_marker_does_not_read():
    """Cells made at random from answer lines and noise: the controls' reader reads what the
    marker reads, or says it is unsure; never a different answer (a fixed seed: no flakes)."""
    import random

    rng = random.Random(20261207)
    cells = [{"source": _random_cell(rng), "names": NAMES} for _ in range(1500)]
    results = run_typescript("reader", cells)
    wrong, sure = [], 0
    for cell, result in zip(cells, results, strict=True):
        marker = marker_reading(cell["source"], NAMES)
        for name in NAMES:
            reading = result["readings"][name]
            got = reading["state"] if reading["state"] != "value" else {"value": reading["value"]}
            sure += got != UNSURE
            if got not in (marker[name], UNSURE):
                wrong.append((cell["source"], name, marker[name], got))
    assert not wrong, wrong[:5]
    assert sure > 0.8 * 2 * len(cells)  # unsure stays the exception
