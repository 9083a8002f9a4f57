"""Lesson 06, aftercare and evidence: reactions, the summer rule, seed claims."""

from __future__ import annotations

from course.exercises import TREATMENT
from course.exercises.reasons import decision_reason, first_sentence
from course.facts.knowledge import (
    EVIDENCE_LEVEL_MEANINGS,
    EVIDENCE_LEVELS,
    SIDE_EFFECT_KIND_MEANINGS,
    SIDE_EFFECT_KINDS,
    find_claim,
    find_rule,
    find_side_effect,
)
from course.questions.kinds import AcceptedAnswer, Choice, Item, Wrong

REACTION = Choice(SIDE_EFFECT_KINDS, meanings=SIDE_EFFECT_KIND_MEANINGS, aliases={
    "stop": "stop_and_report", "report": "stop_and_report", "stop and refer": "stop_and_report",
    "expected": "normal", "ok": "normal",
})
EVIDENCE = Choice(EVIDENCE_LEVELS, meanings=EVIDENCE_LEVEL_MEANINGS,
                  aliases={"slogan": "marketing", "none": "unsupported"})


def _kind(name: str) -> str:
    return find_side_effect(name).kind


def _level(name: str) -> str:
    return find_claim(name).evidence_level


SUMMER_MODIFY = AcceptedAnswer(
    {"decision": "modify"}, 0.5,
    "Starting with strict sun protection follows S1 (sunscreen is enough); the course takes "
    "S2's stricter rule for facial nitrogen work before the sun: wait.")


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
        hints=("Find peeling in the side-effects table.",
               "Is peeling a flush that fades within hours, or a sign the skin was hurt?"),
        explanation=lambda: _reaction_reason("Peeling two days later", "light_peeling"),
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
                 "pink_an_hour_later": REACTION},
        expected=lambda: {"redness_next_day": _kind("next_day_redness"),
                          "blister": _kind("blister"), "pink_an_hour_later": _kind("redness")},
        points=3,
        explanation=lambda: " ".join((
            _reaction_reason("Redness the next day", "next_day_redness"),
            _reaction_reason("A blister", "blister"),
            _reaction_reason("Pink skin that is fading an hour later", "redness"))),
        wrong=(  # S1's view of next-day redness; everything stopped; S2's view of the blister too
            Wrong({"redness_next_day": "normal", "blister": "stop_and_report",
                   "pink_an_hour_later": "normal"}, 2 / 3),
            Wrong({"redness_next_day": "stop_and_report", "blister": "stop_and_report",
                   "pink_an_hour_later": "stop_and_report"}, 2 / 3),
            Wrong({"redness_next_day": "normal", "blister": "normal",
                   "pink_an_hour_later": "normal"}, 1 / 3),
            Wrong({"redness_next_day": "normal", "blister": "normal",
                   "pink_an_hour_later": "stop_and_report"}, 0.0)),
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
        answers={"absolutely_safe": EVIDENCE, "prevents_colds": EVIDENCE},
        expected=lambda: {"absolutely_safe": _level("absolutely_safe"),
                          "prevents_colds": _level("prevents_colds")},
        points=2,
        explanation=lambda: " ".join((
            _claim_reason("'No risk and no pain'", "absolutely_safe"),
            _claim_reason("'Prevents colds and boosts immunity'", "prevents_colds"),
            "Too little evidence either way is 'unsupported'; 'marketing' is for a slogan the "
            "sources contradict.")),
        wrong=(  # every slogan called marketing; every slogan called unsupported; believed
            Wrong({"absolutely_safe": "marketing", "prevents_colds": "marketing"}, 0.5),
            Wrong({"absolutely_safe": "unsupported", "prevents_colds": "unsupported"}, 0.5),
            Wrong({"absolutely_safe": "supported", "prevents_colds": "weak"})),
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
            _claim_reason("A cold wrap on the neck for migraine", "migraine_2013_study"),
            _claim_reason("Fat reduction", "cryolipolysis_fat_reduction"),
            _claim_reason("Depression", "depression_relief"))),
        wrong=(  # one trial taken as proof; the wrap read as a salon device; all believed
            Wrong({"migraine_study": "supported", "fat_reduction": "supported",
                   "depression": "weak"}, 2 / 3),
            Wrong({"migraine_study": "unsupported", "fat_reduction": "supported",
                   "depression": "weak"}, 2 / 3),
            Wrong({"migraine_study": "supported", "fat_reduction": "marketing",
                   "depression": "supported"})),
    ),
)
