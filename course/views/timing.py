"""Views over ``course.models.timing``: tables of limits, the session timeline, the course calendar,
and two small planner widgets. Figures use matplotlib's OO API (no pyplot, no rcParams)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

import ipywidgets as widgets
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course.facts.knowledge import UnknownNameError, find_modality, load
from course.models.physiology import PRESETS, simulate
from course.models.session_record import SessionRecord, header_rows
from course.models.timing import (
    SPOT,
    CoursePlan,
    LogEvent,
    SessionPlan,
    TimingError,
    Violation,
    check_course,
    duration_text,
    plan_course,
    plan_session,
    source_label,
    time_limits,
)
from course.views.batched import BatchedRefresh
from course.views.html import Html
from course.views.simulator import errors_line, figure_png
from course.views.style import OKABE_ITO

WITHIN_COLOUR = OKABE_ITO["blue"]
OVER_COLOUR = OKABE_ITO["vermillion"]
WAIT_COLOUR = OKABE_ITO["sky_blue"]
LIMIT_COLOUR = OKABE_ITO["black"]
NO_AREA = "(none)"


def _sources(codes: Iterable[str]) -> str:
    """Source labels: a seed as "S1 (its file name)", a paper as "Authors year"."""
    labels = []
    for code in codes:
        label = source_label(code)
        shown = f"{label} ({code})" if label != code and code.endswith(".txt") else label
        labels.append(f'<span title="{escape(code)}">{escape(shown)}</span>')
    return ", ".join(labels)


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]]) -> Html:
    """An HTML table; cells are already escaped HTML."""
    header = "".join(f"<th>{escape(title)}</th>" for title in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return Html(f"<table><caption>{escape(caption)}</caption><tr>{header}</tr>{body}</table>")


# --------------------------------------------------------------------------- tables


def limits_table() -> Html:
    """Every modality's maximum exposure, the basis of each number and its sources."""
    rows = []
    for modality in load().modalities.values():
        limits = time_limits(modality)
        if limits and modality.max_exposure_s is not None:
            main = limits[0]
            headline = f"<b>{duration_text(main.max_s)}</b> {escape(main.scope)}"
            extra = "".join(f"<br><small>{escape(lim.scope)}: {duration_text(lim.max_s)} "
                            f"({escape(lim.basis_kind)}; {_sources(lim.sources)})</small>"
                            for lim in limits[1:])
            sources = _sources(main.sources)
        else:
            headline, extra, sources = "<b>no teachable limit</b>", "", _sources(modality.sources)
        rows.append((
            f"<b>{escape(modality.name)}</b>", escape(modality.performer), headline + extra,
            f"<i>{escape(modality.max_basis_kind)}</i>", escape(modality.max_basis), sources,
        ))
    return _table("Maximum exposure taught by the course. Basis: seed = salon article only, "
                  "published = a published source, model = the course's own model, none = no "
                  "teachable limit.",
                  ("modality", "performed by", "maximum", "basis", "why this number", "sources"),
                  rows)


def conflict_note(code: str = "cryomassage_protocol") -> Html:
    """A disagreement between sources, each side with its sources, and the course's rule."""
    conflict = load().conflicts[code]
    sides = "".join(f"<li>{escape(position.text)} ({_sources(position.sources)})</li>"
                    for position in conflict.positions)
    return Html(f"<p><b>{escape(conflict.title)}</b></p><ul>{sides}</ul>"
                f"<p><b>Course rule:</b> {escape(conflict.rule)}<br>"
                f"<b>Why:</b> {escape(conflict.why)}</p>")


def spacing_table() -> Html:
    """Course length and spacing for the modalities whose sources describe a course."""
    rows = [
        (f"<b>{escape(m.name)}</b>", escape(m.performer),
         (f"<b>{m.interval_days}</b><br><small>{escape(m.interval_basis)}</small>"
          if m.interval_days is not None else "not stated"),
         escape(m.sessions_text), _sources(m.sources))
        for m in load().modalities.values() if m.interval_days is not None or m.sessions
    ]
    return _table("Course spacing. The days between sessions are the course's planning rule, "
                  "taken from the sources' protocols (efficacy protocols, not published safety "
                  "minimums) so the skin recovers first; the number of sessions is what salons "
                  "claim is needed for a result, not a safety limit.",
                  ("modality", "performed by", "planned at least … days apart",
                   "sessions described", "sources"), rows)


def observation_note() -> Html:
    """The observation period after every session, from the knowledge base."""
    kb = load()
    item = kb.aftercare["observe_30_min"]
    minutes = sorted({m.observation_minutes for m in kb.modalities.values()})
    span = " or ".join(str(m) for m in minutes)
    return Html(f"<p><b>{escape(item.name)}.</b> {escape(item.text)} "
                f"The course keeps every client for {span} minutes after every modality "
                f"({_sources(item.sources)}).</p>")


def held_still_vs_moving() -> Html:
    """Lesson 01's simulator: a liquid-nitrogen swab kept moving vs held still on one spot."""
    rows = []
    for name in ("ln2_applicator_moving", "ln2_applicator_static"):
        preset = PRESETS[name]
        response = simulate(preset.exposure, observe_s=60.0)
        rows.append((escape(preset.label), f"{response.min_surface_c:.0f} °C",
                     duration_text(round(response.seconds_below_zero, 1))))
    spot = [lim for lim in time_limits("ln2_cryomassage") if lim.kind == SPOT]
    static = PRESETS["ln2_applicator_static"]
    caption = ("Skin surface in lesson 01's cold-response simulator. Basis: illustrative (the "
               "swab's heat transfer is a teaching value; no study has measured skin under a "
               f"moving swab). {errors_line(static, False)} {static.caveat} "
               + (spot[0].text if spot else ""))
    return _table(caption, ("applicator", "coldest skin surface", "time below 0 °C"), rows)


def log_table(events: Sequence[LogEvent]) -> Html:
    """A recorded session log, one line per event (no verdicts: trainees find them)."""
    rows = [(f"<b>{escape(e.label)}</b>", str(e.day), escape(e.area.replace("_", " ")),
             escape(e.spot) if e.spot else "moving pass", f"{e.start_s:g}", f"{e.duration_s:g}")
            for e in events]
    return _table("Session log", ("line", "day", "area", "spot held", "start (s)",
                                  "duration (s)"), rows)


def instructions_card(instructions: Mapping[str, object]) -> Html:
    """A device's instructions for use, as a two-column card (label, what it says)."""
    rows = [(f"<b>{escape(str(label))}</b>", escape(str(value)))
            for label, value in instructions.items()]
    return _table("Device instructions for use (IFU)", ("item", "the IFU says"), rows)


def record_table(record: SessionRecord) -> Html:
    """A session record: its fields ("not recorded" when empty), then its log lines."""
    rows = [(f"<b>{escape(name)}</b>", escape(value)) for name, value in header_rows(record)]
    header = _table("Session record", ("field", "entry"), rows)
    return Html(header + (log_table(record.times) if record.times else
                          "<p><b>Times:</b> not recorded</p>"))


def chamber_sessions_table(sessions: Mapping[str, tuple[float, float]]) -> Html:
    """One day's chamber sessions: line, cabin temperature, time in the cabin."""
    rows = [(f"<b>{escape(label)}</b>", f"{temp:g} °C", f"{seconds:g} s")
            for label, (temp, seconds) in sessions.items()]
    return _table("Cryosauna log", ("line", "cabin temperature", "time in the cabin"), rows)


def schedule_table(dates: Sequence[date]) -> Html:
    """A list of session dates with the weekday."""
    rows = [(str(n), d.strftime("%A %d %B %Y")) for n, d in enumerate(dates, start=1)]
    return _table("Proposed sessions", ("session", "date"), rows)


def violations_html(violations: Sequence[Violation], notes: Sequence[str] = ()) -> Html:
    """Warnings (with basis and sources) and notes, or a line saying all is within limits."""
    if violations:
        items = "".join(f"<li>⚠️ {escape(v.message)}</li>" for v in violations)
        text = f"<p><b>{len(violations)} problem(s):</b></p><ul>{items}</ul>"
    else:
        text = "<p>✔ Within every limit the course teaches.</p>"
    if notes:
        text += "<ul>" + "".join(f"<li><small>{escape(n)}</small></li>" for n in notes) + "</ul>"
    return Html(text)


@dataclass(eq=False)
class Plot:
    """A figure with its one-line summary; a notebook shows the image, then the sentence
    (also the image's alt text, for screen readers)."""

    figure: Figure
    summary: str

    def _repr_html_(self) -> str:
        data = base64.b64encode(figure_png(self.figure)).decode("ascii")
        alt = escape(self.summary, quote=True)
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{alt}">'
                f"<figcaption>{escape(self.summary)}</figcaption></figure>")


# --------------------------------------------------------------------------- session timeline


def plot_session(ax: Axes, plan: SessionPlan) -> dict[str, list]:
    """Draw the session timeline: a row per area, bars over time, the session limit line."""
    areas = list(dict.fromkeys(segment.area for segment in plan.segments)) or list(
        plan.area_totals)
    rows = {area: index for index, area in enumerate(reversed(areas))}
    drawn: dict[str, list] = {"bars": [], "limit": []}
    for over, colour in ((False, WITHIN_COLOUR), (True, OVER_COLOUR)):
        for area in areas:
            spans = [(s.start_s / 60, (s.end_s - s.start_s) / 60)
                     for s in plan.segments if s.area == area and s.over == over]
            if spans:
                drawn["bars"].append(ax.broken_barh(
                    spans, (rows[area] - 0.35, 0.7), facecolors=colour,
                    edgecolor=OKABE_ITO["black"], linewidth=0.5, hatch="//" if over else None))
    handles: list[Artist] = [Patch(facecolor=WITHIN_COLOUR, label="within the limits"),
               Patch(facecolor=OVER_COLOUR, hatch="//", label="past a limit")]
    if plan.session_limit_s is not None:
        line = ax.axvline(plan.session_limit_s / 60, color=LIMIT_COLOUR, linestyle="--",
                          label=f"session limit {duration_text(plan.session_limit_s)}")
        drawn["limit"].append(line)
        handles.append(line)
    end = max([plan.total_s, plan.session_limit_s or 0.0, plan.area_limit_s or 0.0, 60.0])
    ax.set(xlim=(0, end * 1.05 / 60), ylim=(-0.6, max(len(areas), 1) - 0.4),
           xlabel="time into the session (min)", ylabel="area",
           title=f"{plan.name}: session timeline")
    ax.set_yticks(list(rows.values()), [area.replace("_", " ") for area in rows])
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return drawn


def session_figure(plan: SessionPlan) -> Figure:
    """A new Figure with the session timeline."""
    figure = Figure(figsize=(8.0, 3.2), layout="constrained")
    plot_session(figure.add_subplot(), plan)
    return figure


def session_summary(plan: SessionPlan) -> str:
    """One sentence describing the timeline, for screen readers."""
    parts = ", ".join(f"{area.replace('_', ' ')} {duration_text(seconds)}"
                      for area, seconds in plan.area_totals.items())
    limits = []
    if plan.session_limit_s is not None:
        limits.append(f"{duration_text(plan.session_limit_s)} per session")
    if plan.area_limit_s is not None:
        limits.append(f"{duration_text(plan.area_limit_s)} per area")
    against = f" against a limit of {' and '.join(limits)}" if limits else ""
    verdict = (f"{len(plan.violations)} problem(s)" if plan.violations
               else "within the limits")
    return (f"{plan.name}: {parts}; total {duration_text(plan.total_s)}{against}: {verdict}.")


def session_plot(plan: SessionPlan) -> Plot:
    """The session timeline with its summary, for a notebook."""
    return Plot(session_figure(plan), session_summary(plan))


# --------------------------------------------------------------------------- course calendar


def plot_course(ax: Axes, plan: CoursePlan) -> dict[str, list]:
    """Draw the course calendar: sessions as dots, the waiting period after each, the gaps."""
    too_soon = {v.label for v in plan.violations if v.kind == "interval"}
    drawn: dict[str, list] = {"sessions": [], "waits": [], "gaps": []}
    wait = plan.min_interval_days
    # Dates are plotted as dates (matplotlib's date units), which its stubs type as floats.
    for day in plan.dates:
        if wait:
            drawn["waits"].append(ax.axvspan(day, day + timedelta(days=wait),  # type: ignore[arg-type]
                                             ymin=0.35,
                                             ymax=0.65, color=WAIT_COLOUR, alpha=0.35))
    for day in plan.dates:
        colour = OVER_COLOUR if day.isoformat() in too_soon else WITHIN_COLOUR
        marker = "X" if day.isoformat() in too_soon else "o"
        drawn["sessions"].extend(ax.plot([day], [0],  # type: ignore[arg-type]
                                         marker=marker, markersize=11,
                                         color=colour, linestyle="none"))
    for earlier, later, gap in zip(plan.dates, plan.dates[1:], plan.gaps_days, strict=False):
        middle = earlier + (later - earlier) / 2
        colour = OVER_COLOUR if later.isoformat() in too_soon else OKABE_ITO["black"]
        drawn["gaps"].append(ax.annotate(f"{gap} d", (middle, 0.25), ha="center", color=colour))
    handles: list[Artist] = [Patch(facecolor=WITHIN_COLOUR, label="session"),
               Patch(facecolor=OVER_COLOUR, label="too soon after the previous one")]
    if wait:
        handles.append(Patch(facecolor=WAIT_COLOUR, alpha=0.35,
                             label=f"wait at least {wait} days"))
    first, last = plan.dates[0], plan.dates[-1] + timedelta(days=wait or 1)
    ax.set(xlim=(first - timedelta(days=2), last + timedelta(days=2)), ylim=(-1, 1),
           xlabel="date", title=f"{find_modality(plan.modality).name}: course calendar")
    ax.set_yticks([])
    ax.legend(handles=handles, loc="lower right", fontsize="small", ncols=3)
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    return drawn


def course_figure(plan: CoursePlan) -> Figure:
    """A new Figure with the course calendar."""
    figure = Figure(figsize=(8.0, 2.8), layout="constrained")
    plot_course(figure.add_subplot(), plan)
    return figure


def course_summary(plan: CoursePlan) -> str:
    """One sentence describing the calendar, for screen readers."""
    name = find_modality(plan.modality).name
    gaps = ", ".join(str(gap) for gap in plan.gaps_days) or "none"
    need = (f"at least {plan.min_interval_days} days needed" if plan.min_interval_days
            else "no minimum gap in the sources")
    soon = sum(v.kind == "interval" for v in plan.violations)
    verdict = f"{soon} session(s) too soon" if soon else "no session too soon"
    return (f"{name}: {len(plan.dates)} session(s) from {plan.dates[0]:%d %b %Y} to "
            f"{plan.dates[-1]:%d %b %Y}; gaps {gaps} days; {need}: {verdict}.")


def course_plot(plan: CoursePlan) -> Plot:
    """The course calendar with its summary, for a notebook."""
    return Plot(course_figure(plan), course_summary(plan))


def course_from_dates(modality: str, dates: Sequence[date]) -> CoursePlan:
    """A CoursePlan for dates someone proposed (not evenly spaced)."""
    ordered = tuple(sorted(dates))
    found = find_modality(modality)
    return CoursePlan(found.code, ordered, found.interval_days, check_course(found, ordered))


# --------------------------------------------------------------------------- widgets


def _modality_options() -> list[tuple[str, str]]:
    """Cosmetologist modalities first, then the others (which the planner refuses)."""
    ordered = sorted(load().modalities.values(), key=lambda m: m.performer != "cosmetologist")
    return [(m.name if m.performer == "cosmetologist" else f"{m.name} (physician only)", m.code)
            for m in ordered]


class SessionPlannerWidget(BatchedRefresh):
    """Plan one session: modality, up to three areas with seconds per pass, and passes.

    Controls are plain ipywidgets whose ``.value`` can be set; ``.plan`` is the latest
    SessionPlan, ``.total`` / ``.warnings`` / ``.summary`` hold the texts, ``.image`` the plot.
    """

    def __init__(self, modality: str = "ln2_cryomassage", areas: int = 3) -> None:
        style = {"description_width": "initial"}
        self.modality = widgets.Dropdown(options=_modality_options(), value=modality,
                                         description="Modality", style=style,
                                         layout=widgets.Layout(width="460px"))
        self.area_pickers = [widgets.Dropdown(description=f"Area {n + 1}", style=style)
                             for n in range(areas)]
        self.area_seconds = [widgets.IntSlider(value=30, min=0, max=300, step=5,
                                               description="seconds per pass",
                                               continuous_update=False, style=style)
                             for _ in range(areas)]
        self.passes = widgets.IntSlider(value=1, min=1, max=10, description="Passes",
                                        continuous_update=False, style=style)
        self.chamber_temp = widgets.IntSlider(value=-150, min=-170, max=-110, step=5,
                                              description="Cabin temperature (°C)",
                                              continuous_update=False, style=style)
        self.total = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.warnings = widgets.HTML()
        self.summary = widgets.Label()
        self.plan: SessionPlan | None = None
        rows = [widgets.HBox([pick, secs])
                for pick, secs in zip(self.area_pickers, self.area_seconds, strict=True)]
        self.widget = widgets.VBox([self.modality, *rows, self.passes, self.chamber_temp,
                                    self.total, self.image, self.warnings, self.summary])
        with self.batch():
            self._show_modality()
        self.modality.observe(self._on_modality, names="value")
        for control in (*self.area_pickers, *self.area_seconds, self.passes, self.chamber_temp):
            control.observe(self._on_change, names="value")

    def _show_modality(self) -> None:
        found = find_modality(self.modality.value)
        options = [NO_AREA, *found.sites]
        used = 1 if found.whole_body else len(self.area_pickers)  # one cabin, one exposure
        for index, picker in enumerate(self.area_pickers):
            picker.options = options
            picker.value = options[index + 1] if index < used and index + 1 < len(options) \
                else NO_AREA
        self.chamber_temp.disabled = not found.whole_body

    def _on_modality(self, change: dict) -> None:
        with self.batch():
            self._show_modality()

    def areas(self) -> list[tuple[str, int]]:
        """(area, seconds per pass) for the rows that name an area."""
        return [(pick.value, secs.value)
                for pick, secs in zip(self.area_pickers, self.area_seconds, strict=True)
                if pick.value and pick.value != NO_AREA]

    def refresh(self) -> None:
        """Re-plan for the current controls and update the texts and the plot."""
        found = find_modality(self.modality.value)
        temp = self.chamber_temp.value if found.whole_body else None
        try:
            plan = plan_session(found, self.areas(), passes=self.passes.value,
                                chamber_temp_c=temp)
        except (TimingError, UnknownNameError) as problem:
            self.warnings.value = f"<b>Cannot plan this:</b> {escape(str(problem))}"
            return
        self.plan = plan
        self.total.value = (f"<b>Total exposure: {duration_text(plan.total_s)}</b> "
                            f"(then {plan.observation_minutes} min observation)")
        self.image.value = figure_png(session_figure(plan))
        self.warnings.value = violations_html(plan.violations, plan.notes)
        self.summary.value = session_summary(plan)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class CoursePlannerWidget:
    """Plan a course: modality, first date, number of sessions, days between them."""

    def __init__(self, modality: str = "ln2_cryomassage", start: date | None = None) -> None:
        style = {"description_width": "initial"}
        self.modality = widgets.Dropdown(options=_modality_options(), value=modality,
                                         description="Modality", style=style,
                                         layout=widgets.Layout(width="460px"))
        self.start = widgets.DatePicker(value=start or date(2025, 10, 6),
                                        description="First session", style=style)
        self.sessions = widgets.IntSlider(value=6, min=1, max=20, description="Sessions",
                                          continuous_update=False, style=style)
        self.interval = widgets.IntSlider(value=7, min=1, max=45, description="Days apart",
                                          continuous_update=False, style=style)
        self.image = widgets.Image(format="png")
        self.warnings = widgets.HTML()
        self.summary = widgets.Label()
        self.plan: CoursePlan | None = None
        self.widget = widgets.VBox([self.modality, self.start, self.sessions, self.interval,
                                    self.image, self.warnings, self.summary])
        self.refresh()
        for control in (self.modality, self.start, self.sessions, self.interval):
            control.observe(lambda change: self.refresh(), names="value")

    def refresh(self) -> None:
        """Re-plan the course for the current controls."""
        if self.start.value is None:
            self.warnings.value = "<b>Pick the date of the first session.</b>"
            return
        try:
            plan = plan_course(self.modality.value, self.start.value, self.sessions.value,
                               self.interval.value)
        except (TimingError, UnknownNameError) as problem:
            self.warnings.value = f"<b>Cannot plan this:</b> {escape(str(problem))}"
            return
        self.plan = plan
        self.image.value = figure_png(course_figure(plan))
        self.warnings.value = violations_html(plan.violations, plan.notes)
        self.summary.value = course_summary(plan)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


__all__ = [
    "Plot", "course_plot", "session_plot",
    "CoursePlannerWidget", "SessionPlannerWidget", "chamber_sessions_table", "conflict_note",
    "course_figure", "course_from_dates", "course_summary",
    "held_still_vs_moving", "limits_table", "log_table", "observation_note", "plot_course",
    "record_table",
    "plot_session", "schedule_table", "session_figure", "session_summary", "spacing_table",
    "violations_html",
]
