"""docs/clinical-rules.md is generated from the data and must be in sync with it."""

from __future__ import annotations

from course.authoring.clinical_rules_doc import DOCUMENT, render
from course.facts.knowledge import load
from tests.nbgrader_harness import REPO


def test_the_committed_reference_is_what_the_data_makes_now() -> None:
    committed = (REPO / DOCUMENT).read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/clinical-rules.md is out of date: run "
        "`python -m course.authoring.clinical_rules_doc` "
        "and commit it")


def test_it_opens_with_scope_of_practice_and_lists_every_rule() -> None:
    text = render()
    first_section = text.index("## ")
    assert text[first_section:].startswith("## 1. Scope of practice")
    assert "Local law decides who may do what. The course's rule is the minimum" in text
    kb = load()
    for code in (*kb.conditions, *kb.rules, *kb.intents, *kb.treatments, *kb.referrals):
        assert f"`{code}`" in text, code
    for conflict in kb.conflicts.values():
        assert conflict.rule.split(";")[0] in text
    assert "not medical advice" in text and "Reviewed by:" in text
