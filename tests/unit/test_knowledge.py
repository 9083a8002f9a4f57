"""Content and validation tests for the knowledge base (course/data/*.toml)."""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path

import pytest

from course.facts import knowledge
from course.facts.knowledge import (
    TREATMENTS,
    KnowledgeError,
    UnknownNameError,
    find_condition,
    find_modality,
    load,
    load_directory,
    most_restrictive,
)
from course.views.knowledge import (
    contraindication_matrix_figure,
    contraindication_matrix_html,
    modality_table_html,
)

# Contraindications as the seeds write them.
SEED_CONTRAINDICATIONS = {
    "001_6f82df9865416c89.txt": [
        "Cold intolerance or allergic reaction to liquid nitrogen", "Mental disorders",
        "Diseases of the cardiovascular system", "Migraine", "Epilepsy",
        "Open injuries, wounds at the procedure site",
        "Exacerbation of inflammatory and infectious diseases", "Raynaud's disease",
        "peripheral circulatory disorders", "individual intolerance to cold", "pregnancy",
        "acute respiratory viral infection", "furunculosis",
    ],
    "002_d3e0ea1042f40b8d.txt": [
        "herpes", "acute inflammation with pustules", "allergy to cold", "rosacea", "epilepsy",
        "frequent migraines",
    ],
    "003_eecebaf7b7e10c78.txt": ["Raynaud\u2019s disease", "cold allergies"],
    "004_b59a7fa09acce6a3.txt": [
        "pregnant women", "high blood pressure (>over 150 not controlled by medication)",
        "major heart or lung conditions", "poor circulation", "severe Raynaud\u2019s Syndrome",
        "cold-activated asthma", "neuropathy (nerve disease) in the legs or feet",
        "had surgery recently",
    ],
}

RESEARCH_ADDITIONS = [
    "cryoglobulinaemia", "cold agglutinin disease", "paroxysmal cold haemoglobinuria",
    "impaired sensation", "claustrophobia", "bleeding disorder", "hernia", "eczema at the site",
    "darker skin", "sunburn", "changing mole",
    # chamber vendors' exclusions and preparation (issue 13)
    "pacemaker", "deep vein thrombosis", "severe anaemia", "cancer", "untreated hypothyroidism",
    "acute kidney disease", "alcohol", "lotion", "jewellery", "piercings", "chemical peel",
    "laser resurfacing", "microneedling",
]

# Names the seeds use for skin diseases and infections (S1), each readable by the course.
SEED_NAMES = ["psoriasis", "atopic dermatitis", "seborrheic dermatitis", "demodicosis",
              "alopecia", "post-acne", "hemangioma", "acute respiratory infection",
              "acute respiratory viral infection", "furunculosis", "tonsillitis"]

MODALITY_CODES = {
    "ln2_cryomassage", "cryo_facial", "nitrogen_vapour_local", "cold_air_local", "cryosauna",
    "cryolipolysis", "cryoelectrophoresis", "cryodestruction",
}


@pytest.mark.parametrize(
    "phrase", [p for phrases in SEED_CONTRAINDICATIONS.values() for p in phrases]
)
def test_every_seed_contraindication_resolves(phrase: str) -> None:
    condition = find_condition(phrase)
    assert condition.treatment in TREATMENTS


@pytest.mark.parametrize("phrase", RESEARCH_ADDITIONS + SEED_NAMES)
def test_research_additions_and_seed_names_resolve(phrase: str) -> None:
    find_condition(phrase)


def test_the_40_kg_chamber_rule_is_data() -> None:
    rule = knowledge.find_rule("underweight_chamber")
    assert rule.treatment_for("cryosauna") == "refuse"
    assert "001_6f82df9865416c89.txt" in rule.sources


def test_lookup_is_forgiving_about_case_apostrophes_hyphens_and_spaces() -> None:
    assert find_condition("  RAYNAUDS ").code == "raynauds"
    assert find_condition("Raynaud's phenomenon").code == "raynauds"
    assert find_condition("cold activated   asthma").code == "cold_induced_asthma"
    assert find_modality("whole body cryotherapy").code == "cryosauna"


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError) as caught:
        find_condition("raynods")
    assert "Did you mean: Raynaud's phenomenon (raynauds)?" in str(caught.value)
    assert caught.value.suggestions[0] == "Raynaud's phenomenon (raynauds)"
    assert isinstance(caught.value, LookupError)
    assert not isinstance(caught.value, KeyError)


def test_modalities_are_exactly_the_agreed_codes() -> None:
    assert set(load().modalities) == MODALITY_CODES


def test_every_modality_has_a_max_or_an_explicit_no_limit() -> None:
    for modality in load().modalities.values():
        if modality.max_exposure_s is None:
            assert modality.max_basis_kind == "none" and modality.max_basis
        else:
            assert modality.max_exposure_s > 0 and modality.max_basis_kind != "none"
    assert load().modalities["cryoelectrophoresis"].max_basis_kind == "none"
    assert load().modalities["cryosauna"].max_exposure_s == 180
    assert any(limit.max_s == 120 for limit in load().modalities["cryosauna"].limits)


def test_physician_only_modalities_are_marked() -> None:
    modalities = load().modalities
    assert modalities["cryodestruction"].performer == "physician"
    assert modalities["cryoelectrophoresis"].performer == "physician"
    assert modalities["ln2_cryomassage"].performer == "cosmetologist"


def test_all_twelve_conflicts_have_a_resolution() -> None:
    conflicts = load().conflicts
    assert sorted(c.number for c in conflicts.values()) == list(range(1, 13))
    for conflict in conflicts.values():
        assert conflict.rule and conflict.why
        assert len(conflict.positions) >= 2
        assert all(position.sources for position in conflict.positions)


def test_no_fact_without_a_source() -> None:
    kb = load()
    for group in (kb.modalities, kb.conditions, kb.claims, kb.aftercare, kb.side_effects,
                  kb.conflicts):
        for item in group.values():
            assert item.sources, item.code
            assert all(code in kb.sources for code in item.sources)
    for rule in kb.rules.values():
        assert rule.sources or rule.as_condition


def test_seed_sources_are_the_file_names() -> None:
    seeds = {code for code, source in load().sources.items() if source.kind == "seed"}
    assert seeds == set(SEED_CONTRAINDICATIONS) | {"000_5ab8afc9db5d664d.txt"}


def test_side_effects_say_when_to_stop() -> None:
    assert knowledge.find_side_effect("blister").kind == "stop_and_report"
    assert knowledge.find_side_effect("redness").kind == "normal"
    assert knowledge.find_claim("absolutely safe").evidence_level == "marketing"


def test_most_restrictive_order() -> None:
    assert TREATMENTS == ("refuse", "clearance", "defer", "modify", "proceed")
    assert tuple(load().treatments) == TREATMENTS and "none" in load().referrals
    assert most_restrictive(["modify", "clearance", "defer"]) == "clearance"
    assert most_restrictive([]) == "proceed"


def test_mappings_are_read_only() -> None:
    with pytest.raises(TypeError):
        load().conditions["new"] = None  # type: ignore[index]


# --------------------------------------------------------------------------- validation


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    shutil.copytree(knowledge.packaged_data_directory(), tmp_path / "data")
    return tmp_path / "data"


def _append(directory: Path, file: str, text: str) -> None:
    with (directory / file).open("a", encoding="utf-8") as handle:
        handle.write("\n" + text)


def test_copy_of_the_data_loads(data_copy: Path) -> None:
    assert set(load_directory(data_copy).conditions) == set(load().conditions)


BROKEN = {
    "no source": ("conditions.toml", '[[condition]]\ncode = "x_new"\nname = "X new"\n'
                  'treatment = "refuse"\nrationale = "r"\naction = "a"\n', "has no source"),
    "unknown source": ("conditions.toml", '[[condition]]\ncode = "x_new"\nname = "X new"\n'
                       'treatment = "refuse"\nrationale = "r"\naction = "a"\n'
                       'sources = ["nobody2020"]\n',
                       "unknown source 'nobody2020'"),
    "unknown treatment": ("conditions.toml", '[[condition]]\ncode = "x_new"\nname = "X new"\n'
                          'treatment = "forbid"\nrationale = "r"\naction = "a"\n'
                          'sources = ["andrews2004_afp"]\n', "unknown treatment"),
    "unknown referral": ("conditions.toml", '[[condition]]\ncode = "x_new"\nname = "X new"\n'
                         'treatment = "defer"\nrationale = "r"\naction = "a"\n'
                         'referral = "vet"\nreferral_reason = "r"\n'
                         'sources = ["andrews2004_afp"]\n', "unknown referral 'vet'"),
    "unknown modality": ("conditions.toml", '[[condition]]\ncode = "x_new"\nname = "X new"\n'
                         'treatment = "refuse"\noverrides = { sauna = "refuse" }\n'
                         'rationale = "r"\naction = "a"\nsources = ["andrews2004_afp"]\n',
                         "unknown modality 'sauna'"),
    "duplicate alias": ("conditions.toml", '[[condition]]\ncode = "x_new"\nname = "X new"\n'
                        'aliases = ["RAYNAUDS"]\ntreatment = "refuse"\nrationale = "r"\n'
                        'action = "a"\n'
                        'sources = ["andrews2004_afp"]\n', "duplicate"),
    "duplicate code": ("claims.toml", '[[claim]]\ncode = "no_downtime"\nname = "Other"\n'
                       'evidence_level = "weak"\nevidence = "e"\nsources = ["andrews2004_afp"]\n',
                       "duplicate"),
    "unknown condition in rule": ("rules.toml", '[[rule]]\ncode = "x_rule"\nname = "X"\n'
                                  'as_condition = "nothing"\n'
                                  'when = [{ field = "pregnant", equals = true }]\n',
                                  "unknown condition 'nothing'"),
}


@pytest.mark.parametrize("problem", list(BROKEN))
def test_broken_data_is_reported_with_file_and_entry(data_copy: Path, problem: str) -> None:
    file, text, expected = BROKEN[problem]
    _append(data_copy, file, text)
    with pytest.raises(KnowledgeError) as caught:
        load_directory(data_copy)
    message = str(caught.value)
    assert message.startswith(file) and expected in message
    assert "x_new" in message or "no_downtime" in message or "x_rule" in message


def test_invalid_toml_names_the_file(data_copy: Path) -> None:
    _append(data_copy, "claims.toml", "[[claim]\n")
    with pytest.raises(KnowledgeError, match="claims.toml"):
        load_directory(data_copy)


# --------------------------------------------------------------------------- views


def test_views_render_every_modality_and_condition() -> None:
    table = modality_table_html()
    matrix = contraindication_matrix_html()
    for modality in load().modalities.values():
        assert modality.name.split(" (")[0] in table.replace("&#x27;", "'")
    assert "Legend" in matrix and "refuse" in matrix
    figure = contraindication_matrix_figure()
    axes = figure.axes[0]
    assert len(axes.get_yticklabels()) == len(load().conditions)
    assert len(axes.get_xticklabels()) == len(load().modalities)


def test_lesson_00_teaches_its_everyday_rules_from_the_data() -> None:
    from course.views.scope import everyday_rules

    kb = load()
    shown = str(everyday_rules()._repr_html_())
    minutes = kb.modalities["ln2_cryomassage"].observation_minutes
    assert f"<b>{minutes} minutes</b>" in shown
    assert kb.conditions["sunburn"].name in shown and "<b>defer</b>" in shown
    assert kb.conditions["herpes"].name not in shown  # lesson 00 asks about it
    assert "S1" in shown and "S2" in shown  # sources, by their short names


def test_the_matrix_marks_physician_only_columns() -> None:
    matrix = contraindication_matrix_html()
    for modality in load().modalities.values():
        marked = f"{escape(modality.name)} †" in matrix
        assert marked == (modality.performer == "physician"), modality.code
    assert "physician only: whatever the condition, a cosmetologist refers" in matrix


def test_vendor_practice_is_its_own_kind_and_every_reason_citing_it_says_so() -> None:
    """Review of a742ee2, E8: vendor lists are not published evidence, and a reason resting on
    them names them even when they are not among its first sources."""
    from course.exercises.reasons import cited

    for code in ("wbc_vendor_lists", "chamber_vendor_practice"):
        assert load().sources[code].kind == "vendor"
        assert "not published" in knowledge.source_label(code)
    said = cited(["004_b59a7fa09acce6a3.txt", "001_6f82df9865416c89.txt", "wbc_vendor_lists"])
    assert said == " (S4; S1; chamber vendors' lists (not published))"
    assert cited(["004_b59a7fa09acce6a3.txt", "001_6f82df9865416c89.txt", "bugaj1975"]) == (
        " (S4; S1)")
