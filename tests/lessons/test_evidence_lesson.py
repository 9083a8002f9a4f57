"""Lesson 06: aftercare and side-effect tables, claims sorter, evidence chart, exercises."""

from __future__ import annotations

from html import escape
from pathlib import Path

import nbformat
import pytest
from matplotlib.figure import Figure

from course.exercises import item
from course.facts import knowledge
from course.facts.knowledge import EVIDENCE_LEVELS, UnknownNameError, load
from course.views.evidence import (
    LEVEL_COLOURS,
    ClaimSorter,
    aftercare_table,
    claims_per_level,
    claims_table,
    conflict_card,
    conflicts_table,
    evidence_chart,
    evidence_chart_summary,
    judge_claim,
    side_effect_table,
)
from course.views.style import OKABE_ITO

LESSON = Path(__file__).parents[2] / "source/06-aftercare-evidence/06-aftercare-evidence.ipynb"


def _written_answer(grade_id: str) -> str:
    """The model answer and mark scheme of one written question of the source notebook."""
    nb = nbformat.read(LESSON, as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell.source


def test_tables_show_every_entry_with_sources():
    kb = load()
    aftercare = aftercare_table()
    assert all(escape(entry.name) in aftercare for entry in kb.aftercare.values())
    effects = side_effect_table()
    assert all(escape(effect.name) in effects for effect in kb.side_effects.values())
    # normal reactions come before stop-and-report ones
    assert effects.index("Redness") < effects.index("Blister")
    claims = claims_table()
    assert all(escape(claim.name) in claims for claim in kb.claims.values())
    conflicts = conflicts_table()
    assert all(escape(conflict.rule) in conflicts for conflict in kb.conflicts.values())
    assert "S1" in aftercare and "S2" in effects


def test_summer_conflict_shows_both_sides_and_the_stricter_rule():
    card = conflict_card("summer_sun")
    rule = load().conflicts["summer_sun"].rule
    assert "S1" in card and "S2" in card and escape(rule) in card
    with pytest.raises(UnknownNameError):
        conflict_card("sumer")


def test_judge_claim_explains_with_sources():
    right = judge_claim("collagen", "unsupported")
    assert right.correct and right.message.startswith("Right.") and "Farberg" in right.message
    wrong = judge_claim("absolutely safe", "Weak")
    assert not wrong.correct and wrong.chosen == "weak"
    assert "rates it marketing, not weak" in wrong.message


def test_judge_claim_suggests_on_typos():
    with pytest.raises(UnknownNameError, match="Did you mean"):
        judge_claim("colagen", "weak")
    with pytest.raises(UnknownNameError, match="supported"):
        judge_claim("collagen", "supportd")


def test_claim_sorter_gives_feedback_when_a_level_is_set():
    sorter = ClaimSorter()
    assert sorter.level.value is None
    sorter.claim.value = "absolutely_safe"
    sorter.level.value = "marketing"
    assert sorter.feedback.value.startswith("✔ Right.")
    sorter.claim.value = "cryolipolysis_fat_reduction"
    assert sorter.level.value is None and "Pick" in sorter.feedback.value
    sorter.level.value = "marketing"
    assert sorter.feedback.value.startswith("✘ Not quite: the course rates it supported")


def test_chart_counts_claims_per_level():
    counts = claims_per_level()
    assert list(counts) == list(EVIDENCE_LEVELS)
    assert sum(counts.values()) == len(load().claims)
    figure = evidence_chart()
    assert isinstance(figure, Figure)
    [ax] = figure.axes
    assert "(count)" in ax.get_xlabel()
    widths = [patch.get_width() for patch in ax.patches]
    assert widths == [counts[level] for level in EVIDENCE_LEVELS]
    assert set(LEVEL_COLOURS.values()) <= set(OKABE_ITO.values())
    summary = evidence_chart_summary()
    assert "\n" not in summary
    assert all(f"{counts[level]} {level}" in summary for level in EVIDENCE_LEVELS)


def test_reactions_accept_plain_words_and_give_partial_credit():
    reactions = item("aftercare_reactions")
    score = reactions.score({"redness_next_day": "expected", "blister": "stop and report",
                             "pink_an_hour_later": "ok"})
    assert score.fraction == pytest.approx(2 / 3) and score.status == "partly correct"
    bad = reactions.score({"redness_next_day": "normall", "blister": "stop",
                           "pink_an_hour_later": "stop"})
    assert bad.status == "malformed" and "did you mean 'normal'" in bad.message


def test_summer_decision_is_the_stricter_rule():
    summer = item("aftercare_summer_course")
    assert summer.expected() == {"decision": "defer"}
    assert summer.score({"decision": "postpone"}).fraction == 1


def test_redness_into_the_next_day_and_peeling_are_checked_for_a_cold_injury():
    """A flush fading within hours is normal; next-day redness or swelling and any peeling
    are stop-and-report (clinical review of a742ee2, E3), in the data, the keys and the model
    answer alike."""
    assert knowledge.find_side_effect("redness").kind == "normal"
    for sign in ("next_day_redness", "redness the next day", "light_peeling", "peeling"):
        assert knowledge.find_side_effect(sign).kind == "stop_and_report"
    assert "next day" in knowledge.find_side_effect("oedema").action
    reactions = item("aftercare_reactions")
    assert reactions.expected()["redness_next_day"] == "stop_and_report"
    s1_view = {**reactions.expected(), "redness_next_day": "normal"}
    assert reactions.score(s1_view).fraction == pytest.approx(2 / 3)
    assert item("aftercare_practice_peeling").expected() == {"light_peeling": "stop_and_report"}
    model = _written_answer("aftercare_explain_client")
    assert "few days" not in model and "peel" in model and "tomorrow" in model
