"""Scope of practice: who may perform each modality, read from the knowledge base."""

from __future__ import annotations

from html import escape

from course.facts.knowledge import load, sources_text
from course.views.html import Html


def scope_of_practice_rows() -> list[tuple[str, str, str, str]]:
    """(modality, who may perform it, why, sources) for every modality, cosmetology first."""
    modalities = sorted(load().modalities.values(), key=lambda m: (m.performer, m.name))
    return [(m.name, m.performer, m.performer_basis, sources_text(m.sources))
            for m in modalities]


def scope_of_practice_table() -> Html:
    """An HTML table of the modalities and who may perform them, with sources."""
    head = "<tr><th>modality</th><th>who may perform it</th><th>why</th><th>sources</th></tr>"
    body = "".join(
        f"<tr><td>{escape(name)}</td><td><b>{escape(who)}</b></td><td>{escape(why)}</td>"
        f"<td><small>{escape(sources)}</small></td></tr>"
        for name, who, why, sources in scope_of_practice_rows()
    )
    caption = ("<caption>Scope of practice. A cosmetologist performs only the rows marked "
               "cosmetologist; everything else is referred to a physician.</caption>")
    return Html(f"<table>{caption}{head}{body}</table>")


# Conditions shown as examples of "wait until it has healed", and the treatment they concern
# (lesson 00 then asks about another one, a cold sore, so the table does not give it away).
HEAL_FIRST_EXAMPLES = ("sunburn", "pustular_acne_flare")
EVERYDAY_MODALITY = "ln2_cryomassage"
OBSERVATION_ITEM = "observe_30_min"


def everyday_rules() -> Html:
    """Two habits that open and close every treatment, read from the knowledge base."""
    kb = load()
    modality = kb.modalities[EVERYDAY_MODALITY]
    before = "".join(
        f"<li>{escape(c.name)}: <b>{escape(c.treatment_for(modality.code))}</b>. "
        f"{escape(c.rationale)} <small>({escape(sources_text(c.sources))})</small></li>"
        for c in (kb.conditions[code] for code in HEAL_FIRST_EXAMPLES))
    observe = kb.aftercare[OBSERVATION_ITEM]
    return Html(
        "<p><b>Before you start:</b> an active infection or inflammation in the area means "
        f"waiting until it has healed. For example, before a {escape(modality.name.lower())}:"
        f"</p><ul>{before}</ul>"
        f"<p><b>When you have finished:</b> the client stays "
        f"<b>{modality.observation_minutes} minutes</b> so you can watch for a reaction. "
        f"{escape(observe.text)} <small>({escape(sources_text(observe.sources))})</small></p>")
