"""Handing in and reading the marks, as a trainee sees them (issue 26, findings 5, 10, 13, 14):
Submit in nbgrader's Assignments tab (as the course configures it) says in words that the
hand-in arrived and lists the trainee's own hand-in first; its focus can be seen from the
keyboard; the list does not run together at 200 % zoom; the feedback page shows the
answers in the trainee's words, says why her own pick is wrong and carries no
before-submission check.

The trainee's server is the self-study one (``setup.sh lab``), from test_self_study.py.
"""

from __future__ import annotations

import re

import pytest
from nbgrader.utils import get_username

from course.facts.knowledge import load
from tests.browser.conftest import Notebook, Scenario, expect
from tests.browser.test_self_study import (  # noqa: F401 - fixtures used by name
    LESSON,
    NOTEBOOK,
    _answer_lesson,
    _assignments_tab,
    _collect_and_grade,
    _cryocourse,
    _marked_questions,
    _open_feedback,
    _reference_answers,
    _submit,
    self_study,
    self_study_server,
    trainee,
)

pytestmark = pytest.mark.browser

FETCHED_ROW = "#fetched_assignments_list .list_item:not(.nested_list_item)"
HAND_INS = "#submitted_assignments_list .nested_list_item .item_name"


def _fetched_row(scenario: Scenario):
    row = scenario.page.locator(FETCHED_ROW, has_text=LESSON)
    expect(row).to_be_visible(timeout=30_000)
    return row


def test_no_cell_toolbar_to_tab_through_and_hints_wait_to_be_asked(
        trainee: Scenario) -> None:  # noqa: F811
    """(Findings 13 and 15.) The trainee's JupyterLab has no per-cell toolbar (its buttons
    were Tab stops on every cell); after Run All a hint is a folded "Show hint 1 of 2" that
    opens from the keyboard, not the hint itself."""
    notebook = Notebook.open(trainee, NOTEBOOK)
    notebook.run_all()
    cell = notebook.code_cell('hint("orientation_practice_physician_only")')
    cell.click()
    expect(notebook.panel.locator(".jp-cell-toolbar")).to_have_count(0)
    output = notebook.output_of(cell)
    summary = output.locator("summary")
    expect(summary).to_have_text("Show hint 1 of 2")
    hint_text = output.get_by_text("who may perform it")
    expect(hint_text).to_be_hidden()
    trainee.screenshot("hint-folded")
    summary.focus()
    trainee.page.keyboard.press("Enter")
    expect(hint_text).to_be_visible()
    trainee.screenshot("hint-open")


def test_practice_names_the_decision_words_and_explains_a_lost_part(
        trainee: Scenario) -> None:  # noqa: F811
    """(Findings 2 and 11.) Lesson 04's unlimited practice: the treatment buttons show the
    data's names, and a wrong referral is explained by what the word chosen means."""
    from course.models.cases import score_screening
    from course.models.variants import practice_client

    seed = 4242
    client, kb = practice_client(seed), load()
    wrong = next(code for code in kb.referrals if "is not right for this client" in
                 score_screening(client, client.treatment, code, client.findings).explanation)
    notebook = Notebook.open(trainee, "04-contraindications/04-contraindications.ipynb")
    notebook.run_all()
    practice = notebook.panel.locator(".widget-vbox", has=trainee.page.get_by_role(
        "button", name="Check my answer")).last
    practice.scroll_into_view_if_needed()
    box = practice.get_by_role("spinbutton").or_(practice.get_by_role("textbox")).first
    box.fill(str(seed))
    box.press("Enter")
    expect(practice).to_contain_text(f"Client {seed}.")
    for code in kb.treatments:  # buttons by name, never by code
        expect(practice.get_by_role("button", name=kb.treatments[code].name, exact=True)
               ).to_be_visible()
    practice.get_by_role("button", name=kb.treatments[client.treatment].name,
                         exact=True).click()
    practice.get_by_role("combobox").first.select_option(label=kb.referrals[wrong].name)
    practice.get_by_role("button", name="Check my answer").click()
    meaning = kb.referrals[wrong].meaning.split(". ")[0]
    expect(practice).to_contain_text(f"Referral: '{kb.referrals[wrong].name}' is not right "
                                     f"for this client. It means: {meaning}")
    trainee.screenshot("practice-lost-part")


def test_submit_by_keyboard_is_confirmed_in_words_with_the_own_hand_in_first(
        trainee: Scenario) -> None:  # noqa: F811
    """Two hand-ins of lesson 00; the second by keyboard alone: Tab reaches Submit, its focus
    ring can be seen, Enter hands in, a sentence says so and the newest hand-in is first."""
    page = trainee.page
    Notebook.open(trainee, NOTEBOOK)
    _submit(trainee, LESSON)  # an earlier hand-in, so the list has more than one
    expect(page.locator(HAND_INS)).not_to_have_count(0)
    before = page.locator(HAND_INS).count()
    row = _fetched_row(trainee)
    row.locator("a, .item_name > *").first.focus()
    submit = row.locator("button", has_text="Submit")
    for _ in range(4):  # from the lesson's name to its Submit button, by Tab alone
        if submit.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(submit).to_be_focused()
    ring = submit.evaluate("b => { const s = getComputedStyle(b); return [s.outlineStyle, "
                           "parseFloat(s.outlineWidth), s.boxShadow]; }")
    assert ring[0] != "none" and ring[1] >= 2, ring  # a ring that can be seen
    trainee.screenshot("submit-focused")
    page.keyboard.press("Enter")
    note = page.get_by_role("status").filter(has_text="Handed in")
    expect(note).to_contain_text(f"Handed in: {LESSON}", timeout=60_000)
    expect(note).to_contain_text("first row")
    expect(page.locator(HAND_INS)).to_have_count(before + 1, timeout=60_000)
    stamps = page.locator(HAND_INS).all_inner_texts()
    assert stamps[0] == max(stamps), stamps  # the newest, the trainee's own, first
    trainee.screenshot("submitted-confirmed")


def test_the_assignments_list_does_not_run_together_at_200_percent(
        trainee: Scenario) -> None:  # noqa: F811
    """At 200 % zoom (700 CSS px wide) the lesson's name and its Submit button do not
    overlap and the row fits its box."""
    page = trainee.page
    page.set_viewport_size({"width": 700, "height": 450})
    Notebook.open(trainee, NOTEBOOK)
    _assignments_tab(trainee)
    row = _fetched_row(trainee)
    name = row.locator(".item_name").first.bounding_box()
    button = row.locator("button", has_text="Submit").bounding_box()
    assert name and button
    apart = (name["x"] + name["width"] <= button["x"] + 0.5
             or name["y"] + name["height"] <= button["y"] + 0.5)
    assert apart, (name, button)
    fits = row.evaluate("r => r.scrollWidth <= r.clientWidth + 1")
    assert fits
    trainee.screenshot("assignments-200")


def test_feedback_says_why_the_own_pick_is_wrong_in_the_trainees_words(
        trainee: Scenario, self_study) -> None:  # noqa: F811
    """Lesson 00 handed in with "proceed" for the cold sore: the feedback shows the answer as
    the buttons did ("Proceed"), says what "Proceed" means and that the course's answer is
    another, and shows no "in the right form" check from before the hand-in."""
    course, key = self_study.course, self_study.key
    questions = _marked_questions(course.root / "my-work" / NOTEBOOK)
    answers = _reference_answers(questions, key)
    answers["orientation_decision_herpes"]["treatment"] = "proceed"
    _answer_lesson(trainee, NOTEBOOK, answers, "I would not treat the mole; a doctor must "
                                               "see a mole that changes first.")
    _submit(trainee, LESSON)
    _collect_and_grade(course, LESSON)
    released = _cryocourse(course, "feedback", LESSON, "--allow-ungraded")
    assert released.returncode == 0, f"{released.stdout}\n{released.stderr}"
    assert get_username()
    frame = _open_feedback(trainee, LESSON)
    body = frame.locator("body")
    proceed = load().treatments["proceed"].meaning.rstrip(".")
    expect(body).to_contain_text("Your answer: treatment: Proceed")
    expect(body).to_contain_text(f"Why not your answer: Proceed means: {proceed}.")
    expect(body).not_to_contain_text("right form")
    # no line of code: neither the trainee's answer lines nor the lesson's own cells
    expect(body).not_to_contain_text(
        re.compile(r'treatment = "|check\("|hint\("|from course|_table\(\)'))
    trainee.window_shot("feedback-why-not")
