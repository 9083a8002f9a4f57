"""Assessment 05, screening cases: one question per client of the trainee's own variant.

Each case is answered with three plain values in one cell: ``caseNN_treatment = "defer"``
(treatment today), ``caseNN_referral = "gp"`` (or ``"none"``) and
``caseNN_findings = ["bp_above_limit"]``, and marked by ``course.models.cases.score_screening``
(weights in cases.toml ``[scoring]``; a missed must-not-miss finding makes the case 0).
A case's declared alternatives earn their credit (for an authored lesson-04 case they are
also the item's accepted answers). The marking notes say which part was right and which was
wrong or missing; the item's reason (``reference_explanation``) is the client's reference
answer with its reasons and every accepted alternative, shown by the feedback where the
assignment shows the course's answers. The helpers here (answer kinds, the screening item)
are also used by lesson 04.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import cast

from course.exercises import REFERRAL, TREATMENT
from course.exercises.reasons import first_sentence, referral_phrase
from course.facts.knowledge import NO_REFERRAL, TREATMENTS, load, spellings
from course.models.cases import Case, case_from_intake, score_screening, scoring_weights
from course.models.screening import finding_names, screen
from course.models.variants import ASSESSMENT, SELF_STUDY_KEY, Variant, blueprint, draw, my_variant
from course.questions.kinds import AcceptedAnswer, Answers, Item, Names, Score, Status, Wrong

__all__ = ["CASE_POINTS", "FINDINGS", "REFERRAL", "TREATMENT", "case_from_intake",
           "client_model_answer", "own_client_scheme", "screening_item"]

CASE_POINTS = 4


@functools.cache
def finding_spellings() -> dict[str, str]:
    """Every accepted spelling of every finding (code, name, aliases) -> its code."""
    kb = load()
    found = spellings(kb.conditions)
    for code, rule in kb.rules.items():
        if not rule.as_condition:
            found.setdefault(code, code)
            found.setdefault(rule.name, code)
    return found


FINDINGS = Names(finding_spellings, "finding")


def answer_names(prefix: str) -> tuple[str, str, str]:
    """The three answer variables of a screening question: treatment, referral, findings."""
    return f"{prefix}_treatment", f"{prefix}_referral", f"{prefix}_findings"


def screening_scorer(reference: Callable[[], Case], prefix: str
                     ) -> Callable[[Answers, Answers], Score]:
    """A scorer that marks normalised answers with ``score_screening`` (partial credit)."""
    treatment, referral, findings = answer_names(prefix)

    def scorer(given: Answers, expected: Answers) -> Score:
        # the answers are already normalised by their kinds: two codes and a tuple of codes
        result = score_screening(reference(), cast(str, given[treatment]),
                                 cast(str, given[referral]),
                                 cast(Iterable[str], given[findings]))
        notes = (result.explanation,)
        if result.fraction == 1:
            return Score(1.0, Status.CORRECT, notes)
        status = Status.PARTLY_CORRECT if result.fraction > 0 else Status.INCORRECT
        return Score(result.fraction, status, notes)

    return scorer


def reference_explanation(item: Case) -> str:
    """The client's reference answer and its reasons, in plain words (the item's reason in
    the feedback), with every other answer the case accepts and its credit."""
    decision = screen(item.intake, item.modality)
    reasons = [f"{f.name}: {(f.action or f.treatment).rstrip('.')}" for f in decision.findings
               if f.code in item.findings]
    because = (" Because: " + "; ".join(reasons) + ".") if reasons else (
        " Nothing on the form changes the treatment.")
    text = f"This client: {item.treatment} today, {referral_phrase(item.referral)}.{because}"
    if item.must_not_miss:
        names = finding_names()
        text += (" Must not be missed: " + "; ".join(names[c] for c in item.must_not_miss)
                 + ".")
    for alternative in item.alternatives:
        part = "treatment today" if alternative.part == "treatment" else "referral"
        credit = ("is right too" if alternative.credit == 1
                  else f"earns {alternative.credit:.0%} of that part")
        text += f" For the {part}, '{alternative.answer}' {credit}: {alternative.reason}"
    return text


# How the model answer of a written explanation opens, by the client's treatment today.
CLIENT_OPENINGS = {
    "refuse": "I'm sorry, I can't offer you {treatment}.",
    "clearance": "I can't do {treatment} for you until a doctor has given us a written OK.",
    "defer": "Let's not do {treatment} today; we'll book you again once this has passed.",
    "modify": "We can do {treatment} today, with a change.",
    "proceed": "We can go ahead with {treatment} today as planned.",
}


# Whom the client is asked to see, in words said to her (other referral codes: their name).
CLIENT_REFERRALS = {
    "gp": "your GP", "dermatologist": "a dermatologist (a skin doctor)",
    "specialist": "the specialist who treats you", "physician": "a physician who does it",
}


def client_model_answer(item: Case) -> str:
    """A model answer to the client of ``item``, from the course's data: what happens today,
    why (the first sentence of each finding that decides it, and what to change or whose OK),
    and whom to see and why."""
    decision = screen(item.intake, item.modality)
    kb = load()
    treatment = kb.modalities[item.modality].name.split(" (")[0].lower()
    found = [f for f in decision.findings if f.code in item.findings]
    deciding = [f for f in found if f.treatment == item.treatment] or found
    words = [CLIENT_OPENINGS[item.treatment].format(treatment=treatment)]
    words += [first_sentence(f.explanation) for f in deciding if f.explanation]
    if item.treatment != "proceed":
        words += [first_sentence(f.action) for f in deciding if f.action]
    if item.referral == NO_REFERRAL:
        words.append("You don't need to see a doctor about this.")
    else:
        why = next((f.referral_reason for f in found
                    if f.referral == item.referral and f.referral_reason), "")
        who = CLIENT_REFERRALS.get(item.referral, kb.referrals[item.referral].name)
        said = f": {why[0].lower()}{why[1:].rstrip('.')}." if why else "."
        words.append(f"Please see {who} about it{said}")
    return '"' + " ".join(dict.fromkeys(words)) + '"'


def explanation_client(grade_id: str) -> int | None:
    """The client number of an assessment-05 explanation item ("cases_client08_explain_to_
    client" -> 8), else None."""
    head, _, tail = grade_id.partition("_explain_to_client")
    return client_number(head) if tail == "" and head != grade_id else None


def own_client_scheme(grade_id: str) -> str | None:
    """For an assessment-05 explanation item, the active variant's client (the submitter's,
    in the marker) with the model answer that fits it and its reference; else None."""
    number = explanation_client(grade_id)
    if number is None or number > client_count():
        return None
    item = my_variant(ASSESSMENT).case(number)
    return (f"**This trainee's client {number}.** {item.vignette}\n\n"
            f"**Reference:** {item.treatment} today, {referral_phrase(item.referral)}.\n\n"
            f"**Model answer for this client** (built from the course's rules; any plain, "
            f"kind wording that says the same earns the points): {client_model_answer(item)}")


def reference_answers(item: Case, prefix: str) -> dict[str, object]:
    """The reference answer of a case as the three answer variables."""
    treatment, referral, findings = answer_names(prefix)
    return {treatment: item.treatment, referral: item.referral, findings: list(item.findings)}


def accepted_answers(item: Case, prefix: str) -> tuple[AcceptedAnswer, ...]:
    """Each declared alternative as a full answer (the rest as the reference) and its credit."""
    weights = scoring_weights()
    accepted = []
    for alternative in item.alternatives:
        answers = {**reference_answers(item, prefix),
                   f"{prefix}_{alternative.part}": alternative.answer}
        fraction = round(1 - weights[alternative.part] * (1 - alternative.credit), 6)
        accepted.append(AcceptedAnswer(answers, fraction, alternative.reason))
    return tuple(accepted)


def screening_item(item_id: str, reference: Callable[[], Case], prefix: str, points: float,
                   wrong: tuple[Wrong, ...] = (), accepted_from_reference: bool = True,
                   **extra: object) -> Item:
    """A question answered by ``<prefix>_treatment``, ``_referral`` and ``_findings``.

    ``accepted_from_reference=False`` for a reference that changes with the variant: its
    declared alternatives are then scored by ``score_screening`` alone."""
    treatment, referral, findings = answer_names(prefix)
    return Item(
        id=item_id,
        answers={treatment: TREATMENT, referral: REFERRAL, findings: FINDINGS},
        expected=lambda: reference_answers(reference(), prefix),
        points=points,
        scorer=screening_scorer(reference, prefix),
        wrong=wrong,
        accepted=accepted_answers(reference(), prefix) if accepted_from_reference else (),
        explanation=lambda: reference_explanation(reference()),
        **extra,  # type: ignore[arg-type]
    )


# Assessment 05 gives every trainee their own clients (course.models.variants): the item of client
# ``n`` marks the answer against the n-th client of the active variant (the trainee's own
# in the kernel, the submitter's in the trusted marker). Item id: f"cases_client{n:02d}".
WRONG_TREATMENT_FRACTION = 0.6  # treatment part (0.4) lost, the rest right
WRONG_REFERRAL_FRACTION = 0.8  # referral part (0.2) lost: "none" for a doctor, or the reverse
# Findings that are not in a client, tried in order, for the "one extra wrong finding" example.
DISTRACTORS = ("migraine", "epilepsy", "acne", "sunburn", "open_wound")


def client_count() -> int:
    """How many clients every variant of assessment 05 has."""
    return len(blueprint(ASSESSMENT).slots)


def case_item_id(number: int) -> str:
    """The item id (and grade_id) of client ``number`` of assessment 05."""
    return f"cases_client{number:02d}"


def client_number(item_id: str) -> int | None:
    """The client number of an assessment-05 item id ("cases_client03" -> 3), else None."""
    digits = item_id.removeprefix("cases_client")
    return int(digits) if digits != item_id and digits.isdigit() else None


def case_prefix(number: int) -> str:
    """The answer-variable prefix of the case at ``number`` (1-based): "case01"."""
    return f"case{number:02d}"


def _declared(item: Case, part: str) -> set[str]:
    return {getattr(item, part)} | {a.answer for a in item.alternatives if a.part == part}


def _other(options: Iterable[str], taken: set[str], first_choice: str) -> str:
    """An answer that is neither the reference nor a declared alternative."""
    return first_choice if first_choice not in taken else next(
        option for option in options if option not in taken)


def wrong_examples(reference: Case, prefix: str, distractor: str | None = None,
                   extra_fraction: float | None = None) -> tuple[Wrong, ...]:
    """Typical mistakes with the fraction each earns (a must-not-miss miss comes first).

    Without a ``distractor`` the first of DISTRACTORS that is not in the case is used, and
    ``extra_fraction`` is worked out from the scoring weights.
    """
    treatment, referral, findings = answer_names(prefix)
    right = reference_answers(reference, prefix)
    other_treatment = _other(TREATMENTS, _declared(reference, "treatment"),
                             "proceed" if reference.treatment != "proceed" else "refuse")
    wrong_treatment = Wrong({**right, treatment: other_treatment}, WRONG_TREATMENT_FRACTION)
    other_referral = "gp" if reference.referral == NO_REFERRAL else NO_REFERRAL
    referrals = _declared(reference, "referral")
    wrong_referral = (Wrong({**right, referral: other_referral}, WRONG_REFERRAL_FRACTION)
                      if other_referral not in referrals else None)
    if distractor is None:
        present = {*reference.findings, *reference.optional_findings}
        distractor = next(code for code in DISTRACTORS if code not in present)
    if extra_fraction is None:
        required = len(reference.findings)
        weights = scoring_weights()
        share = max(0.0, (required - 1) / required) if required else 0.0
        extra_fraction = round(1 - weights["findings"] * (1 - share), 6)
    extra = Wrong({**right, findings: [*reference.findings, distractor]}, extra_fraction)
    if reference.must_not_miss:
        kept = [code for code in reference.findings if code not in reference.must_not_miss]
        missed = Wrong({**right, findings: kept}, 0.0)
        chosen: tuple[Wrong | None, ...] = (missed, wrong_treatment, wrong_referral, extra)
    else:
        chosen = (extra, wrong_referral, wrong_treatment)
    return tuple(wrong for wrong in chosen if wrong is not None)


def _client_item(number: int) -> Item:
    # The known-wrong examples are those of the self-study set (what a kernel without a key
    # marks); variant_examples gives them for any variant. No accepted answers on the item:
    # another variant's alternative must never earn credit; score_screening applies the
    # alternatives of the trainee's own client.
    prefix = case_prefix(number)
    return screening_item(case_item_id(number), lambda: my_variant(ASSESSMENT).case(number),
                          prefix, CASE_POINTS, accepted_from_reference=False,
                          wrong=wrong_examples(draw(ASSESSMENT, SELF_STUDY_KEY).case(number),
                                               prefix))


@functools.cache
def assessment_items() -> tuple[Item, ...]:
    """The items of assessment 05, in notebook order (built on first use, not at import)."""
    return tuple(_client_item(number) for number in range(1, client_count() + 1))


def variant_examples(variant: Variant) -> dict[str, tuple[tuple[Wrong, ...],
                                                          tuple[AcceptedAnswer, ...]]]:
    """Per item of a variant: its known-wrong answers and its declared alternatives."""
    examples = {}
    for client in variant.clients:
        prefix = case_prefix(client.number)
        examples[case_item_id(client.number)] = (wrong_examples(client.case, prefix),
                                                 accepted_answers(client.case, prefix))
    return examples


def variant_reference(variant: Variant) -> dict[str, dict[str, object]]:
    """Per item of a variant: the reference answer as the three answer variables."""
    return {case_item_id(c.number): reference_answers(c.case, case_prefix(c.number))
            for c in variant.clients}


def __getattr__(name: str) -> object:
    """``ITEMS`` is read by course.exercises; building it reads the case bank, so it is lazy."""
    if name == "ITEMS":
        return assessment_items()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
