"""Views for lesson 07: safe-practice tables, the emergencies, records, and the oxygen-in-the-room
simulator (OO matplotlib figure + a thin ipywidgets view over ``course.models.oxygen``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape

import ipywidgets as widgets
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course.facts.knowledge import load
from course.facts.safe_practice import (
    STATUS_LABELS,
    TOPICS,
    oxygen_effect,
    record_fields,
    rules_about,
    safe_practice,
)
from course.models.oxygen import (
    OxygenCurve,
    OxygenModelError,
    Release,
    Room,
    cabin_day,
    simulate_room,
)
from course.views.batched import BatchedRefresh
from course.views.html import Html
from course.views.retired_pickers import (  # noqa: F401 -- lesson 07 fetched under 0.1.0
    StepPicker,
    TickList,
    field_ticks,
    rule_ticks,
)
from course.views.simulator import figure_png
from course.views.style import OKABE_ITO
from course.views.timing import Plot, _sources, _table, record_table

OXYGEN_COLOUR = OKABE_ITO["blue"]
ALARM_COLOUR = OKABE_ITO["orange"]
EVACUATE_COLOUR = OKABE_ITO["vermillion"]
FRESH_COLOUR = OKABE_ITO["bluish_green"]
SPILL, CABIN = "spill", "cabin"
ILLUSTRATIVE_CABIN_LITRES = 4.0
"""Litres of liquid a cabin boils off per session: an illustrative teaching value only (a real
cabin's use is in its manual, and many cabins pipe their gas outside)."""


def _status(code: str) -> str:
    return f"<i>{escape(STATUS_LABELS[code])}</i>"


# --------------------------------------------------------------------------- tables


def rules_table(*topics: str) -> Html:
    """The rules of the given topics (all when none): what to do, what it rests on, sources."""
    chosen = topics or TOPICS
    rows = [(f"<b>{escape(rule.name)}</b>", escape(rule.text), _status(rule.status),
             _sources(rule.sources))
            for topic in chosen if topic != "emergency" for rule in rules_about(topic)]
    return _table("What to do, what the rule rests on, and its sources. Where your local law "
                  "is stricter, it wins: the course's rule is the minimum.",
                  ("rule", "what to do", "rests on", "sources"), rows)


def status_legend() -> Html:
    """What each 'rests on' label means."""
    items = "".join(f"<li><b>{escape(code)}</b>: {escape(label)}</li>"
                    for code, label in STATUS_LABELS.items())
    return Html(f"<ul>{items}</ul>")


def seed_claim_note(code: str = "s1_no_infection_risk") -> Html:
    """A seed claim quoted with its seed, and what the published sources say instead."""
    claim = safe_practice().seed_claims[code]
    return Html(f"<blockquote>“{escape(claim.quote)}” ({_sources((claim.seed,))})</blockquote>"
                f"<p><b>What the evidence says:</b> {escape(claim.verdict)} "
                f"({_sources(claim.sources)})</p>")


def oxygen_facts() -> Html:
    """The key oxygen numbers and what a person feels as the oxygen falls."""
    oxygen = safe_practice().oxygen
    facts = "".join(
        f"<li>{escape(fact.text)} ({_status(fact.status)}; {_sources(fact.sources)})</li>"
        for fact in (oxygen.expansion, oxygen.deficiency, oxygen.evacuate))
    rows = [(f"{level.down_to_percent:g}–{level.below_percent:g} %", escape(level.effect),
             _sources(level.sources)) for level in safe_practice().oxygen_levels]
    table = _table(f"Normal air holds {oxygen.fresh_percent:g} % oxygen. What a person may "
                   "feel as it falls (it varies from person to person; nitrogen gives no "
                   "warning).", ("oxygen", "what happens", "sources"), rows)
    return Html(f"<ul>{facts}</ul>{table}")


def emergencies_table(leave_out: Sequence[str] = ()) -> Html:
    """Every emergency (but ``leave_out``, which a question asks): its first steps in order
    (critical ones in bold) and when to call the emergency services."""
    steps = safe_practice().steps
    rows = []
    for emergency in safe_practice().emergencies.values():
        if emergency.code in leave_out:
            continue
        ordered = "".join(
            f"<li>{'<b>' if code in emergency.critical else ''}{escape(steps[code].name)}"
            f"{'</b>' if code in emergency.critical else ''}</li>" for code in emergency.steps)
        rows.append((f"<b>{escape(emergency.name)}</b>", f"<ol>{ordered}</ol>",
                     escape(emergency.call_emergency_when), _status(emergency.status),
                     _sources(emergency.sources)))
    return _table("First steps in order. Bold steps must come in this order; the others may "
                  "be done in any order or at the same time (by a colleague).",
                  ("emergency", "first steps", "call the emergency services when", "rests on",
                   "sources"), rows)


def never_table() -> Html:
    """The actions that must never be done, and why."""
    rows = [(f"<b>{escape(step.name)}</b>", escape(step.why_never))
            for step in safe_practice().steps.values() if step.never]
    return _table("Never do these.", ("never", "why"), rows)


def record_fields_table() -> Html:
    """What a session record and an incident record hold."""
    rows = [(record, f"<code>\"{escape(field.code)}\"</code>", f"<b>{escape(field.name)}</b>",
             escape(field.text))
            for record in ("session", "incident") for field in record_fields(record)]
    return _table("What a record holds (type the word in quotes to name a field).",
                  ("record", "type", "field", "what goes in it"), rows)


def numbered(lines: Iterable[str]) -> Html:
    """A story as numbered paragraphs."""
    return Html("<ol>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ol>")


# --------------------------------------------------------------------------- oxygen


def plot_oxygen(ax: Axes, curve: OxygenCurve) -> dict[str, list]:
    """Draw the oxygen percentage over time with the fresh-air, alarm and evacuate levels."""
    oxygen = safe_practice().oxygen
    drawn: dict[str, list] = {"curve": [], "levels": [], "band": []}
    low = min(curve.lowest_percent, oxygen.evacuate_percent) - 1.0
    drawn["band"].append(ax.axhspan(low, oxygen.deficiency_percent, color=ALARM_COLOUR,
                                    alpha=0.15, label="oxygen-deficient air"))
    for level, colour, style, label in (
            (oxygen.fresh_percent, FRESH_COLOUR, ":", "normal air"),
            (oxygen.deficiency_percent, ALARM_COLOUR, "--", "first alarm (oxygen-deficient)"),
            (oxygen.evacuate_percent, EVACUATE_COLOUR, "-.", "second alarm: everyone out")):
        drawn["levels"].append(ax.axhline(level, color=colour, linestyle=style, linewidth=1.5,
                                          label=f"{level:g} %: {label}"))
    drawn["curve"].extend(ax.plot(curve.minutes, curve.oxygen_percent, color=OXYGEN_COLOUR,
                                  linewidth=2.5, label="oxygen in the room (well mixed)"))
    ax.set(xlim=(0, float(curve.minutes[-1])), ylim=(low, oxygen.fresh_percent + 0.8),
           xlabel="time (min)", ylabel="oxygen in the room (%)",
           title=f"Room {curve.room.volume_m3:g} m³, {curve.room.air_changes_per_hour:g} air "
                 f"changes per hour, {curve.gas_m3:.1f} m³ of nitrogen gas")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return drawn


def oxygen_figure(curve: OxygenCurve) -> Figure:
    """A new Figure with the oxygen curve."""
    figure = Figure(figsize=(9.0, 3.6), layout="constrained")
    plot_oxygen(figure.add_subplot(), curve)
    return figure


def _percent_text(percent: float, levels: Sequence[float]) -> str:
    """``percent`` to one decimal, or two where one decimal would round it up onto a level it is
    below (19.49 % is not "19.5 %" when the alarm is at 19.5 %)."""
    text = f"{percent:.1f}"
    if any(percent < level <= float(text) for level in levels):
        text = f"{math.floor(percent * 100) / 100:.2f}"  # rounded down: it stays under the level
    return text


def oxygen_summary(curve: OxygenCurve) -> str:
    """Short sentences describing the curve (also the plot's alt text): the lowest level and
    what it feels like, the deepest alarm it passes, and how long the air stays deficient."""
    oxygen = safe_practice().oxygen
    first, second = oxygen.deficiency_percent, oxygen.evacuate_percent
    lowest = curve.lowest_percent
    sentences = [f"lowest {_percent_text(lowest, (first, second))} % oxygen at "
                 f"{curve.lowest_at_min:g} min: {oxygen_effect(lowest)}"]
    if lowest < second:
        sentences.append(f"That is below the {second:g} % second alarm: everyone leaves at once")
    elif lowest < first:
        sentences.append(f"That is below the {first:g} % first alarm: the air is oxygen-deficient")
    else:
        sentences.append(f"It never falls below the {first:g} % first alarm")
    below = curve.minutes_below(first)
    if below and curve.oxygen_percent[-1] < first:
        sentences.append(f"After {curve.minutes[-1]:g} min it is still below {first:g} %")
    elif below:
        sentences.append(f"It stays below {first:g} % for {below:g} min")
    return " ".join(sentence.rstrip(".") + "." for sentence in sentences)


def oxygen_plot(curve: OxygenCurve) -> Plot:
    """The oxygen curve with its summary, for a notebook."""
    return Plot(oxygen_figure(curve), oxygen_summary(curve))


def room_curve(room_m3: float, litres: float, air_changes_per_hour: float,
               minutes: float = 60.0, *, scenario: str = SPILL, sessions: int = 1,
               gap_min: float = 10.0) -> OxygenCurve:
    """The oxygen curve for a spill (``litres`` evaporating over 5 minutes from the start) or a
    cabin (``sessions`` of 3 minutes, each boiling off ``litres``), with the course's numbers."""
    oxygen = safe_practice().oxygen
    releases: tuple[Release, ...] = ((Release(litres, 0.0, 5.0),) if scenario == SPILL
                                     else cabin_day(litres, sessions, gap_min=gap_min))
    return simulate_room(Room(room_m3, air_changes_per_hour), releases,
                         expansion_ratio=oxygen.expansion_ratio,
                         fresh_percent=oxygen.fresh_percent, minutes=minutes)


def spill_plot(room_m3: float, litres: float, air_changes_per_hour: float = 0.0,
               minutes: float = 60.0) -> Plot:
    """A spill of ``litres`` of liquid nitrogen in a room, as a plot with its summary."""
    return oxygen_plot(room_curve(room_m3, litres, air_changes_per_hour, minutes))


class OxygenRoomWidget(BatchedRefresh):
    """The oxygen-in-the-room simulator: a spill from a flask, or a cabin's working day.

    Controls are plain ipywidgets whose ``.value`` can be set; ``.curve`` is the latest
    OxygenCurve, ``.summary`` / ``.verdict`` hold the texts and ``.image`` the plot.
    """

    def __init__(self, scenario: str = SPILL) -> None:
        style = {"description_width": "initial"}
        wide = widgets.Layout(width="520px")
        self.scenario = widgets.ToggleButtons(
            options=[("Spill from a flask", SPILL), ("A cabin's working day", CABIN)],
            value=scenario, description="What happens",
            style={"description_width": "initial", "button_width": "200px"})
        self.room = widgets.IntSlider(value=50, min=5, max=300, step=5, style=style,
                                      description="Room volume (m³)", layout=wide,
                                      continuous_update=False)
        self.litres = widgets.FloatSlider(value=5.0, min=0.0, max=50.0, step=0.5, style=style,
                                          description="Litres of liquid nitrogen", layout=wide,
                                          continuous_update=False)
        self.air_changes = widgets.FloatSlider(value=0.0, min=0.0, max=12.0, step=0.5,
                                               description="Air changes per hour", style=style,
                                               layout=wide, continuous_update=False)
        self.sessions = widgets.IntSlider(value=8, min=1, max=30, style=style,
                                          description="Sessions (3 min, 10 min apart)",
                                          layout=wide, continuous_update=False)
        self.minutes = widgets.IntSlider(value=60, min=10, max=480, step=10, style=style,
                                         description="Minutes shown", layout=wide,
                                         continuous_update=False)
        self.image = widgets.Image(format="png")
        self.verdict = widgets.HTML()
        # an HTML paragraph wraps at the box's edge (a Label is one line and ran off it)
        self.summary = widgets.HTML(layout=widgets.Layout(max_width="100%"))
        self.curve: OxygenCurve | None = None
        self.widget = widgets.VBox([self.scenario, self.room, self.litres, self.air_changes,
                                    self.sessions, self.minutes, self.image, self.verdict,
                                    self.summary])
        self._show_scenario()
        self.refresh()
        self.scenario.observe(self._on_scenario, names="value")
        for control in (self.room, self.litres, self.air_changes, self.sessions, self.minutes):
            control.observe(self._on_change, names="value")

    def _show_scenario(self) -> None:
        cabin = self.scenario.value == CABIN
        self.sessions.disabled = not cabin
        self.litres.description = ("Litres boiled off per session (illustrative)" if cabin
                                   else "Litres of liquid nitrogen spilt")

    def _on_scenario(self, change: dict) -> None:
        with self.batch():
            self._show_scenario()
            if self.scenario.value == CABIN:
                self.litres.value = ILLUSTRATIVE_CABIN_LITRES
                self.minutes.value = 240

    def refresh(self) -> None:
        """Re-run the model for the current controls and update the texts and the plot."""
        try:
            curve = room_curve(self.room.value, self.litres.value, self.air_changes.value,
                               self.minutes.value, scenario=self.scenario.value,
                               sessions=self.sessions.value)
        except OxygenModelError as problem:
            self.verdict.value = f"<b>Cannot work this out:</b> {escape(str(problem))}"
            return
        self.curve = curve
        oxygen = safe_practice().oxygen
        self.image.value = figure_png(oxygen_figure(curve))
        if curve.lowest_percent < oxygen.evacuate_percent:
            verdict = "⚠️ <b>Below the second alarm: everyone out, nobody goes in.</b>"
        elif curve.lowest_percent < oxygen.deficiency_percent:
            verdict = "⚠️ <b>Oxygen-deficient air: the first alarm sounds.</b>"
        else:
            verdict = "✔ The oxygen stays above the alarm level in this model."
        self.verdict.value = (f"{verdict} <small>A mixed-room average: near the floor and "
                              "inside a cabin it can be far lower. Only the monitor tells you "
                              "the real level.</small>")
        self.summary.value = f"<p>{escape(oxygen_summary(curve))}</p>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def sources_used() -> tuple[str, ...]:
    """Every source code lesson 07's facts cite (for the reference list)."""
    practice = safe_practice()
    codes: list[str] = []
    for group in (practice.rules, practice.emergencies, practice.seed_claims,
                  practice.record_fields):
        for entry in group.values():
            codes.extend(entry.sources)
    oxygen = practice.oxygen
    for fact in (oxygen.expansion, oxygen.deficiency, oxygen.evacuate):
        codes.extend(fact.sources)
    return tuple(dict.fromkeys(codes))


def references() -> Html:
    """The full reference of every source lesson 07 cites."""
    sources = load().sources
    rows = [(escape(code), escape(sources[code].authors or "seed article"),
             escape(sources[code].title), escape(sources[code].where))
            for code in sources_used()]
    return _table("Sources of this lesson", ("code", "who", "title", "where"), rows)


__all__ = [
    "CABIN", "SPILL", "OxygenRoomWidget", "emergencies_table", "never_table", "numbered",
    "oxygen_facts", "oxygen_figure", "oxygen_plot", "oxygen_summary", "plot_oxygen",
    "record_fields_table", "record_table", "references", "room_curve", "rules_table",
    "seed_claim_note", "sources_used", "spill_plot", "status_legend",
]
