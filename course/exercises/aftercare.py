"""Lesson 06, aftercare and evidence: reactions, the summer rule, seed claims."""

from __future__ import annotations

from course.exercises import TREATMENT
from course.exercises.reasons import decision_reason, first_sentence
from course.facts.knowledge import (
    EVIDENCE_LEVELS,
    SIDE_EFFECT_KINDS,
    find_claim,
    find_rule,
    find_side_effect,
)
from course.questions.kinds import AcceptedAnswer, Choice, Item, Wrong

REACTION = Choice(SIDE_EFFECT_KINDS, aliases={
    "stop": "stop_and_report", "report": "stop_and_report", "stop and refer": "stop_and_report",
    "expected": "normal", "ok": "normal",
})
EVIDENCE = Choice(EVIDENCE_LEVELS, aliases={"slogan": "marketing", "none": "unsupported"})


def _kind(name: str) -> str:
    return find_side_effect(name).kind


def _level(name: str) -> str:
    return find_claim(name).evidence_level


SUMMER_MODIFY = AcceptedAnswer(
    {"decision": "modify"}, 0.5,
    "Starting with strict sun protection follows S1 (sunscreen is enough); the course takes "
    "S2's stricter rule for facial nitrogen work before the sun: wait.")
MIGRAINE_WEAK = AcceptedAnswer(
    {"migraine_study": "weak", "fat_reduction": "supported", "depression": "weak"}, 1.0,
    "'weak' for the 2013 study is right too: cold packs have some trial evidence; only "
    "localized cryotherapy has none.")


def _reaction_reason(label: str, name: str) -> str:
    effect = find_side_effect(name)
    return f"{label}: '{effect.kind}'. {first_sentence(effect.action)}"


def _claim_reason(label: str, name: str) -> str:
    claim = find_claim(name)
    return f"{label}: '{claim.evidence_level}'. {claim.evidence}"


def _summer_reason() -> str:
    rule = find_rule("summer_sun_planned")
    return (f"{decision_reason(rule, 'ln2_cryomassage')} 'modify' earns half: "
            f"{SUMMER_MODIFY.reason}")


ITEMS = (
    Item(
        id="aftercare_practice_peeling",
        answers={"light_peeling": REACTION},
        expected=lambda: {"light_peeling": _kind("light_peeling")},
        points=0,
        graded=False,
        hints=("Find light peeling in the side-effects table.",),
        explanation=lambda: _reaction_reason("Light peeling", "light_peeling"),
    ),
    Item(
        id="aftercare_practice_claim_cellulite",
        answers={"cryosauna_cellulite": EVIDENCE},
        expected=lambda: {"cryosauna_cellulite": _level("wbc_skin_benefits")},
        points=0,
        graded=False,
        hints=("Use the claims sorter on 'The cryosauna tightens skin and reduces cellulite'.",
               "Is there any published study that supports it, even a weak one?"),
        explanation=lambda: (_claim_reason("Tightening and less cellulite", "wbc_skin_benefits")
                             + " Never promise it to a client."),
    ),
    Item(
        id="aftercare_reactions",
        answers={"redness_next_day": REACTION, "blister": REACTION,
                 "numb_after_a_day": REACTION},
        expected=lambda: {"redness_next_day": _kind("redness"), "blister": _kind("blister"),
                          "numb_after_a_day": _kind("lasting numbness")},
        points=3,
        explanation=lambda: " ".join((
            _reaction_reason("Redness the next day", "redness"),
            _reaction_reason("A blister", "blister"),
            _reaction_reason("Numbness that lasts after the skin has warmed", "lasting numbness"))),
        wrong=(Wrong({"redness_next_day": "normal", "blister": "normal",
                      "numb_after_a_day": "stop_and_report"}, 2 / 3),
               Wrong({"redness_next_day": "normal", "blister": "normal",
                      "numb_after_a_day": "normal"}, 1 / 3)),
    ),
    Item(
        id="aftercare_summer_course",
        answers={"decision": TREATMENT},
        expected=lambda: {"decision":
                          find_rule("summer_sun_planned").treatment_for("ln2_cryomassage")},
        points=1,
        explanation=_summer_reason,
        wrong=(Wrong({"decision": "proceed"}), Wrong({"decision": "refuse"})),
        accepted=(SUMMER_MODIFY,),
    ),
    Item(
        id="aftercare_claims_slogans",
        answers={"absolutely_safe": EVIDENCE, "boosts_collagen": EVIDENCE},
        expected=lambda: {"absolutely_safe": _level("absolutely_safe"),
                          "boosts_collagen": _level("collagen_stimulation")},
        points=2,
        explanation=lambda: " ".join((
            _claim_reason("'No risk and no pain'", "absolutely_safe"),
            _claim_reason("'Builds new collagen'", "collagen_stimulation"))),
        wrong=(Wrong({"absolutely_safe": "marketing", "boosts_collagen": "supported"}, 0.5),
               Wrong({"absolutely_safe": "supported", "boosts_collagen": "weak"})),
    ),
    Item(
        id="aftercare_claims_studies",
        answers={"migraine_study": EVIDENCE, "fat_reduction": EVIDENCE,
                 "depression": EVIDENCE},
        expected=lambda: {"migraine_study": _level("migraine_2013_study"),
                          "fat_reduction": _level("cryolipolysis_fat_reduction"),
                          "depression": _level("depression_relief")},
        points=3,
        explanation=lambda: " ".join((
            _claim_reason("The migraine study", "migraine_2013_study"), MIGRAINE_WEAK.reason,
            _claim_reason("Fat reduction", "cryolipolysis_fat_reduction"),
            _claim_reason("Depression", "depression_relief"))),
        wrong=(Wrong({"migraine_study": "supported", "fat_reduction": "supported",
                      "depression": "weak"}, 2 / 3),
               Wrong({"migraine_study": "supported", "fat_reduction": "marketing",
                      "depression": "supported"})),
        accepted=(MIGRAINE_WEAK,),
    ),
)
