"""The instructor CLI's plain-language errors, the synthetic trainees and report statistics
(no nbgrader runs here: fast)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course.classroom.report import ItemStats, _item_statistics
from course.cli import main
from course.demo.synthetic_trainees import expected_points, filled_notebook, make_class
from course.storage.course_folder import CourseError, require_assignment

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "source", root / "source")
    return root


def test_unknown_assignment_suggests_the_close_one(course, capsys):
    assert main(["--course", str(course), "grade", "00-orientaton"]) == 2
    err = capsys.readouterr().err
    assert "Did you mean '00-orientation'?" in err and "Traceback" not in err


def test_assignment_by_its_number(course):
    assert require_assignment(course, "00") == "00-orientation"
    with pytest.raises(CourseError, match="Known assignments"):
        require_assignment(course, "99-nothing")


@pytest.mark.parametrize("numbers", [["--workers", "0"], ["--limit", "-1"], ["--limit", "x"]])
def test_counts_below_one_are_refused(course, capsys, numbers):
    with pytest.raises(SystemExit):
        main(["--course", str(course), "grade", "00-orientation", *numbers])
    assert "must be a whole number of 1 or more" in capsys.readouterr().err


def test_the_course_folder_may_follow_the_command(course, capsys):
    assert main(["status", "--course", str(course)]) == 0
    assert "00-orientation" in capsys.readouterr().out


def test_an_unwritable_export_is_explained(course, capsys):
    assert main(["--course", str(course), "export", "--to", "/nonexistent/dir/g.csv"]) == 2
    err = capsys.readouterr().err
    assert "could not read or write a file" in err and "Traceback" not in err


def test_feedback_before_grading_says_what_to_do(course, capsys):
    assert main(["--course", str(course), "feedback", "00-orientation"]) == 2
    assert "cryocourse grade 00-orientation" in capsys.readouterr().err


def test_no_submissions_says_what_to_do(course, capsys):
    assert main(["--course", str(course), "grade", "00-orientation"]) == 2
    assert "cryocourse collect 00-orientation" in capsys.readouterr().err


def test_demo_copies_the_installed_course_from_any_folder(tmp_path, monkeypatch):
    from course.demo.class_demo import course_to_copy

    monkeypatch.chdir(tmp_path)
    assert course_to_copy() == REPO
    with pytest.raises(CourseError, match="No course found"):
        course_to_copy(tmp_path)  # a folder named on purpose must be a course


def test_no_course_here_is_explained(tmp_path, capsys):
    assert main(["--course", str(tmp_path), "status"]) == 2
    assert "No course found" in capsys.readouterr().err


def test_synthetic_trainees_are_deterministic_and_scored_in_advance():
    release = nbformat.read(REPO / "release" / "00-orientation" / "00-orientation.ipynb", 4)
    first, again = make_class(8, seed=1), make_class(8, seed=1)
    assert first == again
    assert {t.profile for t in first} == {"strong", "average", "weak"}
    for trainee in first:
        assert filled_notebook(release, trainee) == filled_notebook(release, trainee)
        points = expected_points(release, trainee)
        assert set(points) and all(0 <= p <= 1 for p in points.values())


def test_item_statistics_difficulty_and_discrimination():
    stats = ItemStats("q", 1.0, [1, 1, 1, 0, 0, 0])
    _item_statistics(stats, np.array([5.0, 4, 4, 1, 1, 0]))
    assert stats.difficulty == 0.5
    assert stats.upper_lower == 1.0
    assert stats.point_biserial > 0.8


def test_answers_awaiting_a_hand_grade_are_left_out_of_the_statistics():
    nan = float("nan")
    stats = ItemStats("written", 2.0, [2, nan, 0, nan])
    _item_statistics(stats, np.array([9.0, 8, 1, 0]))
    assert stats.graded == 2 and stats.difficulty == 0.5
    waiting = ItemStats("written", 2.0, [nan, nan])
    _item_statistics(waiting, np.array([9.0, 1]))
    assert waiting.graded == 0 and math.isnan(waiting.difficulty)


def test_the_report_names_hand_graded_questions_instead_of_calling_them_hardest():
    from course.classroom.report import ClassData, _table, item_summary

    nan = float("nan")
    data = ClassData("05", students=["a", "b", "c"], totals=[6.0, 4, 1], max_total=8,
                     awaiting_manual=["a", "b", "c"])
    data.items = {"case": ItemStats("case", 4.0, [4, 4, 0]),
                  "explain": ItemStats("explain", 2.0, [nan, nan, nan])}
    for stats in data.items.values():
        _item_statistics(stats, np.array(data.totals))
    summary = item_summary(data)
    assert "Hardest question: case" in summary
    assert "Not counted until you grade them by hand: explain." in summary
    assert "awaiting manual grading" in _table(data)


def _notebook_with(tmp_path: Path, *sources) -> Path:
    """A notebook file whose code cells hold ``sources`` (any JSON, as a trainee could save)."""
    import json

    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": source} for source in sources]
    path = tmp_path / f"nb{len(list(tmp_path.glob('*.ipynb')))}.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 4}))
    return path


@pytest.mark.parametrize("hostile", [
    "your_name = " + "+".join(["1"] * 50_000),  # too deep for the parser
    "your_name = 0x" + "f" * 5_000,  # an integer too long to turn into text
    12345,  # not text at all
])
def test_a_hostile_name_cell_reads_as_no_name(tmp_path, hostile):
    from course.questions.reader import name_in_notebook

    assert name_in_notebook(_notebook_with(tmp_path, hostile)) == ""


def test_names_lose_control_characters_and_formula_starts(tmp_path):
    from course.classroom.gradebook import first_and_last
    from course.questions.reader import name_in_notebook

    typed = 'your_name = "=HYPERLINK(1)\\u202e Ana\\tLopes\\n"'
    assert name_in_notebook(_notebook_with(tmp_path, typed)) == "HYPERLINK(1) Ana Lopes"
    assert first_and_last("María José de la Cruz") == ("María José de la", "Cruz")
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [{"source": "your_name = \\"Ana\\""}]')
    assert name_in_notebook(broken) == ""


def test_the_report_tells_reversed_from_low_discrimination_and_spares_easy_questions():
    from course.classroom.report import ClassData, item_summary

    data = ClassData("x", students=list("abcdef"), totals=[9.0, 8, 7, 3, 2, 1], max_total=10)
    data.items = {"reversed": ItemStats("reversed", 1.0, [0, 0, 1, 1, 1, 1]),
                  "everyone": ItemStats("everyone", 1.0, [1, 1, 1, 1, 1, 1]),
                  "hard": ItemStats("hard", 1.0, [1, 0, 0, 0, 0, 0])}
    for stats in data.items.values():
        _item_statistics(stats, np.array(data.totals))
    summary = item_summary(data)
    assert "Weaker trainees did better than stronger ones" in summary and "reversed" in summary
    assert "everyone" not in summary  # full marks for all separates nobody: not flagged
    assert "Hardest question: hard" in summary and "indices are rough" in summary
