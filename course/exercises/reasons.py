"""Plain-language reasons for the course's answers, worded from the knowledge base.

Each question's ``explanation`` (what the feedback shows as the reason for the course's
answer) is built from these when it is read, so a limit, a rule or a source is never typed
twice: change the data and the reason follows.
"""

from __future__ import annotations

from collections.abc import Iterable

from course.facts.knowledge import NO_REFERRAL, Condition, Rule, load, source_label


def first_sentence(text: str) -> str:
    """The first sentence of a data text, with its full stop."""
    head, dot, _rest = text.partition(". ")
    return head + "." if dot else text


def treatment_headline(code: str) -> str:
    """What a treatment word means, in a few words ("not today" for defer)."""
    meaning = first_sentence(load().treatments[code].meaning).rstrip(".")
    headline = meaning.split(":")[0]
    return headline[0].lower() + headline[1:]


def treatment_phrase(code: str) -> str:
    """A treatment word, as the answer buttons name it, with its meaning: "'Defer' (not
    today)"."""
    return f"'{load().treatments[code].name}' ({treatment_headline(code)})"


def referral_phrase(code: str, reason: str = "") -> str:
    """The referral part in words: "no referral", or who and why."""
    if code == NO_REFERRAL:
        return "no referral"
    why = f": {reason.rstrip('.')}" if reason else ""
    return f"refer to the {load().referrals[code].name}{why}"


def cited(codes: Iterable[str], most: int = 2) -> str:
    """" (S1; S2)": the short names of the first ``most`` sources, for the end of a sentence
    (the data and docs/clinical-rules.md list them all); a vendor-practice source is always
    named, so a rule that rests on it says so."""
    sources = load().sources
    unique = list(dict.fromkeys(codes))
    shown = unique[:most] + [code for code in unique[most:]
                             if code in sources and sources[code].kind == "vendor"]
    names = list(dict.fromkeys(source_label(code) for code in shown))
    return f" ({'; '.join(names)})" if names else ""


def decision_reason(finding: Condition | Rule, modality: str, referral: bool = False,
                    conflict: bool = False) -> str:
    """Why ``finding`` gives its treatment today for ``modality``: the treatment word and its
    meaning, the rule's reason and its sources; when asked, its referral and the course's rule
    where the sources disagree about it."""
    treatment = finding.treatment_for(modality)
    text = f"{finding.name}: {treatment_phrase(treatment)}. {finding.rationale.rstrip('.')}"
    text += cited(finding.sources) + "."
    if conflict and finding.conflict:
        rule = load().conflicts[finding.conflict].rule
        text += f" Where the sources disagree, the course's rule: {rule}"
    if referral:
        code = (finding.referral_for(modality) if isinstance(finding, Rule)
                else finding.referral)
        said = referral_phrase(code, finding.referral_reason)
        text += f" {said[0].upper()}{said[1:]}."
    return text


def names_of(labels: dict[str, str], codes: Iterable[str]) -> str:
    """Plain names for codes, joined with semicolons (names may contain commas)."""
    return "; ".join(labels.get(code, code) for code in codes)
