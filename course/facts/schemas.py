"""The declared schema of every data file in ``course/data/`` (read by ``course.facts.reader``).

Each field says its kind, whether it may be left out, its unit (every number has one), the
codes it may take and, for ``sources`` fields, that each code must be in ``sources.toml``.
The allowed codes are declared here once; the loaders import them from here. A test reads
every data file through its schema, so a field that is misspelt, of the wrong kind or not
declared stops the course loading with the file and the entry named.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from course.facts.reader import (
    ANY_FIELD,
    FLAG_FIELD,
    SOURCES_FIELD,
    TEXT,
    Field,
    FileSchema,
    choice,
    integer,
    mapping,
    number,
    pair,
    schema,
    table,
    tables,
    text,
    texts,
)

# --------------------------------------------------------------------------- allowed codes

TREATMENTS: tuple[str, ...] = ("refuse", "clearance", "defer", "modify", "proceed")
"""Treatment-today decisions, most restrictive first (their meanings: decisions.toml)."""
DECISION_PARTS: tuple[str, ...] = ("treatment", "referral")
"""The two parts of a screening decision (a case's alternative answer is for one of them)."""
SCOPES: tuple[str, ...] = ("systemic", "local")
EVIDENCE_LEVELS: tuple[str, ...] = ("supported", "weak", "unsupported", "marketing")
MAX_BASIS_KINDS: tuple[str, ...] = ("seed", "published", "model", "none")
PERFORMERS: tuple[str, ...] = ("cosmetologist", "physician")
SIDE_EFFECT_KINDS: tuple[str, ...] = ("normal", "stop_and_report")
SOURCE_KINDS: tuple[str, ...] = ("seed", "published", "vendor", "course")
"""seed: a salon article; published: a paper, a standard or official advice; vendor: what
equipment vendors or facilities do (manuals, pages), not published evidence; course: the
course's own rule, named as such, never passed off as evidence."""
TRIGGER_OPERATORS: tuple[str, ...] = ("below", "above", "equals", "contains_any")
LIMIT_KINDS: tuple[str, ...] = ("session", "area", "spot", "cold_chamber", "other")
"""What a time limit counts: one whole session, one area, one spot, a session in a chamber at
or below ``at_or_below_c``, or something the course shows but does not check ("other")."""

BASES: tuple[str, ...] = ("measured", "calibrated", "illustrative")
QUANTITIES: tuple[str, ...] = ("drop_at_end", "surface_at_end", "rewarm_s", "numb_after_s",
                               "min_surface", "thaw_s", "time_of_min_s")
ROLES: tuple[str, ...] = ("calibration", "check")
BODY_SITES: tuple[str, ...] = ("face", "body")

STATUSES: tuple[str, ...] = ("law", "published", "standard", "course", "vendor")
TOPICS: tuple[str, ...] = ("infection", "oxygen", "flask", "emergency", "consent",
                           "preparation", "records")
RECORDS: tuple[str, ...] = ("session", "incident")

CATEGORIES: tuple[str, ...] = ("knowledge", "screening", "preparation", "treatment",
                               "aftercare", "safety", "records")

_TEXT = text()
_TEXTS = texts()
_OPTIONAL_TEXT = _TEXT.optional
_OPTIONAL_TEXTS = _TEXTS.optional
_OPTIONAL_FLAG = FLAG_FIELD.optional
_OPTIONAL_SOURCES = SOURCES_FIELD.optional
_TREATMENT_MAP = mapping(Field(TEXT, allowed=TREATMENTS, noun="treatment")).optional
_ACTIONS = mapping(_TEXT).optional  # keys: treatments (checked by the loader)
_WORDS_TO = mapping(_TEXT)  # free keys (everyday words, modality codes) to a code
_ANY_TABLE = mapping(ANY_FIELD)

_CODE = text("the entry's code: other files and the package name it by this; never change it")
_NAMED = {"code": _CODE, "name": text("the plain name a trainee reads"),
          "aliases": texts(meaning="other words for it, as a client or a trainee writes "
                           "them").optional}
_TRIGGER = tables({"field": _TEXT, "below": number("of the field").optional,
                   "above": number("of the field").optional,
                   "equals": ANY_FIELD.optional, "contains_any": _OPTIONAL_TEXTS},
                  code_key="field")

# --------------------------------------------------------------------------- the files

SOURCES = schema("sources.toml", "every source the course cites", {
    "source": tables({
        "code": _CODE, "short": _OPTIONAL_TEXT, "title": _TEXT, "kind": choice(SOURCE_KINDS),
        "authors": _OPTIONAL_TEXT, "year": integer("year").optional, "where": _OPTIONAL_TEXT,
        "checked_in_full": _OPTIONAL_FLAG}),
})

MODALITIES = schema("modalities.toml", "the ways of delivering cold, their limits, the sites", {
    "sites": _TEXTS,
    "site_aliases": _WORDS_TO.optional,
    "site_names": mapping(text("the plain name of a site, as a trainee reads it")).optional,
    "site_covers": mapping(_TEXTS).optional,
    "modality": tables({
        **_NAMED, "delivery": _TEXT, "agent": _TEXT,
        "agent_temp_c": pair("°C").optional, "agent_temp_sources": _OPTIONAL_SOURCES,
        "session_s": pair("s").optional, "session_text": _TEXT,
        "max_exposure_s": number("s").optional, "max_scope": _OPTIONAL_TEXT,
        "max_kind": choice(LIMIT_KINDS).optional,
        "max_basis": _TEXT, "max_basis_kind": choice(MAX_BASIS_KINDS),
        "limit": tables({
            "scope": _TEXT, "kind": choice(LIMIT_KINDS),
            "at_or_below_c": number("°C", "a cold_chamber limit: the chamber temperature "
                                    "at or below which it applies").optional,
            "max_s": number("s"), "text": _TEXT, "basis_kind": choice(MAX_BASIS_KINDS),
            "sources": SOURCES_FIELD, "sites": _OPTIONAL_TEXTS}, code_key="scope").optional,
        "sessions": pair("sessions").optional, "sessions_text": _OPTIONAL_TEXT,
        "interval_days": integer("days").optional, "interval_basis": _OPTIONAL_TEXT,
        "performer": choice(PERFORMERS), "performer_basis": _TEXT, "precautions": _TEXTS,
        "expected_result": _TEXT, "evidence_level": choice(EVIDENCE_LEVELS),
        "observation_minutes": integer("min"), "sites": _TEXTS, "whole_body": _OPTIONAL_FLAG,
        "sources": SOURCES_FIELD}),
})

CONDITIONS = schema("conditions.toml", "contraindications and screening conditions", {
    "condition": tables({
        **_NAMED, "treatment": choice(TREATMENTS),
        "overrides": _TREATMENT_MAP, "rationale": _TEXT, "action": _TEXT, "actions": _ACTIONS,
        "sources": SOURCES_FIELD, "scope": choice(SCOPES).optional, "sites": _OPTIONAL_TEXTS,
        "referral": _OPTIONAL_TEXT, "referral_reason": _OPTIONAL_TEXT, "note": _OPTIONAL_TEXT,
        "conflict": _OPTIONAL_TEXT, "clearance_by": _OPTIONAL_TEXTS,
        "site_treatments": _TREATMENT_MAP, "forms": _WORDS_TO.optional,
        "wait_days": integer("days").optional}),
})

CARE = schema("care.toml", "aftercare instructions and side effects", {
    "aftercare": tables({"code": _CODE, "name": _TEXT, "text": _TEXT,
                         "sources": SOURCES_FIELD}),
    "side_effect": tables({**_NAMED,
                           "kind": choice(SIDE_EFFECT_KINDS), "action": _TEXT,
                           "sources": SOURCES_FIELD, "refer_to": _OPTIONAL_TEXT}),
})

CLAIMS = schema("claims.toml", "the seeds' claims and what the evidence says", {
    "claim": tables({**_NAMED,
                     "evidence_level": choice(EVIDENCE_LEVELS), "evidence": _TEXT,
                     "sources": SOURCES_FIELD}),
})

CONFLICTS = schema("conflicts.toml", "disagreements between sources and the course's rule", {
    "conflict": tables({
        "code": _CODE, "number": integer("ordinal"), "title": _TEXT,
        "position": tables({"text": _TEXT, "sources": SOURCES_FIELD}, code_key="text"),
        "rule": _TEXT, "why": _TEXT, "sources": SOURCES_FIELD}),
})

RULES = schema("rules.toml", "screening rules that read intake numbers and facts", {
    "rule": tables({
        "code": _CODE, "name": _TEXT, "when": _TRIGGER, "treatment": choice(TREATMENTS).optional,
        "overrides": _TREATMENT_MAP, "modalities": _OPTIONAL_TEXTS,
        "as_condition": _OPTIONAL_TEXT, "unless_conditions": _OPTIONAL_TEXTS,
        "unless": _TRIGGER.optional, "rationale": _OPTIONAL_TEXT, "action": _OPTIONAL_TEXT,
        "actions": _ACTIONS, "referral": _OPTIONAL_TEXT,
        "referral_overrides": _WORDS_TO.optional, "referral_reason": _OPTIONAL_TEXT,
        "note": _OPTIONAL_TEXT, "conflict": _OPTIONAL_TEXT, "sources": _OPTIONAL_SOURCES,
        "no_referral_with": _OPTIONAL_TEXTS, "aliases": _OPTIONAL_TEXTS}),
})

_WORD = tables({**_NAMED, "meaning": _TEXT,
                "sources": _OPTIONAL_SOURCES})
DECISIONS = schema("decisions.toml", "the words of a decision: treatments and referrals", {
    "treatment": _WORD, "referral": _WORD,
})

REQUESTS = schema("requests.toml", "what clients ask for", {
    "unmatched": _TEXT,
    "intent": tables({"code": _CODE, "name": _TEXT, "explanation": _TEXT,
                      "phrases": _OPTIONAL_TEXTS, "sources": SOURCES_FIELD}),
})

_BASIS = choice(BASES)
_CALIBRATION = text("a measurement row's code").optional
PHYSIOLOGY = schema("physiology.toml", "the cold-response model's facts", {
    "band": tables({"code": _CODE, "temp_c": number("°C"), "meaning": _TEXT,
                    "sources": SOURCES_FIELD}),
    "parameter": tables({"code": _CODE, "value": number("as `unit` says"), "unit": _TEXT,
                         "meaning": _TEXT, "basis": _BASIS, "sources": SOURCES_FIELD,
                         "calibration": _CALIBRATION}),
    "tissue": tables({"code": _CODE, "name": _TEXT, "skin_mm": number("mm"),
                      "fat_mm": number("mm"), "muscle_mm": number("mm"),
                      "room_c": number("°C"), "rest_surface_c": number("°C").optional,
                      "basis": _BASIS, "note": _TEXT, "sources": SOURCES_FIELD}),
    "heat_transfer": tables({"code": _CODE, "name": _TEXT, "h_w_m2k": number("W/m²·K"),
                             "basis": _BASIS, "calibration": _CALIBRATION,
                             "sources": SOURCES_FIELD}),
    "preset": tables({
        "code": _CODE, "label": _TEXT, "modality": _OPTIONAL_TEXT, "tissue": _TEXT,
        "agent_temp_c": number("°C"), "heat_transfer": _TEXT, "spot": _OPTIONAL_TEXT,
        "duration_s": number("s"), "touches": pair("s").optional, "movable": _OPTIONAL_FLAG,
        "site": choice(BODY_SITES).optional, "basis": _BASIS, "note": _TEXT,
        "caveat": _TEXT, "checked_against": _OPTIONAL_TEXTS, "sources": SOURCES_FIELD}),
    "rewarming_after_whole_body": table({"text": _TEXT, "sources": SOURCES_FIELD}),
    "measurement": tables({
        "code": _CODE, "condition": _TEXT, "site": _TEXT, "published": _TEXT,
        "quantity": choice(QUANTITIES), "low": number("°C or s, as `quantity` says"),
        "high": number("°C or s, as `quantity` says").optional, "role": choice(ROLES),
        "run": table({"tissue": _TEXT, "agent_temp_c": number("°C"), "heat_transfer": _TEXT,
                      "duration_s": number("s"), "spot": _OPTIONAL_FLAG,
                      "observe_s": number("s").optional}),
        "limit": _OPTIONAL_TEXT, "sources": SOURCES_FIELD}),
})

_STATUS = choice(STATUSES)
SAFETY = schema("safety.toml", "lesson 07's facts of safe practice", {
    "oxygen": table({
        "fresh_percent": number("% oxygen"), "fresh_sources": SOURCES_FIELD,
        **{f"{name}_{part}": spec for name, unit in (("deficiency", "% oxygen"),
                                                      ("evacuate", "% oxygen"),
                                                      ("expansion", "litres of gas per litre "
                                                       "of liquid"))
           for part, spec in (("text", _TEXT), ("status", _STATUS),
                              ("sources", SOURCES_FIELD))},
        "deficiency_percent": number("% oxygen"), "evacuate_percent": number("% oxygen"),
        "expansion_ratio": number("litres of gas per litre of liquid")}),
    "oxygen_level": tables({"below_percent": number("% oxygen"),
                            "down_to_percent": number("% oxygen"), "effect": _TEXT,
                            "sources": SOURCES_FIELD}, code_key="below_percent"),
    "seed_claim": tables({"code": _CODE, "quote": _TEXT, "seed": text("a seed's code"),
                          "verdict": _TEXT, "sources": SOURCES_FIELD}),
    "rule": tables({"code": _CODE, "topic": choice(TOPICS), "name": _TEXT, "text": _TEXT,
                    "status": _STATUS, "sources": SOURCES_FIELD}),
    "record_field": tables({"code": _CODE, "record": choice(RECORDS), "name": _TEXT,
                            "text": _TEXT, "sources": SOURCES_FIELD}),
    "step": tables({**_NAMED, "never": _OPTIONAL_FLAG,
                    "why_never": _OPTIONAL_TEXT}),
    "emergency": tables({"code": _CODE, "name": _TEXT, "steps": _TEXTS, "critical": _TEXTS,
                         "call_emergency_when": _TEXT, "also_right": _OPTIONAL_TEXTS,
                         "also_right_why": _OPTIONAL_TEXT, "status": _STATUS,
                         "sources": SOURCES_FIELD}),
})

COMPETENCIES = schema("competencies.toml", "the competency map: units, criteria, evidence", {
    "policy": table({"basis": choice(("course",)), "modelled_on": SOURCES_FIELD,
                     "min_sessions_note": _TEXT, "occasions": integer("days").optional,
                     "occasions_note": _OPTIONAL_TEXT, "range_note": _OPTIONAL_TEXT,
                     "expiry_note": _OPTIONAL_TEXT}),
    "range": tables({"code": _CODE, "text": _TEXT, "from_log": _OPTIONAL_FLAG,
                     "values": _OPTIONAL_TEXTS}),
    "certificate": tables({"code": _CODE, "text": _TEXT, "sources": SOURCES_FIELD,
                           "not_required_note": _OPTIONAL_TEXT,
                           "not_required_sources": _OPTIONAL_SOURCES}),
    "criterion": tables({"code": _CODE, "category": choice(CATEGORIES), "text": _TEXT,
                         "observed": FLAG_FIELD, "emergency": _OPTIONAL_TEXT,
                         "occasions": integer("days").optional,
                         "in_session": _OPTIONAL_FLAG, "oxygen_readings": _OPTIONAL_TEXTS,
                         "rules": _OPTIONAL_TEXTS, "basis": _OPTIONAL_TEXT,
                         "basis_note": _OPTIONAL_TEXT, "sources": _OPTIONAL_SOURCES}),
    "unit": tables({"code": _CODE, "modality": _TEXT, "criteria": _TEXTS,
                    "min_sessions": integer("sessions"),
                    "range": mapping(integer("values")).optional,
                    "items": mapping(_TEXTS).optional, "certificates": _OPTIONAL_TEXTS}),
})

_SHARE = number("share of clients, 0 to 1")
_SPREAD = table({"mean": number("as the field"), "sd": number("as the field"),
                 "low": number("as the field"), "high": number("as the field")})
CASES = schema("cases.toml", "lesson 05's screening cases and the practice clients' mix", {
    "case": tables({
        "id": _TEXT, "vignette": _TEXT, "modality": _TEXT,
        "intake": _ANY_TABLE.optional, "treatment": choice(TREATMENTS),
        "referral": _OPTIONAL_TEXT, "findings": _OPTIONAL_TEXTS,
        "assessment": _OPTIONAL_FLAG, "must_not_miss": _OPTIONAL_TEXTS,
        "conflicts": _OPTIONAL_TEXTS, "optional_findings": _OPTIONAL_TEXTS,
        "finding_alternatives": mapping(_TEXTS).optional,
        "alternatives": tables({"part": choice(DECISION_PARTS),
                                "answer": _TEXT, "credit": number("share of the part"),
                                "reason": _TEXT}, code_key="part").optional},
        code_key="id"),
    "scoring": table({"treatment": number("share of a case"), "referral": number(
        "share of a case"), "findings": number("share of a case"),
        "other_doctor_credit": number("share of the referral part")}),
    "practice": table({
        "women": _TEXTS, "men": _TEXTS, "share_women": _SHARE, "age": pair("years"),
        "weight_kg": _SPREAD, "systolic_bp": _SPREAD, "diastolic_bp": _SPREAD,
        "modalities": mapping(number("relative weight")),
        "conditions": mapping(_SHARE), "pregnant": _SHARE, "skin_wet": _SHARE,
        "sun_exposure_planned": _SHARE, "bp_not_controlled": _SHARE,
        "lesion": mapping(_SHARE), "requests": mapping(_SHARE),
        "elsewhere": number("share of local conditions placed away from the treated site")}),
})

VARIANTS = schema("variants.toml", "the blueprint, templates and wording of lesson 05's "
                  "variants", {
    "blueprint": _ANY_TABLE, "template": _ANY_TABLE, "wording": _WORDS_TO,
    "numbers": mapping(pair("as the field")),
})

INTAKE = schema("intake.toml", "the words the intake reader knows", {
    "separators": _TEXTS, "fillers": _TEXTS, "place_words": _TEXTS, "place_fillers": _TEXTS,
    "never_guess": _TEXTS, "qualifiers": mapping(_TEXTS),
    "reasons": table({"words": _TEXTS}),
    "cold_reaction": table({"becomes": _TEXT, "cold": _TEXTS, "reaction": _TEXTS}),
    "combination": tables({"with": _TEXTS, "sites": _TEXTS, "replace": _TEXT,
                           "becomes": _TEXT}, code_key="becomes"),
    "negation": table({"whole": _TEXTS, "leading": _TEXTS, "uncertain": _TEXTS,
                       "trailing": _TEXTS, "affirmed": _TEXTS, "family": _TEXTS,
                       "own": _TEXTS, "same_for_client": _TEXTS}),
    "lesion_words": mapping(_TEXTS), "time_units": mapping(number("days")),
    "time_words": mapping(number("days ago")), "number_words": mapping(number("count")),
})

SCHEMAS: Mapping[str, FileSchema] = MappingProxyType({
    item.file: item for item in (
        SOURCES, MODALITIES, CONDITIONS, CARE, CLAIMS, CONFLICTS, RULES, DECISIONS, REQUESTS,
        PHYSIOLOGY, SAFETY, COMPETENCIES, CASES, VARIANTS, INTAKE)
})
"""Every data file's schema, by file name."""
