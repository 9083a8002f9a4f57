"""Lesson 06: aftercare and side-effect tables, claims sorter, evidence chart, exercises."""

from __future__ import annotations

from html import escape

import pytest
from matplotlib.figure import Figure

from course.exercises import item
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
                             "numb_after_a_day": "normal"})
    assert score.fraction == pytest.approx(2 / 3) and score.status == "partly correct"
    bad = reactions.score({"redness_next_day": "normall", "blister": "stop",
                           "numb_after_a_day": "stop"})
    assert bad.status == "malformed" and "did you mean 'normal'" in bad.message


def test_summer_decision_is_the_stricter_rule():
    summer = item("aftercare_summer_course")
    assert summer.expected() == {"decision": "defer"}
    assert summer.score({"decision": "postpone"}).fraction == 1
