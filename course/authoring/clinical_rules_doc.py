"""The clinical rules reference, docs/clinical-rules.md, generated from the knowledge base.

It is the one document a clinical reviewer reads and signs: scope of practice first, then the
two-part decision, where on the body a condition matters, every condition and rule with its
decision for each modality and site, its referral, rationale, sources and the conflicts it
settles, the request phrase table, and the sources. CI checks that the committed file is
what ``render()`` makes now (tests/test_clinical_rules.py).

Regenerate it with ``python -m course.authoring.clinical_rules_doc`` (writes
docs/clinical-rules.md).
"""

from __future__ import annotations

from pathlib import Path

from course.authoring.documents import write_generated
from course.facts.knowledge import (
    NO_REFERRAL,
    Condition,
    Knowledge,
    Rule,
    load,
    sites_overlap,
    source_label,
)

DOCUMENT = Path("docs") / "clinical-rules.md"


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _sources(kb: Knowledge, codes: tuple[str, ...]) -> str:
    return "; ".join(dict.fromkeys(source_label(code) for code in codes))


def _referral(kb: Knowledge, code: str, reason: str) -> str:
    if code == NO_REFERRAL:
        return "none"
    return f"**{kb.referrals[code].name}**: {reason}"


def _scope(kb: Knowledge) -> list[str]:
    rows = [f"| {_cell(m.name)} | {m.performer} | {_cell(m.performer_basis)} |"
            for m in sorted(kb.modalities.values(), key=lambda m: (m.performer, m.name))]
    return [
        "## 1. Scope of practice",
        "",
        "**Local law decides who may do what. The course's rule is the minimum**: where a "
        "country, region or employer is stricter, the stricter rule applies. The course's line "
        "between cosmetology and medicine: a procedure that destroys tissue on purpose, "
        "delivers a drug or needs a prescription device belongs to a physician. For those, the "
        "treatment today is *refuse* (it is not a cosmetologist's to give) and the referral "
        "names the physician.",
        "",
        "| modality | who may perform it (course minimum) | basis |",
        "|---|---|---|",
        *rows,
    ]


def _decision(kb: Knowledge) -> list[str]:
    treatments = [f"| `{code}` | {_cell(word.name)} | {_cell(word.meaning)} |"
                  for code, word in kb.treatments.items()]
    referrals = [f"| `{code}` | {_cell(word.name)} | {_cell(word.meaning)} |"
                 for code, word in kb.referrals.items()]
    return [
        "## 2. The decision has two parts",
        "",
        "Every screening gives **the treatment today** for the booked treatment and **the "
        "referral**, independent of each other. Each finding says which part it drives. The "
        "most restrictive treatment among the findings decides; every referral is kept (the "
        "first in the table below is named first). A finding that changes neither part (a "
        "precaution, such as darker skin) is still reported. "
        "The difference a trainee must hear: *defer* is \"not today\", *clearance* is \"not "
        "until a doctor says so\", *refuse* is \"not ever, for this treatment\".",
        "",
        "| treatment today | name | meaning |",
        "|---|---|---|",
        *treatments,
        "",
        "| referral | name | meaning |",
        "|---|---|---|",
        *referrals,
    ]


def _sites(kb: Knowledge) -> list[str]:
    rows = [f"| `{site}` | {', '.join(f'`{s}`' for s in covered)} |"
            for site, covered in kb.site_covers.items()]
    aliases = ", ".join(f"{alias} = `{site}`" for alias, site in kb.site_aliases.items())
    return [
        "## 3. Where on the body",
        "",
        "A **systemic** condition matters wherever the cold goes. A **local** condition "
        "matters only where it is: the intake says where (else its usual sites below; a local "
        "condition with no usual site is assumed to be at the treated site, the stricter "
        "reading). Two sites overlap when they share an area:",
        "",
        "| site | covers |",
        "|---|---|",
        *rows,
        "",
        f"Everyday words the intake accepts for a site: {aliases}.",
    ]


def _where(kb: Knowledge, item: Condition | Rule, sites: tuple[str, ...]) -> str:
    """For a local condition with usual sites: the modality's sites where it matters."""
    if not isinstance(item, Condition) or not item.local:
        return "every site"
    if not item.sites:
        return "where the intake puts it (else assumed at the treated site)"
    hits = [s for s in sites if any(sites_overlap(place, s, kb) for place in item.sites)]
    return ", ".join(f"`{s}`" for s in hits) if hits else "none of its sites"


def _decisions_row(kb: Knowledge, item: Condition | Rule) -> list[str]:
    rows = []
    for modality in kb.modalities.values():
        treatment = item.treatment_for(modality.code)
        where = _where(kb, item, modality.sites)
        if isinstance(item, Rule) and item.modalities and modality.code not in item.modalities:
            action, where = "Does not apply to this modality.", "-"
        elif where == "none of its sites":
            treatment, action = "proceed", "It is never where this modality treats."
        else:
            action = item.action_for(treatment)
        rows.append(f"| {_cell(modality.name)} | `{treatment}` | {where} | {_cell(action)} |")
    return ["| modality | treatment today | at sites | what to do |", "|---|---|---|---|",
            *rows]


def _settles(kb: Knowledge, conflict: str, note: str) -> list[str]:
    lines = []
    if conflict:
        settled = kb.conflicts[conflict]
        lines.append(f"- Settles conflict {settled.number} ({_cell(settled.title)}): "
                     f"{_cell(settled.rule)}")
    if note:
        lines.append(f"- Note: {_cell(note)}")
    return lines


def _condition(kb: Knowledge, condition: Condition) -> list[str]:
    if condition.local:
        where = ", ".join(f"`{s}`" for s in condition.sites) or "the treated site (assumed)"
        scope = f"local, usually on: {where}"
    else:
        scope = "systemic"
    aliases = ", ".join(condition.aliases) or "none"
    return [
        f"### {condition.name} (`{condition.code}`)",
        "",
        f"- Also read as: {_cell(aliases)}",
        f"- Where: {scope}",
        f"- Referral: {_cell(_referral(kb, condition.referral, condition.referral_reason))}",
        f"- Why: {_cell(condition.rationale)}",
        *_settles(kb, condition.conflict, condition.note),
        f"- Sources: {_cell(_sources(kb, condition.sources))}",
        "",
        *_decisions_row(kb, condition),
        "",
    ]


def _rule(kb: Knowledge, rule: Rule) -> list[str]:
    tests = " or ".join(f"`{t.field}` {t.operator} `{t.value}`" for t in rule.when)
    if rule.as_condition:
        unless = (f" (unless the form already lists {', '.join(rule.unless_conditions)})"
                  if rule.unless_conditions else "")
        return [f"### {rule.name} (`{rule.code}`)", "",
                f"- When: {tests}: reported as the condition `{rule.as_condition}`{unless}.",
                ""]
    referral = _referral(kb, rule.referral, rule.referral_reason)
    overrides = "; ".join(f"{kb.modalities[m].name}: {r}"
                          for m, r in rule.referral_overrides.items())
    return [
        f"### {rule.name} (`{rule.code}`)",
        "",
        f"- When: {tests}",
        f"- Referral: {_cell(referral)}" + (f" ({_cell(overrides)})" if overrides else ""),
        f"- Why: {_cell(rule.rationale)}",
        *_settles(kb, rule.conflict, rule.note),
        f"- Sources: {_cell(_sources(kb, rule.sources))}",
        "",
        *_decisions_row(kb, rule),
        "",
    ]


def _requests(kb: Knowledge) -> list[str]:
    rows = [f"| `{code}` | {_cell(i.name)} | {_cell(i.explanation)} | "
            f"{_cell(', '.join(i.phrases) or '(anything not matched above)')} |"
            for code, i in kb.intents.items()]
    return [
        "## 6. Requests",
        "",
        "The form offers the request as a choice of intents; free text is read with the "
        "phrase table (the first intent, in this order, with a phrase in the text wins). "
        "What each intent does is a rule in section 5 (`intent` equals ...).",
        "",
        "| intent | name | meaning | phrases |",
        "|---|---|---|---|",
        *rows,
    ]


def _conflicts(kb: Knowledge) -> list[str]:
    lines = ["## 7. Conflicts between sources and the course rule", "",
             "Where sources disagree on safety, the stricter rule wins and the lesson says so; "
             "stricter never means illogical.", ""]
    for conflict in sorted(kb.conflicts.values(), key=lambda c: c.number):
        sides = "; ".join(f"{_cell(p.text)} ({_sources(kb, p.sources)})"
                          for p in conflict.positions)
        lines += [f"**{conflict.number}. {_cell(conflict.title)}** {sides}. "
                  f"*Course rule:* {_cell(conflict.rule)} *Why:* {_cell(conflict.why)}", ""]
    return lines


def _source_list(kb: Knowledge) -> list[str]:
    rows = []
    for code, source in kb.sources.items():
        who = f"{source.authors} {source.year or ''}".strip() if source.authors else "seed"
        checked = "yes" if source.checked_in_full else "no (abstract or secondary report)"
        rows.append(f"| {_cell(source_label(code))} | `{code}` | {_cell(who)} | "
                    f"{_cell(source.title)} | {_cell(source.where)} | {checked} |")
    return ["## 8. Sources", "",
            "| label | code | who | title | where | read in full |",
            "|---|---|---|---|---|---|", *rows]


def render(knowledge: Knowledge | None = None) -> str:
    """The whole document as markdown text."""
    kb = knowledge or load()
    lines = [
        "# Clinical rules reference",
        "",
        "<!-- Generated from course/data by `python -m course.authoring.clinical_rules_doc`; "
        "do not edit by "
        "hand. CI checks that it is in sync. -->",
        "",
        "This course is training material, not medical advice. This document lists every "
        "screening rule the course teaches, read from the same data the lessons, the answer "
        "keys and the screening form use. A clinical reviewer reads and signs it.",
        "",
        *_scope(kb),
        "",
        *_decision(kb),
        "",
        *_sites(kb),
        "",
        "## 4. Conditions",
        "",
    ]
    for condition in kb.conditions.values():
        lines += _condition(kb, condition)
    lines += ["## 5. Rules read from the form and the request", ""]
    for rule in kb.rules.values():
        lines += _rule(kb, rule)
    lines += [*_requests(kb), "", *_conflicts(kb), *_source_list(kb), "",
              "## 9. Clinical reviews", "",
              "Each fresh review of the course is kept in `docs/reviews/` as received, with "
              "the answer to each of its points beside it (changed, or kept with the reason "
              "and a source): `clinical-review-<commit>.md` and `answers-<commit>.md`.", "",
              *(f"- Review of {commit}: [the review](reviews/clinical-review-{commit}.md), "
                f"[the answers to its points](reviews/answers-{commit}.md)"
                for commit in REVIEWED_COMMITS), "",
              "## Sign-off", "", "Reviewed by: ______________________  "
              "Date: ____________  Signature: ______________________", ""]
    return "\n".join(lines)


REVIEWED_COMMITS = ("a742ee2", "415e833")
"""The commits a fresh clinical reviewer read, oldest first (docs/reviews/ holds both files)."""


def main(argv: list[str] | None = None) -> int:
    """Write the document (default docs/clinical-rules.md, or the path given)."""
    return write_generated(render, DOCUMENT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
