"""Views of the knowledge base: HTML tables and a matplotlib figure (OO API, no pyplot)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from course.facts.knowledge import (
    TREATMENTS,
    Condition,
    Knowledge,
    Modality,
    load,
    most_restrictive,
    sites_overlap,
)
from course.foundation.names import duration_text
from course.views.style import CATEGORY_COLOURS, CATEGORY_TEXT_COLOURS

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn: lessons without one
    from matplotlib.figure import Figure  # (and their graders) never load it


def _minutes(seconds: float | None) -> str:
    return "no teachable limit" if seconds is None else duration_text(seconds)


def modality_table_html(knowledge: Knowledge | None = None) -> str:
    """One row per modality: agent, session, the taught maximum and its basis, performer."""
    kb = knowledge or load()
    header = ("<tr><th>Modality</th><th>Agent</th><th>Session</th><th>Maximum taught</th>"
              "<th>Basis</th><th>Who performs it</th></tr>")
    rows = []
    for modality in kb.modalities.values():
        limits = "".join(f"<br><small>{escape(limit.text)}</small>" for limit in modality.limits)
        rows.append(
            "<tr>"
            f"<td><b>{escape(modality.name)}</b></td>"
            f"<td>{escape(modality.agent)}</td>"
            f"<td>{escape(modality.session_text)}</td>"
            f"<td>{escape(_minutes(modality.max_exposure_s))}{limits}</td>"
            f"<td>{escape(modality.max_basis)} <i>({escape(modality.max_basis_kind)})</i></td>"
            f"<td>{escape(modality.performer)}</td>"
            "</tr>"
        )
    return f'<table class="cryo-modalities">{header}{"".join(rows)}</table>'


def treatment_label(code: str) -> str:
    """A treatment word's plain name and meaning, from decisions.toml."""
    word = load().treatments[code]
    return f"{word.name}: {word.meaning}"


def _legend_html() -> str:
    names = load().treatments
    items = "".join(
        f'<span style="background:{CATEGORY_COLOURS[c]};color:{CATEGORY_TEXT_COLOURS[c]};'
        f'padding:2px 6px;margin-right:4px">{escape(names[c].name)}</span>'
        for c in TREATMENTS
    )
    return f'<p class="cryo-legend">Legend: {items}</p>'


PHYSICIAN_MARK = " †"
PHYSICIAN_NOTE = ("† physician only: whatever the condition, a cosmetologist refers the "
                  "client; the column shows what the physician weighs.")
OTHER_SITES_MARK = "*"
OTHER_SITES_NOTE = ("* the condition concerns only body sites this modality does not treat: "
                    "it does not change the decision")


def matrix_cell(condition: Condition, modality: Modality) -> tuple[str, bool]:
    """(treatment today, concerns other sites only) for one cell of the matrix.

    The same rule as the screening engine: a local condition where it usually is (leg
    neuropathy on the legs) gives "proceed" for a modality that never treats those sites (a
    facial treatment). A local condition with no usual site is shown at the treated site.
    A condition whose decision depends on the treated site shows the strictest of the
    modality's sites (epilepsy: refused on the face, clearance on a knee).
    """
    if condition.local and condition.sites and not any(
            sites_overlap(place, site) for place in condition.sites for site in modality.sites):
        return ("proceed", True)
    sites = [site for site in modality.sites
             if not (condition.local and condition.sites)
             or any(sites_overlap(place, site) for place in condition.sites)]
    return (most_restrictive(condition.treatment_for(modality.code, site) for site in sites),
            False)


def condition_label(condition: Condition) -> str:
    """A row label: the condition's name, and where it matters when it is local."""
    if not condition.local:
        return condition.name
    where = ", ".join(condition.sites) if condition.sites else "the treated site"
    return f"{condition.name} (local, usually: {where})"


MATRIX_BOX = "max-height:560px;max-width:100%;overflow:auto;border:1px solid #8c8c8c"
_STICKY = "position:sticky;background:#f5f5f5;z-index:1"
MATRIX_HEAD = f"{_STICKY};top:0;padding:4px;text-align:center;vertical-align:bottom"
MATRIX_CORNER = f"{_STICKY};top:0;left:0;z-index:2;padding:4px;text-align:left"
MATRIX_ROW_HEAD = f"{_STICKY};left:0;padding:2px 6px;text-align:left;font-weight:normal"
MATRIX_CELL = "padding:2px 6px;text-align:center"


def contraindication_matrix_html(knowledge: Knowledge | None = None) -> str:
    """Conditions x modalities, each cell coloured and labelled with its category."""
    kb = knowledge or load()
    modalities = list(kb.modalities.values())
    header = f"<tr><th style='{MATRIX_CORNER}'>Condition</th>" + "".join(
        f"<th style='{MATRIX_HEAD}'>{escape(m.name)}"
        f"{PHYSICIAN_MARK if m.performer == 'physician' else ''}</th>"
        for m in modalities) + "</tr>"
    rows = []
    marked = False
    for condition in kb.conditions.values():
        cells = []
        for modality in modalities:
            outcome, other_sites = matrix_cell(condition, modality)
            marked = marked or other_sites
            cells.append(
                f'<td style="background:{CATEGORY_COLOURS[outcome]};'
                f'color:{CATEGORY_TEXT_COLOURS[outcome]};{MATRIX_CELL}">{escape(outcome)}'
                f'{OTHER_SITES_MARK if other_sites else ""}</td>'
            )
        rows.append(f"<tr><th scope='row' style='{MATRIX_ROW_HEAD}'>"
                    f"{escape(condition_label(condition))}</th>{''.join(cells)}</tr>")
    # The table scrolls inside a box that fits the window, its header row and condition
    # column staying in view, so every column can be reached without leaving the rows.
    table = (f'<div class="cryo-matrix-box" style="{MATRIX_BOX}" tabindex="0" role="region" '
             f'aria-label="Contraindication matrix (scrolls)"><table class="cryo-matrix" '
             f'style="border-collapse:separate;border-spacing:0;font-size:0.9em">'
             f'{header}{"".join(rows)}</table></div>')
    note = f'<p class="cryo-legend">{escape(OTHER_SITES_NOTE)}</p>' if marked else ""
    if any(m.performer == "physician" for m in modalities):
        note += f'<p class="cryo-legend">{escape(PHYSICIAN_NOTE)}</p>'
    return table + _legend_html() + note


def contraindication_matrix_figure(knowledge: Knowledge | None = None) -> Figure:
    """The contraindication matrix as a matplotlib Figure, with a text legend."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    kb = knowledge or load()
    modalities = list(kb.modalities.values())
    conditions = list(kb.conditions.values())
    cells = [[matrix_cell(c, m) for m in modalities] for c in conditions]
    grid = [[TREATMENTS.index(outcome) for outcome, _ in row] for row in cells]
    figure = Figure(figsize=(10, 0.32 * len(conditions) + 3), layout="constrained")
    axes = figure.add_subplot()
    colour_map = ListedColormap([CATEGORY_COLOURS[c] for c in TREATMENTS])
    axes.imshow(grid, cmap=colour_map, vmin=-0.5, vmax=len(TREATMENTS) - 0.5, aspect="auto")
    for row, values in enumerate(cells):
        for column, (outcome, other_sites) in enumerate(values):
            axes.text(column, row, outcome + (OTHER_SITES_MARK if other_sites else ""),
                      ha="center", va="center", fontsize=7,
                      color=CATEGORY_TEXT_COLOURS[outcome])
    axes.set_xticks(range(len(modalities)),
                    [m.code + (PHYSICIAN_MARK if m.performer == "physician" else "")
                     for m in modalities], rotation=40, ha="right", fontsize=8)
    axes.set_yticks(range(len(conditions)), [condition_label(c) for c in conditions],
                    fontsize=7)
    axes.set(title="Treatment today by condition and modality (most restrictive: refuse)")
    legend = "   ".join(f"{c}: {kb.treatments[c].name}" for c in TREATMENTS)
    if any(other for row in cells for _, other in row):
        legend += "\n" + OTHER_SITES_NOTE
    if any(m.performer == "physician" for m in modalities):
        legend += "\n" + PHYSICIAN_NOTE
    figure.text(0.01, 0.002, legend, fontsize=7, va="bottom")
    return figure
