"""Lesson 02, modalities: recognise each modality, who may perform it, honest evidence."""

from __future__ import annotations

from course.facts.knowledge import (
    EVIDENCE_LEVEL_MEANINGS,
    EVIDENCE_LEVELS,
    PERFORMERS,
    find_modality,
    load,
    spellings,
)
from course.questions.kinds import AcceptedAnswer, Choice, Item, Names, Wrong, YesNo


def modality_spellings() -> dict[str, str]:
    """Every spelling of every modality (code, name, aliases) -> its code."""
    return spellings(load().modalities)


def modality_choice() -> Choice:
    """One modality, by code; its names and aliases are accepted too."""
    names = modality_spellings()
    return Choice(tuple(dict.fromkeys(names.values())), aliases=names,
                  names={code: modality.name for code, modality in load().modalities.items()})


PERFORMER = Choice(PERFORMERS, aliases={
    "doctor": "physician", "dermatologist": "physician", "medical doctor": "physician",
    "me": "cosmetologist", "beautician": "cosmetologist", "aesthetician": "cosmetologist",
    "esthetician": "cosmetologist",
})
EVIDENCE = Choice(EVIDENCE_LEVELS, meanings=EVIDENCE_LEVEL_MEANINGS)


def _code(name: str) -> str:
    return find_modality(name).code


def _performer(name: str) -> str:
    return find_modality(name).performer


FACIAL_UNSUPPORTED = AcceptedAnswer(
    {"cryo_facial": "unsupported", "cryolipolysis": "supported"}, 1.0,
    "'unsupported' for the cryo facial is right too: no study of cryo facials exists, so "
    "'weak' and 'unsupported' describe the same gap.")


def _evidence(name: str) -> str:
    return find_modality(name).evidence_level


def _liquid_nitrogen_modalities() -> list[str]:
    """Modalities whose agent is liquid nitrogen itself, at its boiling point."""
    return [m.code for m in load().modalities.values()
            if m.agent == "liquid nitrogen" and m.agent_temp_c is not None]


def _agent_reason() -> str:
    found = [find_modality(code) for code in _liquid_nitrogen_modalities()]
    names = " and ".join(m.name for m in found)
    temp = found[0].agent_temp_c[0] if found and found[0].agent_temp_c else None
    at = f", at {temp:g} °C" if temp is not None else ""
    return (f"{names} touch the skin with liquid nitrogen itself{at}; the others use vapour, "
            "cold air or a cooled plate. What makes cryomassage cosmetic is the moving swab: "
            "nitrogen held on a lesion destroys it, which is a physician's work.")


def _scope_reason(name: str) -> str:
    """Who performs a modality and on what basis (the course's minimum; local law decides)."""
    found = find_modality(name)
    return f"{found.name}: a {found.performer}'s work. {found.performer_basis}"


def _match_reason(name: str, contrast: str = "") -> str:
    """What the modality is, from its own description (and one it is easily confused with);
    for a physician's procedure, on what basis."""
    found = find_modality(name)
    text = f"This is {found.name.lower()}: {found.delivery}"
    if contrast:
        other = find_modality(contrast)
        text += f" ({other.name} is different: {other.delivery[0].lower()}{other.delivery[1:]})"
    if found.performer != "cosmetologist":
        text += f" {found.performer_basis}"
    return text


def _evidence_reason(name: str) -> str:
    found = find_modality(name)
    result = found.expected_result[0].lower() + found.expected_result[1:]
    return f"{found.name}: '{found.evidence_level}', for its result: {result}"


ITEMS = (
    Item(
        id="modalities_practice_liquid_nitrogen",
        answers={"liquid_nitrogen": Names(modality_spellings, "modality", allow_empty=False)},
        expected=lambda: {"liquid_nitrogen": _liquid_nitrogen_modalities()},
        points=0,
        graded=False,
        hints=(
            "Open each card in the explorer and read the 'Cold agent' row.",
            "Vapour, cold air and cooled gas do not count: only liquid nitrogen itself.",
        ),
        explanation=_agent_reason,
    ),
    Item(
        id="modalities_practice_electrophoresis_scope",
        answers={"cosmetologist_may_do_it": YesNo()},
        expected=lambda: {"cosmetologist_may_do_it":
                          _performer("cryoelectrophoresis") == "cosmetologist"},
        points=0,
        graded=False,
        hints=("Look at the 'Who may perform it' row of the cryoelectrophoresis card.",
               "What does the current carry into the skin?"),
        explanation=lambda: _scope_reason("cryoelectrophoresis"),
    ),
    Item(
        id="modalities_match_vacuum_applicator",
        answers={"vacuum_applicator": modality_choice()},
        expected=lambda: {"vacuum_applicator": _code("cryolipolysis")},
        points=1,
        explanation=lambda: _match_reason("cryolipolysis"),
        wrong=(Wrong({"vacuum_applicator": "cryosauna"}),
               Wrong({"vacuum_applicator": "cryo_facial"})),
    ),
    Item(
        id="modalities_match_swab_held_still",
        answers={"swab_held_still": modality_choice()},
        expected=lambda: {"swab_held_still": _code("cryodestruction")},
        points=1,
        explanation=lambda: (_match_reason("cryodestruction", "ln2_cryomassage")
                             + " What she calls it does not matter: a swab held still freezes "
                             "the spot, and a brown spot needs a diagnosis before anything."),
        wrong=(Wrong({"swab_held_still": "ln2_cryomassage"}),
               Wrong({"swab_held_still": "cryo_facial"})),
    ),
    Item(
        id="modalities_match_drug_with_current",
        answers={"drug_with_current": modality_choice()},
        expected=lambda: {"drug_with_current": _code("cryoelectrophoresis")},
        points=1,
        explanation=lambda: _match_reason("cryoelectrophoresis"),
        wrong=(Wrong({"drug_with_current": "cryolipolysis"}),
               Wrong({"drug_with_current": "nitrogen_vapour_local"})),
    ),
    Item(
        id="modalities_scope_requests",
        answers={"fat_freezing_belly": PERFORMER, "cryosauna_session": PERFORMER},
        expected=lambda: {"fat_freezing_belly": _performer("cryolipolysis"),
                          "cryosauna_session": _performer("cryosauna")},
        points=2,
        explanation=lambda: (f"{_scope_reason('cryolipolysis')} {_scope_reason('cryosauna')} "
                             "The course's rule is the minimum: local law may be stricter."),
        wrong=(Wrong({"fat_freezing_belly": "physician", "cryosauna_session": "physician"}, 0.5),
               Wrong({"fat_freezing_belly": "cosmetologist",
                      "cryosauna_session": "physician"})),
    ),
    Item(
        id="modalities_evidence_levels",
        answers={"cryo_facial": EVIDENCE, "cryolipolysis": EVIDENCE},
        expected=lambda: {"cryo_facial": _evidence("cryo_facial"),
                          "cryolipolysis": _evidence("cryolipolysis")},
        points=2,
        explanation=lambda: (f"{_evidence_reason('cryo_facial')} "
                             f"{_evidence_reason('cryolipolysis')} {FACIAL_UNSUPPORTED.reason}"),
        wrong=(Wrong({"cryo_facial": "supported", "cryolipolysis": "supported"}, 0.5),
               Wrong({"cryo_facial": "marketing", "cryolipolysis": "weak"})),
        accepted=(FACIAL_UNSUPPORTED,),
    ),
)
