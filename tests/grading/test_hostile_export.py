"""The grades export cannot be forged by a name (issue 31).

A real demo class gets hostile names by every way names enter the gradebook: a roster
(``nbgrader db student add`` and ``import`` with the course's configuration), the name cell
of a submission graded by ``cryocourse grade``, and, for a gradebook written before names
were cleaned, straight into the database. ``cryocourse export`` and ``nbgrader export``
(the course's configured exporter) are then read back with Python's ``csv`` module: the same
columns in every row, every row equal to the gradebook, no cell a spreadsheet would run as a
formula, and the names stored without separators or control characters.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook, MissingEntry

from course.demo.class_demo import build_demo
from course.storage.database import integrity_problem
from tests.nbgrader_harness import tool_env

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "00-orientation"
COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
           "email", "raw_score", "late_submission_penalty", "score", "max_score"]
SHIFTING = "Eve Lopes,Eve,,5,0,5,5"  # the name: shifted every column after it
FORMULAS = ['=HYPERLINK("http://127.0.0.1/x","click")', "+1+1", "-2+3", "@SUM(A1:A9)",
            "\tTab", "\rReturn"]
ROSTER = {  # student id -> (first name, last name), as typed into a roster
    "eve": (SHIFTING, FORMULAS[0]),
    "fay": ("Fay;Ann|Lee", "Ng\x07\x1b[31m\u202e"),
    "gil": ("Gil =cmd|' /C calc'!A0", "@Lopes -Bad +Worse"),
}
TYPED = 'Mallory ,=1+1,@evil\t"quoted" \\ Jones'  # in a name cell


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=tool_env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    assert "Traceback" not in done.stdout + done.stderr
    return done


def _nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "nbgrader", *args], root)


def _cryocourse(root: Path, *args: str) -> subprocess.CompletedProcess:
    return _run([str(Path(sys.executable).parent / "cryocourse"), "--course", str(root),
                 *args], root)


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory) -> Path:
    demo = build_demo(tmp_path_factory.mktemp("demo") / "class", 2, seed=4,
                      assignments=[ASSIGNMENT], workers=1, with_report=False)
    root, first = demo.root, demo.trainees[0].student_id
    for student, (given, family) in list(ROSTER.items())[:2]:
        _nbgrader(root, "db", "student", "add", student, f"--first-name={given}",
                  f"--last-name={family}")
    roster = root / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email"])
        writer.writerow(["gil", *ROSTER["gil"], "=gil@example.org"])
    _nbgrader(root, "db", "student", "import", str(roster))
    # a trainee who typed a hostile name in the name cell, graded by the course
    for student in ("eve", "mallory"):
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(root / "submitted" / first / ASSIGNMENT, folder)
    notebook = root / "submitted" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    content = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in content["cells"]:
        if "".join(cell["source"]).startswith("your_name ="):
            cell["source"] = f"your_name = {TYPED!r}"
    notebook.write_text(json.dumps(content), encoding="utf-8")
    _cryocourse(root, "grade", ASSIGNMENT, "--workers", "1")
    # a gradebook from before names were cleaned: names straight in the database
    second = demo.trainees[1].student_id
    with sqlite3.connect(root / "gradebook.db") as db:
        db.execute("UPDATE student SET first_name = ?, last_name = ? WHERE id = ?",
                   (FORMULAS[1] + "," + FORMULAS[3], FORMULAS[4] + "\n" + FORMULAS[5], second))
    return root


def _gradebook_rows(root: Path) -> list[list[str]]:
    """What every export row must say, read from the gradebook here (not by the exporter)."""
    rows = []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for assignment in gradebook.assignments:
            for student in gradebook.students:
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                    timestamp, raw = str(submission.timestamp), submission.score
                    penalty = submission.late_submission_penalty
                except MissingEntry:
                    timestamp, raw, penalty = "", 0.0, 0.0
                rows.append([assignment.name, str(assignment.duedate or ""), timestamp,
                             student.id, student.last_name or "", student.first_name or "",
                             student.email or "", raw, penalty, max(0.0, raw - penalty),
                             assignment.max_score])
    return rows


def _inert(text: str) -> str:
    """The cell as a spreadsheet must receive it: a formula start behind a single quote."""
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


@pytest.fixture(params=["cryocourse export", "nbgrader export"])
def exported(request, hostile_class, tmp_path) -> list[list[str]]:
    target = tmp_path / "grades.csv"
    if request.param == "cryocourse export":
        _cryocourse(hostile_class, "export", "--to", str(target))
    else:
        _nbgrader(hostile_class, "export", f"--to={target}")
    with target.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_every_row_of_the_export_is_the_gradebook_column_for_column(hostile_class, exported):
    header, *rows = exported
    assert header == COLUMNS
    expected = _gradebook_rows(hostile_class)
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert len(row) == len(COLUMNS), row
        assert row[:7] == [_inert(text) for text in want[:7]], row
        assert [float(value) for value in row[7:]] == pytest.approx(want[7:]), row
    by_id = {row[3]: row for row in rows}
    eve = by_id["eve"]  # the attack: 5 of 5 read where the gradebook holds 0
    assert float(eve[9]) == pytest.approx(expected[rows.index(eve)][9])
    assert float(eve[10]) == pytest.approx(expected[rows.index(eve)][10])


def test_no_cell_of_the_export_is_a_formula(exported):
    for row in exported:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_names_are_stored_plain_however_they_came_in(hostile_class):
    with Gradebook(f"sqlite:///{hostile_class / 'gradebook.db'}") as gradebook:
        names = {s.id: (s.first_name or "", s.last_name or "") for s in gradebook.students}
    for student in [*ROSTER, "mallory"]:
        for name in names[student]:
            assert name and not set(name) & set(',;|"\\<>'), (student, name)
            assert name.isprintable(), (student, name)
            assert not any(word.startswith(("=", "+", "-", "@")) for word in name.split())
    assert names["eve"][0] == "Eve Lopes Eve 5 0 5 5"
    assert " ".join(names["mallory"]) == "Mallory 1+1 evil quoted Jones"
    assert integrity_problem(f"sqlite:///{hostile_class / 'gradebook.db'}") is None
