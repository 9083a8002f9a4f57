"""Lesson 02 views: a card per modality, a modality explorer widget and a cold-dose chart.

Everything shown is read from the knowledge base. ``modality_card`` is a pure function
(no widgets, no figures) so it can be tested on its own; the widget only displays it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import ipywidgets as widgets
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course.facts.knowledge import Knowledge, Modality, UnknownNameError, find, load, sources_text
from course.foundation.names import duration_text
from course.views.html import Html, show_figures_with_alt_text
from course.views.style import OKABE_ITO

PERFORMER_COLOURS = {"cosmetologist": OKABE_ITO["bluish_green"],
                     "physician": OKABE_ITO["vermillion"]}
PERFORMER_MARKERS = {"cosmetologist": "o", "physician": "s"}
EVIDENCE_WORDS = {
    "supported": "supported by published studies",
    "weak": "weak: small or indirect studies only",
    "unsupported": "unsupported: no published evidence",
    "marketing": "marketing: contradicted by the sources",
}
NOT_STATED = "not stated in the sources"


# --------------------------------------------------------------------------- text helpers

show_figures_with_alt_text()  # figures carry alt text in the lesson


def celsius_text(value: float) -> str:
    """-196 -> "-196 °C"."""
    return f"{value:g} °C"


def range_text(low: float, high: float, unit_text: Callable[[float], str] = duration_text) -> str:
    """"2 to 7 min", or "3 min" when both ends are equal."""
    if low == high:
        return unit_text(low)
    return f"{unit_text(low)} to {unit_text(high)}"


def temperature_text(modality: Modality) -> str:
    """The agent's temperature in °C, or say that the sources do not give it."""
    if modality.agent_temp_c is None:
        return NOT_STATED
    return range_text(*modality.agent_temp_c, unit_text=celsius_text)


def maximum_text(modality: Modality) -> str:
    """The longest exposure the course teaches, with the per-spot or per-area limits."""
    if modality.max_exposure_s is None:
        return "no teachable limit"
    parts = [duration_text(modality.max_exposure_s)]
    parts += [f"{limit.scope}: {duration_text(limit.max_s)}" for limit in modality.limits]
    return "; ".join(parts)


# --------------------------------------------------------------------------- the card (model)


@dataclass(frozen=True)
class ModalityCard:
    """Everything the lesson shows about one modality, as plain text."""

    code: str
    name: str
    delivery: str
    agent: str
    temperature: str
    session: str
    maximum: str
    maximum_basis: str
    course: str
    expected_result: str
    evidence_level: str
    evidence: str
    performer: str
    performer_basis: str
    precautions: tuple[str, ...]
    sources: str

    @property
    def within_cosmetology(self) -> bool:
        """True when a trained cosmetologist may perform it."""
        return self.performer == "cosmetologist"


def modality_card(name: str, knowledge: Knowledge | None = None) -> ModalityCard:
    """The card for a modality given by code, name or alias (UnknownNameError if none)."""
    kb = knowledge or load()
    modality: Modality = find(kb.modalities, name, "modality")
    return ModalityCard(
        code=modality.code,
        name=modality.name,
        delivery=modality.delivery,
        agent=modality.agent,
        temperature=temperature_text(modality),
        session=modality.session_text,
        maximum=maximum_text(modality),
        maximum_basis=modality.max_basis,
        course=modality.sessions_text or NOT_STATED,
        expected_result=modality.expected_result,
        evidence_level=modality.evidence_level,
        evidence=EVIDENCE_WORDS[modality.evidence_level],
        performer=modality.performer,
        performer_basis=modality.performer_basis,
        precautions=modality.precautions,
        sources=sources_text(modality.sources),
    )


def card_html(card: ModalityCard) -> Html:
    """A card as an HTML block: facts in a table, precautions as a list, sources last."""
    scope = ("within a trained cosmetologist's scope" if card.within_cosmetology
             else "physician only: a cosmetologist refers the client")
    colour = PERFORMER_COLOURS[card.performer]
    rows = (
        ("How it is delivered", card.delivery),
        ("Cold agent", card.agent),
        ("Agent temperature", card.temperature),
        ("Typical session", card.session),
        ("Longest exposure taught", f"{card.maximum}. {card.maximum_basis}"),
        ("Course", card.course),
        ("What to expect", card.expected_result),
        ("Evidence", card.evidence),
        ("Who may perform it", f"{card.performer}: {card.performer_basis}"),
    )
    table = "".join(f"<tr><th style='text-align:left'>{escape(label)}</th>"
                    f"<td style='text-align:left'>{escape(text)}</td></tr>" for label, text in rows)
    precautions = "".join(f"<li>{escape(text)}</li>" for text in card.precautions)
    return Html(
        f"<div class='cryo-card' style='border-left:6px solid {colour};padding-left:8px'>"
        f"<h4>{escape(card.name)} <code>{escape(card.code)}</code></h4>"
        f"<p><b style='color:{colour}'>{escape(scope)}</b></p>"
        f"<table>{table}</table><p><b>Precautions</b></p><ul>{precautions}</ul>"
        f"<p><small>Sources: {escape(card.sources)}</small></p></div>"
    )


def modality_card_html(name: str) -> Html:
    """The card for ``name`` as HTML; an unknown name gives a plain "did you mean" message."""
    try:
        return card_html(modality_card(name))
    except UnknownNameError as problem:
        return Html(f"<p>✘ {escape(str(problem))}</p>")


# --------------------------------------------------------------------------- the explorer


class ModalityExplorer:
    """Pick a modality in ``.choice`` (a Dropdown of codes) and read its card in ``.card``."""

    def __init__(self, start: str = "ln2_cryomassage") -> None:
        modalities = load().modalities.values()
        self.choice = widgets.Dropdown(
            options=[(modality.name, modality.code) for modality in modalities],
            value=modality_card(start).code,
            description="Modality",
            layout=widgets.Layout(width="460px"),
        )
        self.card = widgets.HTML(modality_card_html(self.choice.value))
        self.choice.observe(self._on_choice, names="value")
        self.widget = widgets.VBox([self.choice, self.card])

    def _on_choice(self, change: dict) -> None:
        self.card.value = modality_card_html(change["new"])

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)


# --------------------------------------------------------------------------- the chart


@dataclass(frozen=True)
class DosePoint:
    """Where a modality sits on the chart: agent temperature and exposure time ranges."""

    code: str
    name: str
    performer: str
    temp_c: tuple[float, float]
    time_s: tuple[float, float]


def exposure_range_s(modality: Modality) -> tuple[float, float] | None:
    """Typical session time, or else the range of the taught maxima (None if neither)."""
    if modality.session_s is not None:
        return modality.session_s
    maxima = [limit.max_s for limit in modality.limits]
    if modality.max_exposure_s is not None:
        maxima.append(modality.max_exposure_s)
    return (min(maxima), max(maxima)) if maxima else None


def dose_points(knowledge: Knowledge | None = None) -> tuple[list[DosePoint], list[Modality]]:
    """The modalities that can be placed on the chart, and those whose data is missing."""
    kb = knowledge or load()
    placed, missing = [], []
    for modality in kb.modalities.values():
        times = exposure_range_s(modality)
        if modality.agent_temp_c is None or times is None:
            missing.append(modality)
            continue
        placed.append(DosePoint(modality.code, modality.name, modality.performer,
                                modality.agent_temp_c, times))
    return placed, missing


def plot_doses(ax: Axes, points: list[DosePoint]) -> dict[str, list]:
    """Draw each modality as a marker with range bars, coloured by who may perform it."""
    drawn: dict[str, list] = {}
    for point in points:
        colour = PERFORMER_COLOURS[point.performer]
        x = (point.time_s[0] * point.time_s[1]) ** 0.5  # middle on a log axis
        y = sum(point.temp_c) / 2
        bars = ax.errorbar(
            x, y,
            xerr=[[x - point.time_s[0]], [point.time_s[1] - x]],
            yerr=[[y - point.temp_c[0]], [point.temp_c[1] - y]],
            fmt=PERFORMER_MARKERS[point.performer], color=colour, markersize=9, capsize=4,
        )
        label = ax.annotate(point.code, (x, y), xytext=(6, 6), textcoords="offset points",
                            fontsize=8)
        drawn[point.code] = [bars, label]
    return drawn


def modality_chart(knowledge: Knowledge | None = None) -> Figure:
    """Agent temperature (°C) against exposure time (s, log scale), physician-only marked."""
    points, missing = dose_points(knowledge)
    figure = Figure(figsize=(8, 5), layout="constrained")
    ax = figure.add_subplot()
    plot_doses(ax, points)
    ax.set_xscale("log")
    ax.set_xlim(5, 10_000)
    ax.set_ylim(-215, 10)
    ax.axhline(0, color=OKABE_ITO["black"], lw=0.8)
    ax.set(xlabel="exposure time per session or freeze (s, log scale)",
           ylabel="temperature of the cold agent (°C)",
           title="Where the modalities sit: how cold, for how long")
    for performer, colour in PERFORMER_COLOURS.items():
        ax.plot([], [], PERFORMER_MARKERS[performer], color=colour,
                label=f"{performer}" + (" only (refer)" if performer == "physician" else ""))
    ax.legend(title="who may perform it", loc="center right")
    if missing:
        names = ", ".join(m.code for m in missing)
        ax.text(0.01, 0.02, f"Not placed (agent temperature not in the sources): {names}",
                transform=ax.transAxes, fontsize=7, va="bottom")
    figure.set_label(modality_chart_summary(knowledge))  # its alt text in a notebook
    return figure


def modality_chart_summary(knowledge: Knowledge | None = None) -> str:
    """One sentence describing the chart, for screen readers."""
    points, missing = dose_points(knowledge)
    described = "; ".join(
        f"{p.code} at {range_text(*p.temp_c, celsius_text)} for "
        f"{range_text(*p.time_s)} ({p.performer})" for p in points)
    text = f"Chart of agent temperature against exposure time: {described}."
    if missing:
        text += (" Not placed because the sources give no agent temperature: "
                 + ", ".join(m.code for m in missing) + ".")
    return text
