"""Marking holes of the new answer kinds, closed, through real nbgrader and ``cryocourse
grade`` (issue 31).

* Ordered steps (07): every step the course knows, in alphabetical order, earned a quarter
  of the points with no knowledge of the emergency; now nothing.
* Findings (05): ``"?"`` folded to the empty word, a "none" word, and earned the findings
  part of a client with no findings; now the answer is malformed and earns nothing, while
  ``"n/a"`` (listed as a "none" word, once refused) earns it.
The reference still earns full marks and every other answer its own points.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from course.exercises.screening_cases import (
    answer_names,
    case_item_id,
    case_prefix,
    variant_reference,
)
from course.facts.safe_practice import safe_practice
from course.models.variants import draw
from course.sandbox.provisioner import sandbox_status
from course.storage.variant_keys import key_for
from tests.nbgrader_harness import Course, reference_submission, tool_env, with_answers

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1]),
]

STEPS = ("07-safe-practice", "07-safe-practice.ipynb")
CASES = ("05-screening-cases", "05-screening-cases.ipynb")
ALARM_ITEM = "safety_oxygen_alarm_steps"
EVERY_SAFE_STEP = sorted(code for code, step in safe_practice().steps.items() if not step.never)
NOTHING_NAMED = {"shrug": "?", "not_applicable": "n/a", "reference": None}


def _student_with_a_client_without_findings(root: Path, stem: str) -> tuple[str, object]:
    """A trainee id whose own clients include one with no finding to name, and that client."""
    for number in range(400):
        student = f"{stem}{number}"
        for client in draw(CASES[0], key_for(root, student)).clients:
            if not client.case.findings:
                return student, client
    raise AssertionError("no variant holds a client without findings")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Course, dict[str, tuple[str, str]]]:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("holes"))
    for assignment, _ in (STEPS, CASES):
        course.generate(assignment)
    reference = reference_submission(course, *STEPS)
    course.submit("reference", *STEPS, reference)
    course.submit("padded", *STEPS, with_answers(
        reference, {ALARM_ITEM: {"alarm_steps": EVERY_SAFE_STEP}}))
    written = reference_submission(course, *CASES)  # the written answers filled in
    students: dict[str, tuple[str, str]] = {}
    for kind, findings in NOTHING_NAMED.items():
        student, client = _student_with_a_client_without_findings(course.root, kind)
        answers = variant_reference(draw(CASES[0], key_for(course.root, student)))
        item_id = case_item_id(client.number)
        if findings is not None:
            answers[item_id][answer_names(case_prefix(client.number))[2]] = findings
        course.submit(student, *CASES, with_answers(written, answers))
        students[kind] = (student, item_id)
    cli = Path(sys.executable).parent / "cryocourse"
    for assignment, _ in (STEPS, CASES):
        done = subprocess.run([str(cli), "--course", str(course.root), "grade", assignment,
                               "--workers", "2"], env=tool_env(), capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
    return course, students


def test_every_known_step_in_alphabetical_order_earns_nothing(graded):
    course, _ = graded
    reference = course.auto_scores(*STEPS[:1], "reference", STEPS[1])
    padded = course.auto_scores(*STEPS[:1], "padded", STEPS[1])
    assert reference[ALARM_ITEM] == 3 and padded[ALARM_ITEM] == 0
    assert {k: v for k, v in padded.items() if k != ALARM_ITEM} == {
        k: v for k, v in reference.items() if k != ALARM_ITEM}


def test_a_shrug_for_findings_earns_nothing_and_n_a_earns_the_part(graded):
    course, students = graded
    scores = {kind: course.auto_scores(CASES[0], student, CASES[1])
              for kind, (student, _) in students.items()}
    full = scores["reference"][students["reference"][1]]
    assert full > 0
    assert scores["not_applicable"][students["not_applicable"][1]] == full
    assert scores["shrug"][students["shrug"][1]] == 0
    for kind, (_, item_id) in students.items():  # every other client as the reference
        others = {k: v for k, v in scores[kind].items() if k != item_id}
        assert all(v == full for k, v in others.items() if k.startswith("cases_client")), others
