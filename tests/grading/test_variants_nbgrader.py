"""Per-trainee variants through real nbgrader and the real sandbox (issue 19).

One course copy, assessment 05 generated; ana answers her own clients, ben submits ana's
answers, cleo hands in the blank notebook. Autograded in the sandbox; then the trainee's
kernel (a real kernel given ana's key, as the hub gives it) runs the released notebook.
"""

from __future__ import annotations

import html
import os

import nbformat
import pytest
from nbclient import NotebookClient

from course.classroom.report import build_report
from course.exercises.screening_cases import (
    CASE_POINTS,
    reference_explanation,
    variant_reference,
)
from course.models.variants import ASSESSMENT, KEY_VARIABLE, draw
from course.storage.variant_keys import key_for
from tests.nbgrader_harness import Course, with_answers

pytestmark = pytest.mark.nbgrader
NAME = f"{ASSESSMENT}.ipynb"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course.copy_of_repo(tmp_path_factory.mktemp("variants"))
    course.generate(ASSESSMENT)
    release = course.release_notebook(ASSESSMENT, NAME)
    ana = variant_reference(draw(ASSESSMENT, key_for(course.root, "ana")))
    course.submit("ana", ASSESSMENT, NAME, with_answers(release, ana))
    course.submit("ben", ASSESSMENT, NAME, with_answers(release, ana))
    course.submit("cleo", ASSESSMENT, NAME, release)
    course.autograde(ASSESSMENT)
    return course


def _card_outputs(nb: nbformat.NotebookNode) -> list[str]:
    return ["".join(o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))
            for cell in nb.cells
            if cell.cell_type == "code" and cell.source.startswith(("client_card(", "my_clients("))]


def test_own_answers_earn_full_marks_copied_ones_lose_at_least_half(graded):
    clients = len(draw(ASSESSMENT, "x:y").clients)
    full = CASE_POINTS * clients
    ana = sum(graded.auto_scores(ASSESSMENT, "ana", NAME).values())
    ben = sum(graded.auto_scores(ASSESSMENT, "ben", NAME).values())
    cleo = sum(graded.auto_scores(ASSESSMENT, "cleo", NAME).values())
    assert ana == pytest.approx(full) and cleo == 0
    assert ben <= full / 2, f"copied answers earned {ben} of {full}"


def test_sandboxed_autograder_and_trainee_kernel_draw_the_same_clients(graded):
    autograded = nbformat.read(graded.root / "autograded" / "ana" / ASSESSMENT / NAME,
                               as_version=4)
    sandbox_cards = _card_outputs(autograded)
    variant = draw(ASSESSMENT, key_for(graded.root, "ana"))
    assert len(sandbox_cards) == len(variant.clients) + 1
    assert "ana" in sandbox_cards[0] and variant.fingerprint in sandbox_cards[0]
    for card, client in zip(sandbox_cards[1:], variant.clients, strict=True):
        assert html.escape(client.case.vignette) in card
    # The trainee's own kernel, given her key by the hub (an environment variable).
    release = graded.release_notebook(ASSESSMENT, NAME)
    client = NotebookClient(release, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(graded.root)}})
    previous = os.environ.get(KEY_VARIABLE)
    os.environ[KEY_VARIABLE] = key_for(graded.root, "ana")
    try:
        client.execute()
    finally:
        if previous is None:
            del os.environ[KEY_VARIABLE]
        else:
            os.environ[KEY_VARIABLE] = previous
    assert _card_outputs(release) == sandbox_cards


def test_nothing_released_names_a_key_or_the_salt(graded):
    salt = (graded.root / ".variant-salt").read_text().strip()
    text = (graded.root / "release" / ASSESSMENT / NAME).read_text()
    assert salt not in text and key_for(graded.root, "ana") not in text
    autograded = (graded.root / "autograded" / "ana" / ASSESSMENT / NAME).read_text()
    assert salt not in autograded


def test_feedback_explains_each_client_and_the_report_reads_templates(graded):
    graded.nbgrader("generate_feedback", ASSESSMENT, "--force")
    page = next((graded.root / "feedback" / "ben" / ASSESSMENT).glob("*.html"))
    text = html.unescape(page.read_text(encoding="utf-8"))
    clients = draw(ASSESSMENT, key_for(graded.root, "ben")).clients
    for client in clients:  # ben's own clients, each with its reasons (not anyone else's)
        assert f"This client: {client.case.treatment} today" in text
        assert f"Why: {reference_explanation(client.case)}" in text
    assert "BEGIN HIDDEN TESTS" not in text
    report = build_report(graded.root, ASSESSMENT).read_text(encoding="utf-8")
    assert "Case templates" in report and "Mean score by blueprint slot" in report
    for client in clients:
        assert client.template in report


@pytest.fixture(scope="module")
def demo_class(tmp_path_factory):
    from course.demo.class_demo import build_demo

    return build_demo(tmp_path_factory.mktemp("demo") / "class", 12, seed=5,
                      assignments=[ASSESSMENT], workers=2)


def test_demo_class_of_twelve_gets_twelve_sets_and_expected_scores(demo_class):
    import json

    from course.demo.class_demo import EXPECTED_FILE

    root = demo_class.root
    sets = {draw(ASSESSMENT, key_for(root, t.student_id)).fingerprint
            for t in demo_class.trainees}
    assert len(sets) == 12
    expected = json.loads((root / EXPECTED_FILE).read_text())["points"][ASSESSMENT]
    course = Course(root)
    by_profile: dict[str, list[float]] = {}
    for trainee in demo_class.trainees:
        earned = course.auto_scores(ASSESSMENT, trainee.student_id, NAME)
        wanted = expected[trainee.student_id][ASSESSMENT]
        assert {k: earned[k] for k in wanted} == pytest.approx(wanted), trainee.student_id
        by_profile.setdefault(trainee.profile, []).append(sum(wanted.values()))
    means = {profile: sum(v) / len(v) for profile, v in by_profile.items()}
    assert means["strong"] > means["average"] > means["weak"]
    assert all(summary.ok for summary in demo_class.summaries)
    report = demo_class.reports[ASSESSMENT].read_text(encoding="utf-8")
    assert "Case templates" in report


def test_each_explanation_shows_the_model_answer_of_the_trainees_own_client(graded):
    """Review of a742ee2, section 4: the written explanations of cases 2, 8 and 13 are marked
    beside the submitter's own client and a model answer that fits it."""
    from course.exercises.screening_cases import client_model_answer, explanation_client

    for student in ("ana", "ben"):
        nb = nbformat.read(graded.root / "autograded" / student / ASSESSMENT / NAME,
                           as_version=4)
        variant = draw(ASSESSMENT, key_for(graded.root, student))
        shown = 0
        for cell, after in zip(nb.cells, nb.cells[1:], strict=False):
            number = explanation_client(cell.metadata.get("nbgrader", {}).get("grade_id", ""))
            if number is None:
                continue
            case = variant.case(number)
            assert "cryocourse-mark-scheme" in after.metadata.get("tags", [])
            assert case.vignette in after.source
            assert client_model_answer(case) in after.source
            shown += 1
        assert shown == 3
