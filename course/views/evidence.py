"""Lesson 06 views: aftercare, side effects, seed claims against the evidence, conflicts.

Tables and the chart read the knowledge base. ``judge_claim`` is the pure model behind the
claims sorter widget: it can be tested without any widget.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from course.facts.knowledge import (
    EVIDENCE_LEVEL_MEANINGS,
    EVIDENCE_LEVELS,
    SIDE_EFFECT_KIND_MEANINGS,
    SIDE_EFFECT_KINDS,
    Claim,
    Knowledge,
    UnknownNameError,
    find,
    load,
    sources_text,
)
from course.questions.kinds import did_you_mean
from course.views.html import Html, show_figures_with_alt_text
from course.views.html import table as _table
from course.views.style import OKABE_ITO

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn: lessons without one
    from matplotlib.container import BarContainer  # (and their graders) never load it
    from matplotlib.figure import Figure

LEVEL_COLOURS = {
    "supported": OKABE_ITO["bluish_green"],
    "weak": OKABE_ITO["sky_blue"],
    "unsupported": OKABE_ITO["orange"],
    "marketing": OKABE_ITO["vermillion"],
}
LEVEL_MEANINGS = EVIDENCE_LEVEL_MEANINGS
KIND_LABELS = {kind: f"{kind.replace('_', ' ')}: {meaning}"
               for kind, meaning in SIDE_EFFECT_KIND_MEANINGS.items()}


# --------------------------------------------------------------------------- aftercare

show_figures_with_alt_text()  # figures carry alt text in the lesson


def aftercare_table(knowledge: Knowledge | None = None) -> Html:
    """The aftercare instructions, each with its sources."""
    kb = knowledge or load()
    rows = [(item.name, item.text, sources_text(item.sources)) for item in kb.aftercare.values()]
    return _table(("instruction", "what to tell the client", "sources"), rows)


def side_effect_table(knowledge: Knowledge | None = None) -> Html:
    """Side effects grouped normal first, then stop-and-report, with action and referral."""
    kb = knowledge or load()
    rows = [
        (effect.name, KIND_LABELS[effect.kind], effect.action, effect.refer_to or "-",
         sources_text(effect.sources))
        for kind in SIDE_EFFECT_KINDS
        for effect in kb.side_effects.values() if effect.kind == kind
    ]
    return _table(("reaction", "kind", "what to do", "refer to", "sources"), rows)


def conflict_card(code: str, knowledge: Knowledge | None = None) -> Html:
    """One disagreement: each side with its sources, the course rule and why."""
    kb = knowledge or load()
    conflict = find(kb.conflicts, code, "conflict")
    sides = "".join(f"<li>{escape(p.text)} <small>({escape(sources_text(p.sources))})</small>"
                    "</li>" for p in conflict.positions)
    return Html(
        f"<div class='cryo-conflict'><p><b>Conflict {conflict.number}: "
        f"{escape(conflict.title)}</b></p><ul>{sides}</ul>"
        f"<p><b>Course rule:</b> {escape(conflict.rule)}<br><b>Why:</b> {escape(conflict.why)}"
        "</p></div>"
    )


def conflicts_table(knowledge: Knowledge | None = None) -> Html:
    """Every disagreement between the sources, with the rule the course adopts."""
    kb = knowledge or load()
    rows = [
        (str(c.number), c.title,
         " | ".join(f"{p.text} ({sources_text(p.sources)})" for p in c.positions),
         c.rule, c.why)
        for c in sorted(kb.conflicts.values(), key=lambda c: c.number)
    ]
    return _table(("#", "question", "what the sources say", "course rule (stricter)", "why"),
                  rows, "Where the sources disagree, the stricter rule wins.")


# --------------------------------------------------------------------------- claims


def claims_table(knowledge: Knowledge | None = None) -> Html:
    """Every seed claim with its evidence level, what the evidence says, and sources."""
    kb = knowledge or load()
    rows = [(claim.name, claim.evidence_level, claim.evidence, sources_text(claim.sources))
            for level in EVIDENCE_LEVELS
            for claim in kb.claims.values() if claim.evidence_level == level]
    return _table(("claim", "evidence level", "what the evidence says", "sources"), rows)


def evidence_levels_table() -> Html:
    """What each of the four evidence words means in this course."""
    return _table(("level", "meaning"), [(level, LEVEL_MEANINGS[level])
                                         for level in EVIDENCE_LEVELS])


@dataclass(frozen=True)
class ClaimVerdict:
    """Feedback on one sorting of a claim."""

    claim: Claim
    chosen: str
    correct: bool
    message: str


def judge_claim(claim_name: str, chosen: str, knowledge: Knowledge | None = None) -> ClaimVerdict:
    """Compare the level a trainee chose with the knowledge base; explain with sources.

    Raises UnknownNameError (with suggestions) for an unknown claim or evidence level.
    """
    kb = knowledge or load()
    claim: Claim = find(kb.claims, claim_name, "claim")
    level = chosen.strip().lower() if isinstance(chosen, str) else ""
    if level not in EVIDENCE_LEVELS:
        raise UnknownNameError("evidence level", str(chosen),
                               did_you_mean(str(chosen), EVIDENCE_LEVELS))
    correct = level == claim.evidence_level
    opening = ("Right" if correct
               else f"Not quite: the course rates it {claim.evidence_level}, not {level}")
    message = (f"{opening}. {claim.evidence} "
               f"({LEVEL_MEANINGS[claim.evidence_level]}; sources: {sources_text(claim.sources)})")
    return ClaimVerdict(claim, level, correct, message)


class ClaimSorter:
    """Pick a claim in ``.claim``, sort it with ``.level``; ``.feedback`` explains."""

    def __init__(self) -> None:
        claims = load().claims.values()
        self.claim = widgets.Dropdown(options=[(c.name, c.code) for c in claims],
                                      description="Claim", layout=widgets.Layout(width="620px"))
        self.level = widgets.ToggleButtons(options=EVIDENCE_LEVELS, value=None,
                                           description="Evidence")
        self.feedback = widgets.HTML("Pick the evidence level you think this claim has.")
        self.claim.observe(self._on_claim, names="value")
        self.level.observe(self._on_level, names="value")
        self.widget = widgets.VBox([self.claim, self.level, self.feedback])

    def _on_claim(self, change: dict) -> None:
        self.level.value = None
        self.feedback.value = "Pick the evidence level you think this claim has."

    def _on_level(self, change: dict) -> None:
        if change["new"] is None:
            return
        verdict = judge_claim(self.claim.value, change["new"])
        mark = "✔" if verdict.correct else "✘"
        self.feedback.value = f"{mark} {escape(verdict.message)}"

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)


# --------------------------------------------------------------------------- chart


def claims_per_level(knowledge: Knowledge | None = None) -> dict[str, int]:
    """How many seed claims the course rates at each evidence level (all levels present)."""
    kb = knowledge or load()
    counts = Counter(claim.evidence_level for claim in kb.claims.values())
    return {level: counts.get(level, 0) for level in EVIDENCE_LEVELS}


def evidence_chart(knowledge: Knowledge | None = None) -> Figure:
    """A horizontal bar chart: number of seed claims at each evidence level."""
    from matplotlib.figure import Figure

    counts = claims_per_level(knowledge)
    figure = Figure(figsize=(7, 3.2), layout="constrained")
    ax = figure.add_subplot()
    levels = list(counts)
    bars: BarContainer = ax.barh(levels, [counts[level] for level in levels],
                                 color=[LEVEL_COLOURS[level] for level in levels],
                                 edgecolor=OKABE_ITO["black"])
    ax.bar_label(bars, padding=3)
    ax.invert_yaxis()  # strongest evidence on top
    ax.set(xlabel="number of claims from the salon articles (count)",
           ylabel="evidence level", title="What the evidence says about the seeds' claims")
    ax.set_xlim(0, max(counts.values()) + 1)
    figure.set_label(evidence_chart_summary(knowledge))  # its alt text in a notebook
    return figure


def evidence_chart_summary(knowledge: Knowledge | None = None) -> str:
    """One sentence describing the chart, for screen readers."""
    counts = claims_per_level(knowledge)
    parts = ", ".join(f"{count} {level}" for level, count in counts.items())
    return (f"Bar chart of the {sum(counts.values())} claims from the salon articles by "
            f"evidence level: {parts}.")
