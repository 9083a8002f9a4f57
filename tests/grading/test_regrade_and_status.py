"""A term's second round, with real nbgrader: resubmit, regrade, mark, release feedback.

A demo class (2 trainees, lesson 00) comes through the real exchange and is graded by
``cryocourse grade``; a grader marks the written answer as the Formgrader does. Both
trainees hand in again (one changed a multiple-choice answer only, the other rewrote the
written answer), the submissions are collected and graded again the way the Formgrader's
*Autograde* button does (``NbGraderAPI.autograde``). Then: the unchanged written answer keeps
its mark and comment and waits for nothing, the rewritten one waits with its earlier mark
shown as the earlier one, ``cryocourse feedback`` says exactly who and what waits, and after
one new mark it releases; ``cryocourse status`` agrees with the gradebook throughout; the
names come from the name cell.
"""

from __future__ import annotations

import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.classroom.class_status import class_state
from course.cli import main
from course.demo.class_demo import build_demo, submit_through_exchange
from course.storage.course_folder import load_config, make_api

pytestmark = pytest.mark.nbgrader

LESSON = "00-orientation"
WRITTEN = "orientation_explain_mole"
CHOICE = "orientation_decision_herpes"
COMMENT = "Clear, and safe for the client."


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    demo = build_demo(tmp_path_factory.mktemp("term") / "class", 2, seed=3,
                      assignments=[LESSON], workers=1, with_report=False)
    return demo


def _api(root):
    config = load_config(root)
    config.Exchange.cache = str(root / "exchange" / ".cache")
    return make_api(root, config)


def _db(root) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def formgrader_mark(root, student: str, score: float, comment: str | None = None) -> None:
    """What the Formgrader's grade and comment boxes write (nbgrader's GradeHandler.put and
    CommentHandler.put): the score, needs_manual_grade from it, the comment."""
    with Gradebook(_db(root)) as gradebook:
        grade = gradebook.find_grade(WRITTEN, LESSON, LESSON, student)
        grade.manual_score = score
        grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        if comment is not None:
            gradebook.find_comment(WRITTEN, LESSON, LESSON, student).manual_comment = comment
        gradebook.db.commit()


def _written_state(root, student: str) -> tuple:
    with Gradebook(_db(root)) as gradebook:
        grade = gradebook.find_grade(WRITTEN, LESSON, LESSON, student)
        comment = gradebook.find_comment(WRITTEN, LESSON, LESSON, student)
        return (grade.manual_score, grade.needs_manual_grade, comment.manual_comment,
                comment.auto_comment)


def _state(root):
    (state,) = class_state(root, _api(root))
    return state


def _resubmit(root, api, trainee, change) -> None:
    work = root / "trainees" / trainee.student_id
    path = work / LESSON / f"{LESSON}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in change:
            cell.source = change[grade_id]
    nbformat.write(nb, path)
    submit_through_exchange(api, trainee, LESSON, work)


def test_a_second_round_keeps_unchanged_marks_and_asks_again_for_changed_ones(term, capsys):
    root = term.root
    same, rewrote = (t.student_id for t in term.trainees)
    state = _state(root)
    assert (state.submitted, state.graded, state.to_grade) == (2, 2, 0)
    for student in (same, rewrote):
        formgrader_mark(root, student, 1.5, COMMENT)
    assert main(["--course", str(root), "feedback", LESSON]) == 0
    capsys.readouterr()

    api = _api(root)
    time.sleep(0.01)  # the second hand-in is later than the first
    _resubmit(root, api, term.trainees[0], {f"{CHOICE}_answer":
                                            'treatment = "proceed"\nreferral = "none"\n'})
    _resubmit(root, api, term.trainees[1], {WRITTEN: "I would treat it and see."})
    assert _state(root).to_collect == 2
    assert api.collect(LESSON)["success"]
    state = _state(root)
    assert (state.to_collect, state.submitted, state.graded, state.to_grade) == (0, 2, 0, 2)
    assert set(state.ungraded) == {same, rewrote}

    with Gradebook(_db(root)) as gradebook:  # as if nobody had named this trainee yet
        gradebook.update_or_create_student(same, first_name=None, last_name=None)
    for student in (same, rewrote):  # the Formgrader's Autograde button
        result = api.autograde(LESSON, student, force=True, create=True)
        assert result["success"], result["log"]

    state = _state(root)
    assert (state.submitted, state.graded, state.to_grade, state.manual) == (2, 2, 0, 1)
    main(["--course", str(root), "status"])
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith(LESSON))
    assert row.split()[1:] == ["yes", "0", "2", "2", "0", "1"]
    with Gradebook(_db(root)) as gradebook:
        named = gradebook.find_student(same)
        assert f"{named.first_name} {named.last_name}" == term.trainees[0].display_name

    # unchanged written answer: mark and comment stand, nothing waits in the Formgrader
    assert _written_state(root, same)[:3] == (1.5, False, COMMENT)
    # rewritten: the earlier mark is shown as the earlier one, and the answer waits
    score, waits, comment, grey = _written_state(root, rewrote)
    assert (score, waits, comment) == (None, True, None)
    assert grey == f"Earlier mark for a different answer: 1.5. Earlier comment: {COMMENT}"

    assert main(["--course", str(root), "feedback", LESSON]) == 2
    said = capsys.readouterr().err
    assert (f"{rewrote}, Question 4: the answer changed after it was marked (earlier mark "
            "1.5); mark it again (its feedback would show 0 for it)") in said
    assert f"{same}," not in said and "1 answer still waits" in said

    formgrader_mark(root, rewrote, 0.5)  # one new mark, nothing typed for the other
    assert main(["--course", str(root), "feedback", LESSON]) == 0
    for student in (same, rewrote):
        assert (root / "feedback" / student / LESSON / f"{LESSON}.html").is_file()
    page = (root / "feedback" / same / LESSON / f"{LESSON}.html").read_text()
    assert COMMENT in page


def test_cryocourse_grade_again_keeps_every_mark_and_status_agrees(term):
    root = term.root
    summary_ok = main(["--course", str(root), "grade", LESSON, "--force", "--workers", "1"])
    assert summary_ok == 0
    same, rewrote = (t.student_id for t in term.trainees)
    assert _written_state(root, same)[:3] == (1.5, False, COMMENT)
    assert _written_state(root, rewrote)[:2] == (0.5, False)
    state = _state(root)
    assert (state.submitted, state.graded, state.to_grade, state.manual) == (2, 2, 0, 0)
