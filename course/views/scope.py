"""Scope of practice: who may perform each modality, read from the knowledge base."""

from __future__ import annotations

from html import escape

from course.knowledge import load
from course.views.html import Html


def scope_of_practice_rows() -> list[tuple[str, str, str, str]]:
    """(modality, who may perform it, why, sources) for every modality, cosmetology first."""
    modalities = sorted(load().modalities.values(), key=lambda m: (m.performer, m.name))
    return [(m.name, m.performer, m.performer_basis, ", ".join(m.sources)) for m in modalities]


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
