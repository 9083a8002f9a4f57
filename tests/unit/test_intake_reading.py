"""Intake lines as people write them: a table of phrasings with the reading each must give,
and a property test that no text or shape a person could put on the form raises.

Issue 24 (clinical round 3), item 5. Each row: the line as written, and the expected reading
in a compact form: condition codes joined by commas, each with ``:site`` when the line says
where, ``:past`` when it is written as past (no longer a finding), ``:days=N`` when it says
how long ago; ``-`` when the client says they have nothing; ``?`` when it is not understood
(the screening then names it and stays conservative).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course.facts.knowledge import TREATMENTS, load
from course.models.intake_reading import Reading, read_line, read_modality
from course.models.screening import Intake, screen

PHRASINGS = [
    ('treated hypothyroidism', 'hypothyroidism'),
    ('hypothyroidism, treated', 'hypothyroidism'),
    ('underactive thyroid on levothyroxine', 'hypothyroidism'),
    ('untreated underactive thyroid', 'untreated_hypothyroidism'),
    ('underactive thyroid, not treated', 'untreated_hypothyroidism'),
    ('hypothyroid', 'hypothyroidism'),
    ('mild anaemia', 'anaemia'),
    ('anaemia', 'anaemia'),
    ('severe anaemia', 'severe_anaemia'),
    ('low iron', 'anaemia'),
    ('iron deficiency anaemia, on tablets', 'anaemia'),
    ('cancer', 'cancer'),
    ('breast cancer in remission', 'cancer:decollete'),
    ('had cancer 10 years ago', 'cancer:days=3650'),
    ('on chemo for breast cancer', 'cancer_under_treatment:decollete'),
    ('currently having radiotherapy', 'cancer_under_treatment'),
    ('kidney disease', 'kidney_disease'),
    ('chronic kidney disease', 'kidney_disease'),
    ('acute kidney injury', 'acute_kidney_disease'),
    ('kidney problems, on dialysis', 'acute_kidney_disease'),
    ('asthma', 'asthma'),
    ('mild asthma, uses an inhaler', 'asthma,asthma'),
    ('asthma triggered by cold', 'cold_induced_asthma'),
    ('asthma, worse in the cold', 'cold_induced_asthma'),
    ('severe asthma', 'cold_induced_asthma'),
    ('depression', 'mental_disorder'),
    ('depression, well controlled', 'mental_disorder'),
    ('anxiety', 'mental_disorder'),
    ('on sertraline', 'mental_disorder'),
    ('severe depression', 'acute_mental_illness'),
    ('bipolar, currently unwell', 'acute_mental_illness'),
    ('epilepsy', 'epilepsy'),
    ('epilepsy, no seizures for six years', 'epilepsy_controlled'),
    ('epilepsy - controlled', 'epilepsy_controlled'),
    ('no seizures for 6 years', 'epilepsy_controlled'),
    ('high blood pressure', 'hypertension'),
    ('high blood pressure, on tablets', 'hypertension'),
    ('high BP (controlled)', 'hypertension'),
    ('stopped her blood pressure tablets', 'uncontrolled_hypertension'),
    ('blood pressure not controlled', 'uncontrolled_hypertension'),
    ('eczema flare', 'eczema_at_site'),
    ('rosacea flare', 'rosacea_flare'),
    ('rosacea, flaring at the moment', 'rosacea_flare'),
    ('rosacea', 'rosacea'),
    ('acne flare', 'pustular_acne_flare'),
    ('mild acne', 'acne'),
    ('cold sores in the past', 'herpes:past'),
    ('cold sore yesterday', 'herpes:days=1'),
    ('cold sore on the chin since yesterday', 'herpes:face:days=1'),
    ('cold sore two days ago', 'herpes:days=2'),
    ('herpes on lip', 'herpes:lips'),
    ('cold sore upper lip 2 days ago', 'herpes:lips:days=2'),
    ('open wound left knee', 'open_wound:legs'),
    ('scratch on the forearm', 'open_wound:arms'),
    ('cut on my hand', 'open_wound:hands'),
    ('graze on the shin', 'open_wound:legs'),
    ('eczema on the left forearm', 'eczema_at_site:arms'),
    ('psoriasis elbows', 'psoriasis:arms'),
    ('psoriasis on the scalp', 'psoriasis:scalp'),
    ('eczema behind the knees', 'eczema_at_site:legs'),
    ('numbness in the feet', 'impaired_sensation:feet'),
    ('numb patch on the thigh', 'impaired_sensation:legs'),
    ('sunburn on the shoulders', 'sunburn:back'),
    ('sunburnt nose', 'sunburn:face'),
    ('boils on the back', 'furunculosis:back'),
    ('changing mole on the back', 'changing_pigmented_lesion:back'),
    ('hip replacement left side', 'metal_implant:legs'),
    ('metal plate in the right ankle', 'metal_implant:legs'),
    ('knee replacement 2019', 'metal_implant:legs'),
    ('fresh tattoo on the forearm', 'fresh_tattoo:arms'),
    ('tattoo on the ankle', 'tattoo:legs'),
    ('had a tattoo done two weeks ago', 'fresh_tattoo:days=14'),
    ('tattoo 3 months ago', 'tattoo:days=90'),
    ('botox three weeks ago', 'botulinum_toxin:past:days=21'),
    ('botox 3 days ago', 'botulinum_toxin:days=3'),
    ('botox last week', 'botulinum_toxin:days=7'),
    ('lip filler yesterday', 'dermal_filler:lips:days=1'),
    ('fillers 2 months ago', 'dermal_filler:past:days=60'),
    ('chemical peel last week', 'recent_skin_procedure:days=7'),
    ('laser hair removal on the legs 4 days ago', 'recent_skin_procedure:legs:days=4'),
    ('microneedling a month ago', 'recent_skin_procedure:past:days=30'),
    ('peel three weeks ago', 'recent_skin_procedure:past:days=21'),
    ('surgery on the knee 6 weeks ago', 'recent_surgery:legs:days=42'),
    ('earrings and a necklace', 'metal_jewellery,metal_jewellery'),
    ('earrings, necklace and a watch', 'metal_jewellery,metal_jewellery,metal_jewellery'),
    ('asthma and eczema', 'asthma,eczema_at_site'),
    ('diabetes; high blood pressure', 'diabetes,hypertension'),
    ('migraine + epilepsy', 'migraine,epilepsy'),
    ('pacemaker & heart disease', 'pacemaker,heart_disease'),
    ('cold sore and a cut on the chin', 'herpes,open_wound:face'),
    ('warfarin', 'bleeding_disorder'),
    ('takes warfarin', 'bleeding_disorder'),
    ('on apixaban', 'bleeding_disorder'),
    ('blood thinners', 'bleeding_disorder'),
    ('Xarelto 20mg daily', 'bleeding_disorder'),
    ('clopidogrel', 'bleeding_disorder'),
    ('roaccutane', 'isotretinoin'),
    ('isotretinoin, stopped 2 months ago', 'isotretinoin:days=60'),
    ('roaccutane stopped 2 years ago', 'isotretinoin:past:days=730'),
    ('retinol serum at night', 'topical_retinoid'),
    ('tretinoin cream', 'topical_retinoid'),
    ('doxycycline', 'photosensitising_medicine'),
    ("St John's wort", 'photosensitising_medicine'),
    ('bisoprolol 5mg', 'vasoactive_medicine'),
    ('propranolol', 'vasoactive_medicine'),
    ('beta blockers', 'vasoactive_medicine'),
    ('sumatriptan for migraines', 'vasoactive_medicine,migraine'),
    ('methotrexate', 'immunosuppressant'),
    ('prednisolone tablets', 'immunosuppressant'),
    ('humira injections', 'immunosuppressant'),
    ('metformin', 'diabetes'),
    ('on insulin', 'diabetes'),
    ('sickle cell disease', 'haemoglobinopathy'),
    ('thalassaemia', 'haemoglobinopathy'),
    ('anorexia', 'eating_disorder'),
    ('eating disorder', 'eating_disorder'),
    ('impetigo on the chin', 'skin_infection:face'),
    ('ringworm on the arm', 'skin_infection:arms'),
    ('shingles', 'skin_infection'),
    ("athlete's foot", 'skin_infection'),
    ('wears contacts', 'contact_lenses'),
    ('contact lenses', 'contact_lenses'),
    ('breastfeeding', 'breastfeeding'),
    ('swollen ankles', 'leg_swelling'),
    ('oedema in my legs', 'leg_swelling:legs'),
    ('one swollen calf', 'leg_swelling:legs'),
    ('pregnant', 'pregnancy'),
    ('pregnant 5 months', 'pregnancy:days=150'),
    ('Raynauds', 'raynauds'),
    ('raynods', '?'),  # never spell-matched: raynauds is only suggested
    ('eczma', '?'),  # never spell-matched: eczema_at_site is only suggested
    ('exzema on the hands', '?'),
    ('psoraisis', '?'),  # never spell-matched: psoriasis is only suggested
    ('migrane', 'migraine'),
    ('diabetis', '?'),  # never spell-matched: diabetes is only suggested
    ('epilepsey', '?'),  # never spell-matched: epilepsy is only suggested
    ('asthama', '?'),  # never spell-matched: asthma is only suggested
    ('rosacia', '?'),  # never spell-matched: rosacea is only suggested
    ('hypothyroidsm', '?'),  # never spell-matched: hypothyroidism is only suggested
    ('warfarine', '?'),  # never spell-matched: bleeding_disorder is only suggested
    ('coldsore', 'herpes'),
    ('herpies', '?'),  # never spell-matched: herpes is only suggested
    ('pregnent', '?'),  # never spell-matched: pregnancy is only suggested
    ('cold allergy', 'cold_urticaria'),
    ('hives in cold water', 'cold_urticaria'),
    ('DVT last year, on rivaroxaban', 'dvt:days=365,bleeding_disorder'),
    ('angina', 'heart_disease'),
    ('had a stroke', 'stroke'),
    ('heart attack 2 years ago', 'heart_disease:days=730'),
    ('COPD', 'major_heart_or_lung_disease'),
    ('body lotion on', 'lotion_on_skin:body'),
    ('make-up', 'lotion_on_skin'),
    ('had a few drinks', 'intoxicated'),
    ('sore throat', 'arvi'),
    ('flu', 'acute_inflammation_infection'),
    ('none', '-'),
    ('no', '-'),
    ('nil', '-'),
    ('N/A', '-'),
    ('no allergies', '-'),
    ('healthy', '-'),
    ('nothing to declare', '-'),
    ('no medical conditions', '-'),
    ('zorbitol', '?'),
    ('hypotension', 'low_blood_pressure'),
    ('overactive thyroid', '?'),
    ('low blood pressure', 'low_blood_pressure'),
    ('gout', '?'),
    ('something with my blood', '?'),
    ('qwerty asdf', '?'),
]

MODALITY_PHRASINGS = [
    ("cryo facial", "cryo_facial"), ("cryofacial", "cryo_facial"),
    ("Cryo-Facial", "cryo_facial"), ("cryotherapy facial", "cryo_facial"),
    ("cryomassage", "ln2_cryomassage"), ("cryo massage", "ln2_cryomassage"),
    ("nitrogen cryomassage of the face", "ln2_cryomassage"), ("cryolifting", "ln2_cryomassage"),
    ("cryosauna", "cryosauna"), ("cryosuana", "cryosauna"), ("cryo chamber", "cryosauna"),
    ("whole body cryotherapy", "cryosauna"), ("WBC session", "cryosauna"),
    ("cold air on the knee", "cold_air_local"), ("cold-air cryotherapy", "cold_air_local"),
    ("local cold air", "cold_air_local"), ("nitrogen vapour on the back", "nitrogen_vapour_local"),
    ("localized cryotherapy", "nitrogen_vapour_local"), ("coolsculpting", "cryolipolysis"),
    ("fat freezing on the belly", "cryolipolysis"), ("cryolipolisis", "cryolipolysis"),
    ("wart freezing", "cryodestruction"), ("cryo electrophoresis", "cryoelectrophoresis"),
]


def _compact(readings: tuple[Reading, ...]) -> str:
    parts = []
    for reading in readings:
        if reading.negated:
            continue
        if reading.code is None:
            parts.append("?")
            continue
        part = reading.code + (f":{reading.site}" if reading.site else "")
        part += ":past" if reading.past else ""
        if reading.days_ago is not None:
            part += f":days={reading.days_ago:g}"
        parts.append(part)
    return ",".join(parts) or "-"


def test_the_table_covers_every_kind_of_phrasing() -> None:
    assert len(PHRASINGS) + len(MODALITY_PHRASINGS) >= 150
    expected = " ".join(e for _, e in PHRASINGS)
    for kind in (":past", ":days=", ":face", ":legs", "?", ","):
        assert kind in expected
    assert any(e == "-" for _, e in PHRASINGS)


@pytest.mark.parametrize(("text", "expected"), PHRASINGS)
def test_each_phrasing_reads_as_expected(text: str, expected: str) -> None:
    assert _compact(read_line(text)) == expected


@pytest.mark.parametrize(("text", "expected"), MODALITY_PHRASINGS)
def test_modality_names_and_synonyms(text: str, expected: str) -> None:
    assert read_modality(text) == expected
    assert screen({}, text).modality == expected


def test_every_phrasing_screens_for_every_modality_and_what_is_unclear_is_named() -> None:
    kb = load()
    strict = set(TREATMENTS[:TREATMENTS.index("clearance") + 1])
    for text, expected in PHRASINGS:
        for modality in kb.modalities.values():
            decision = screen({"conditions": [text]}, modality.code)
            if "?" in expected.split(","):
                unclear = [f for f in decision.findings if f.code == "unclear_item"]
                assert unclear and any(text in f.name for f in unclear), (text, modality.code)
                assert decision.treatment in strict and decision.referral != "none"


def test_qualified_names_never_mean_the_severe_form() -> None:
    """Item 4: plain names are the plain condition; the severe form needs the intake to say."""
    plain = {"hypothyroidism": "hypothyroidism", "anaemia": "anaemia", "cancer": "cancer",
             "kidney disease": "kidney_disease", "asthma": "asthma",
             "depression": "mental_disorder"}
    for name, code in plain.items():
        assert _compact(read_line(name)) == code
        chamber = screen({"conditions": [name], "weight_kg": 70}, "cryosauna")
        assert chamber.treatment not in ("refuse",), name
        facial = screen({"conditions": [name]}, "cryo_facial")
        assert facial.treatment in ("proceed", "modify"), name


def test_several_items_in_one_line_are_all_screened() -> None:
    decision = screen({"conditions": ["earrings and a necklace; cold sore since yesterday"]},
                      "ln2_cryomassage")
    assert {"metal_jewellery", "herpes"} <= set(decision.finding_codes)
    assert decision.treatment == "defer"


def test_time_decides_for_procedures_with_a_wait() -> None:
    assert screen({"conditions": ["botox 3 days ago"]}, "ln2_cryomassage").treatment == "defer"
    past = screen({"conditions": ["botox three weeks ago"]}, "ln2_cryomassage")
    assert past.treatment == "proceed"
    assert past.findings[0].code == "botulinum_toxin" and not past.findings[0].drives
    assert "look at the area" in past.findings[0].action


# --------------------------------------------------------------------------- property test

WORDS = st.sampled_from([
    "cold", "sore", "on", "the", "chin", "treated", "untreated", "no", "and", ",", ";", "/",
    "2", "days", "ago", "yesterday", "warfarin", "botox", "migraine", "eczema", "severe",
    "left", "knee", "asthma", "none", "pregnant", "?", "(", ")", "-", "épilepsie", "🙂",
    "\n", "  ", "for", "six", "years", "mole", "changing", "x" * 60, "0", "-5", "1e999",
])
TEXT = st.one_of(st.text(max_size=40), st.lists(WORDS, max_size=12).map(" ".join))
VALUE = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                  st.floats(allow_nan=True, allow_infinity=True), TEXT)
CONDITIONS = st.one_of(
    VALUE, st.lists(st.one_of(TEXT, st.integers(), st.none()), max_size=5),
    st.dictionaries(TEXT, st.one_of(st.none(), TEXT, st.lists(TEXT, max_size=3)), max_size=4))
FIELDS = ["age", "weight_kg", "pregnant", "systolic_bp", "diastolic_bp", "bp_controlled",
          "guardian_consent", "site", "skin_wet", "sun_exposure_planned", "request", "lesion"]
INTAKE = st.fixed_dictionaries({}, optional={"conditions": CONDITIONS,
                                             **{name: VALUE for name in FIELDS}})
MODALITY = st.sampled_from([*load().modalities, "cryo facial", "cold air on the knee",
                            "cryosuana", "Cryomassage"])


# Derandomized and without a saved example database: the same examples every run, a few
# seconds in all, nothing written beside the tests.
QUICK = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(intake=INTAKE, modality=MODALITY)
def test_no_intake_a_person_could_write_raises(intake: dict, modality: str) -> None:
    decision = screen(intake, modality)
    assert decision.treatment in TREATMENTS
    form = Intake.from_mapping(intake)
    for item in form.unclear:
        assert any(item in f.name for f in decision.findings)
    if form.unclear:
        assert decision.treatment in ("refuse", "clearance", "defer")


@settings(QUICK, max_examples=15)
@given(request=TEXT, modality=st.sampled_from(list(load().modalities)))
def test_the_screening_form_never_fails_on_what_is_typed(request: str, modality: str) -> None:
    from course.views.screening import ScreeningWidget, intake_card

    widget = ScreeningWidget(modality)
    widget.request.value = request
    assert widget.decision is not None
    assert intake_card({"conditions": [request], "request": request}, modality)
