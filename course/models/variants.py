"""Per-trainee variants of an assessment: every trainee screens their own clients.

A variant is drawn deterministically from a *variant key*: the same key always gives the same
clients, in the trainee's kernel, in Validate, in the sandboxed autograder and for the
instructor. The key of a trainee is ``trainee_key(salt, trainee)``: the trainee's id and an
HMAC of it under the course's secret salt (kept by the instructor, see
``course.storage.variant_keys``). The kernel only ever holds its own key, so it can draw its
own variant but cannot compute another trainee's. Without a key (self-study, or a lesson
opened outside a class) the *self-study set* is used and the notebook says how to get one.

The blueprint (course/data/variants.toml) lists the slots of a variant: each slot declares
the treatment, the referral and whether a must-not-miss finding is part of every client drawn
for it, and names its templates (authored cases of cases.toml, or generated templates whose
vignettes are written like the authored ones). A variant draws one template per slot, fills
it in (name, age, area, wording) and shuffles the clients. The reference of each client is
the screening engine's decision for its intake (authored cases keep their own reference and
declared alternatives).

Public API: ``blueprint(assignment)``, ``draw(assignment, key)``, ``trainee_key(salt, id)``,
``key_owner(key)``, ``seated(key, seats)``, ``kernel_key()``, ``marking_as(key)``, ``active_key()``,
``my_variant(assignment)``, ``generated_case(template, rng, case_id)``, and
``practice_client(seed)``: lesson 04's practice clients, from the same generator.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import hmac
import json
import os
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.facts.knowledge import NO_REFERRAL, KnowledgeError, packaged_file
from course.models.cases import Case, case, case_from_intake, practice

ASSESSMENT = "05-screening-cases"
KEY_VARIABLE = "CRYOCOURSE_VARIANT_KEY"  # set by the hub for each trainee, and by the grader
KEY_FILE = Path("~/.cryocourse/variant-key")  # the same key on a machine without a hub
SELF_STUDY_KEY = "self-study"
# Sets with no client in common in the same position (the instructor's choice, per class):
# a seat table, released beside the assessment, gives some trainees another draw number.
SEATS_FILE = "variant-seats.json"
SEAT_MARK = "#"
ANY_DOCTOR = "doctor"  # a slot's referral: any referral but "none"

_marking_key: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "cryocourse_variant_key", default=None)


@dataclass(frozen=True)
class Slot:
    """One place in a variant: what every client drawn for it must be, and its templates."""

    id: str
    treatment: str
    referral: str
    must_not_miss: bool
    templates: tuple[str, ...]

    def admits(self, item: Case) -> bool:
        """Whether a client meets this slot's declaration."""
        referral_ok = (item.referral != NO_REFERRAL if self.referral == ANY_DOCTOR
                       else item.referral == self.referral)
        return (item.treatment == self.treatment and referral_ok
                and bool(item.must_not_miss) == self.must_not_miss)


@dataclass(frozen=True)
class Blueprint:
    """What every variant of an assessment has: its slots and the totals they add up to."""

    assignment: str
    title: str
    slots: tuple[Slot, ...]
    totals: Mapping[str, int]


@dataclass(frozen=True)
class VariantCase:
    """One client of a variant: its number, the slot and template it came from, the case."""

    number: int
    slot: str
    template: str
    case: Case

    @property
    def identity(self) -> str:
        """The client as a person: two sets with the same identity show the same client."""
        return f"{self.template}|{self.case.vignette}|{self.case.modality}"


@dataclass(frozen=True)
class Variant:
    """A trainee's clients for one assessment, in the order the notebook shows them."""

    assignment: str
    key: str
    clients: tuple[VariantCase, ...]

    @property
    def trainee(self) -> str:
        """Whose variant this is ("" for the self-study set)."""
        return key_owner(self.key)

    def client(self, number: int) -> VariantCase:
        """The client at ``number`` (1-based, as the notebook numbers them)."""
        return self.clients[number - 1]

    def case(self, number: int) -> Case:
        """The case (with its reference) of client ``number``."""
        return self.client(number).case

    @property
    def fingerprint(self) -> str:
        """A short code that differs between two variants with different clients."""
        text = "\n".join(client.identity for client in self.clients)
        return hashlib.sha256(text.encode()).hexdigest()[:8]


# --------------------------------------------------------------------------- data


def _data() -> Mapping[str, Any]:
    return packaged_file("variants.toml")


@functools.cache
def blueprint(assignment: str = ASSESSMENT) -> Blueprint:
    """The blueprint of an assessment (KnowledgeError for one without variants)."""
    raw = _data()["blueprint"].get(assignment)
    if raw is None:
        raise KnowledgeError(f"variants.toml: no blueprint for {assignment!r}")
    slots = tuple(Slot(s["id"], s["treatment"], s["referral"], bool(s["must_not_miss"]),
                       tuple(s["templates"])) for s in raw["slot"])
    for slot in slots:
        for template in slot.templates:
            if template not in _data()["template"]:
                case(template)  # an authored case, else UnknownNameError names the typo
    return Blueprint(assignment, raw["title"], slots, dict(raw["totals"]))


def has_variants(assignment: str) -> bool:
    """Whether an assignment gives each trainee their own clients."""
    return assignment in _data()["blueprint"]


# --------------------------------------------------------------------------- keys


def trainee_key(salt: str, trainee: str) -> str:
    """The variant key of ``trainee`` under the course's secret ``salt``: "id:hmac"."""
    digest = hmac.new(salt.encode(), trainee.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{trainee}:{digest}"


def key_owner(key: str) -> str:
    """The trainee id a key was made for ("" for the self-study key)."""
    owner, separator, _ = key.rpartition(":")
    return owner if separator else ""


def seated(key: str, seats: Mapping[str, int]) -> str:
    """``key`` with its trainee's draw number from a seat table (``SEATS_FILE``): "id:hmac#3".

    Draw number 0, a trainee not in the table, or a key that has a number already: the key
    is returned as it is, so every key's draw stays what it always was without a table.
    """
    if SEAT_MARK in key:
        return key
    number = seats.get(key_owner(key), 0)
    return f"{key}{SEAT_MARK}{number}" if number else key


def read_seats(path: Path) -> dict[str, int]:
    """A seat table (trainee id -> draw number); empty if absent or unreadable."""
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, int) and v >= 0}


def kernel_key() -> str | None:
    """The key this Python process was given: the environment, else the key file, else None;
    with the draw number of the seat table released beside the notebook, if there is one."""
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        try:
            key = KEY_FILE.expanduser().read_text(encoding="utf-8").strip()
        except OSError:
            return None
    return seated(key, read_seats(Path.cwd() / SEATS_FILE)) if key else None


@contextlib.contextmanager
def marking_as(key: str) -> Iterator[None]:
    """Within this block, the active variant is the one of ``key`` (the marker's context)."""
    token = _marking_key.set(key)
    try:
        yield
    finally:
        _marking_key.reset(token)


def active_key() -> str:
    """The key in force: the marker's, else this kernel's, else the self-study key."""
    return _marking_key.get() or kernel_key() or SELF_STUDY_KEY


def my_variant(assignment: str = ASSESSMENT) -> Variant:
    """The variant of the active key (what the notebook shows and the marker marks)."""
    return draw(assignment, active_key())


# --------------------------------------------------------------------------- drawing


def _seed(assignment: str, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{assignment}\n{key}".encode()).digest()[:8], "big")


@functools.lru_cache(maxsize=256)
def draw(assignment: str, key: str) -> Variant:
    """The variant of ``key`` for ``assignment``: one client per slot, shuffled."""
    rng = random.Random(_seed(assignment, key))
    generated = _data()["template"]
    taken: set[str] = set()  # one first name per client in a set
    chosen = []
    for slot in blueprint(assignment).slots:
        options = [t for t in slot.templates if t in generated or _first_name(t) not in taken]
        template = rng.choice(options)
        if template not in generated:
            taken.add(_first_name(template))
        chosen.append((slot, template))
    rng.shuffle(chosen)
    clients = []
    for number, (slot, template) in enumerate(chosen, 1):
        if template in generated:
            item = generated_case(template, rng, f"{template}-{number:02d}", taken)
            taken.add(item.vignette.split(",")[0])
        else:
            item = case(template)
        clients.append(VariantCase(number, slot.id, template, item))
    return Variant(assignment, key, tuple(clients))


def _first_name(case_id: str) -> str:
    """The first name an authored case's vignette starts with ("Maria, 45, ...")."""
    return case(case_id).vignette.split(",")[0]


def template_ids() -> tuple[str, ...]:
    """The generated templates (the authored ones are the case bank's ids)."""
    return tuple(_data()["template"])


class _Pronouns(dict):
    """Vignette placeholders; an unknown one is an authoring error named in the message."""

    def __missing__(self, key: str) -> str:
        raise KnowledgeError(f"variants.toml: unknown placeholder {{{key}}} in a vignette")


def _words(site: str) -> str:
    return site.replace("_", " ").replace("decollete", "décolleté")


def generated_case(template: str, rng: random.Random, case_id: str,
                   taken_names: frozenset[str] | set[str] = frozenset()) -> Case:
    """A client made from a generated template (the engine's decision is its reference),
    named with a first name not in ``taken_names``."""
    raw = _data()["template"][template]
    form = rng.choice(raw["form"])
    allowed = form.get("modalities", raw["modalities"])
    modality = rng.choice(sorted(allowed))
    site = rng.choice(allowed[modality])
    woman = rng.random() < _names()["share_women"]
    names = _names()["women"] if woman else _names()["men"]
    name = rng.choice([n for n in names if n not in taken_names] or names)
    low, high = raw.get("age", [22, 60])
    intake: dict[str, Any] = {"age": rng.randint(low, high), "site": site}
    numbers = {"weight": 0, "systolic": 0, "diastolic": 0}
    if modality == "cryosauna":
        numbers["weight"] = rng.randint(*_data()["numbers"]["weight_kg"])
        intake["weight_kg"] = numbers["weight"]
    conditions = form.get("conditions", [])
    if form.get("where") == "treated":
        conditions = {code: site for code in conditions}
    if conditions:
        intake["conditions"] = conditions
    for flag in ("skin_wet", "sun_exposure_planned", "bp_controlled", "lesion", "request"):
        if flag in form:
            intake[flag] = form[flag]
    if "systolic" in form:
        numbers["systolic"] = rng.randint(*form["systolic"])
        numbers["diastolic"] = rng.randint(*form["diastolic"])
        intake["systolic_bp"], intake["diastolic_bp"] = numbers["systolic"], numbers["diastolic"]
    pronouns = ({"she": "she", "her": "her", "him": "her", "She": "She", "Her": "Her"}
                if woman else
                {"she": "he", "her": "his", "him": "him", "She": "He", "Her": "His"})
    text = rng.choice(form["vignettes"]).format_map(_Pronouns(
        name=name, age=intake["age"], area=_words(site),
        treatment=_data()["wording"][modality], **pronouns, **numbers))
    item = case_from_intake(case_id, intake, modality, vignette=text)
    declared = tuple(form.get("must_not_miss", ()))
    if declared:
        item = Case(**{**item.__dict__,
                       "must_not_miss": tuple(dict.fromkeys((*item.must_not_miss, *declared)))})
    return item


@functools.cache
def _names() -> dict[str, Any]:
    """The first names and share of women used for generated clients (cases.toml [practice])."""
    practice = packaged_file("cases.toml")["practice"]
    return {key: practice[key] for key in ("women", "men", "share_women")}


TEMPLATE_PRACTICE_SHARE = 2 / 3  # practice clients from the templates; the rest random intakes


def practice_client(seed: int) -> Case:
    """A practice client for lessons 04 and 05 (same seed, same client), from the generator
    the variants use: mostly a generated template (any slot), otherwise a random intake
    (``course.models.cases.practice``: combinations of several conditions and numbers)."""
    rng = random.Random(f"practice:{seed}")
    if rng.random() < TEMPLATE_PRACTICE_SHARE:
        return generated_case(rng.choice(template_ids()), rng, f"practice-{seed}")
    return practice(seed)
