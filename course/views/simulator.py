"""Figures, plain-language verdicts and the interactive simulator over ``course.models.physiology``.

The figure is drawn once with matplotlib's object-oriented API (no pyplot, no rcParams) and
later updates only move existing artists. The widget renders that figure to a PNG inside an
``ipywidgets.Image``, so it works in JupyterLab without ipympl.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from html import escape
from typing import Literal

import ipywidgets as widgets
import PIL.Image
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import blended_transform_factory

from course.facts.knowledge import sources_text
from course.facts.physiology_data import BASIS_WORDS
from course.foundation.names import duration_text
from course.models.physiology import (
    BASELINE_FLOW_BAND,
    FREEZING_C,
    FROSTBITE_C,
    LESION_DESTRUCTION_C,
    NERVE_SLOWING_C,
    NUMBNESS_C,
    PRESETS,
    REWARMING_RANGE,
    SAFETY_BANDS,
    Exposure,
    Preset,
    Response,
    Touches,
    preset,
    simulate,
)
from course.models.physiology_validation import OWN_SETTINGS_ERRORS, known_errors_text
from course.views.batched import BatchedRefresh

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
TEMPERATURE_COLOUR = OKABE_ITO["blue"]
FLOW_COLOUR = OKABE_ITO["vermillion"]
COLD_PERIOD_COLOUR = OKABE_ITO["sky_blue"]
PHASE_NAMES = ("cooling", "rebound", "recovery")
TOP_C = 38.0
CONTROLS_WIDTH = "390px"
# Drawn at the size it is shown (620 x 460 px, never stretched): 8-point labels are 11 px.
PNG_DPI = 100
FIGURE_SIZE_IN = (6.2, 4.6)
LABEL_PT = 8
PHASE_LABEL_GAP = 0.16  # phase words closer than this share of the time axis would overlap


def _band_lines() -> list[tuple[float, str, str, str, bool]]:
    """(temperature, label, colour, line style, label above the line) for the thresholds.

    The two lines are 3.6 °C apart, a few pixels when the axis spans a liquid-nitrogen
    exposure: one label sits above its line and the other below, so they never overlap.
    """
    return [
        (NUMBNESS_C, f"{NUMBNESS_C:g} °C numbness", OKABE_ITO["green"], "--", True),
        (
            NERVE_SLOWING_C,
            f"{NERVE_SLOWING_C:g} °C nerve slowing",
            OKABE_ITO["reddish_purple"],
            ":",
            False,
        ),
    ]


@dataclass(eq=False)
class ResponseArtists:
    """What :func:`plot_response` drew; :meth:`update` moves it to show another response."""

    ax_temp: Axes
    ax_flow: Axes
    temperature: Line2D
    flow: Line2D
    cold_periods: tuple[Rectangle, Rectangle]
    phase_labels: dict[str, Text]
    band_labels: tuple[Text, ...] = ()  # numbness, nerve slowing (none when not drawn)
    freezing_label: Text | None = None
    spot: Line2D | None = None  # the coldest spot under a nozzle (empty when there is none)

    def update(self, response: Response) -> None:
        """Show ``response`` by changing the existing artists (no new figure, no new lines)."""
        t_min = response.t_s / 60.0
        self.temperature.set_data(t_min, response.surface_c)
        self.flow.set_data(t_min, response.perfusion_rel)
        if self.spot is not None:
            spot = response.spot
            self.spot.set_data(([], []) if spot is None else (spot.t_s / 60.0, spot.surface_c))
        end_min = response.end_of_cold_s / 60.0
        for span in self.cold_periods:
            span.set_x(0.0)
            span.set_width(end_min)
        right = _axis_end_min(float(t_min[-1]))
        for ax in (self.ax_temp, self.ax_flow):
            ax.set_xlim(0.0, right)
        bottom = min(LESION_DESTRUCTION_C - 8.0, response.coldest_c - 5.0)
        self.ax_temp.set_ylim(bottom, TOP_C)
        top_flow = max(2.5, math.ceil(float(response.perfusion_rel.max()) * 1.15 * 2) / 2)
        self.ax_flow.set_ylim(0.0, top_flow)
        spans = {}
        for name, label in self.phase_labels.items():
            times = t_min[response.phase == name]
            label.set_visible(times.size > 0)
            if times.size:
                spans[name] = times[-1] - times[0]
                middle = 0.5 * (times[0] + times[-1])
                middle = min(max(middle, 0.07 * right), 0.93 * right)  # keep the word inside
                label.set_position((middle, top_flow * 0.93))
        self._separate_phase_labels(spans, right)
        self._separate_band_labels(bottom)

    def _separate_phase_labels(self, spans: dict[str, float], right: float) -> None:
        """A phase too short to hold its word (a 3 s hold on a 10 min axis) loses the word
        rather than printing it over its neighbour's (the shading still shows the cold)."""
        shown = sorted((label.get_position()[0], name) for name, label in
                       self.phase_labels.items() if label.get_visible())
        for (x_left, left), (x_right, right_name) in zip(shown, shown[1:], strict=False):
            if x_right - x_left < PHASE_LABEL_GAP * right:
                shorter = left if spans[left] <= spans[right_name] else right_name
                self.phase_labels[shorter].set_visible(False)

    def _separate_band_labels(self, bottom: float) -> None:
        """On an axis down to liquid-nitrogen temperatures the 13.6, 10 and 0 °C lines are a
        few pixels apart: their labels then become one label above the numbness line."""
        if len(self.band_labels) != 2:
            return
        numbness, nerves = self.band_labels
        px_per_degree = self.ax_temp.bbox.height / (TOP_C - bottom)
        label_px = LABEL_PT * self.ax_temp.figure.dpi / 72
        crowded = (NERVE_SLOWING_C - FREEZING_C) * px_per_degree < 2.4 * label_px
        nerves.set_visible(not crowded)
        numbness.set_text(f"{NUMBNESS_C:g} °C numbness" + (
            f" (dashed), {NERVE_SLOWING_C:g} °C nerve slowing (dotted)" if crowded else ""))

    def artists(self) -> list:
        """Every artist that changes with the response."""
        spot = [self.spot] if self.spot is not None else []
        return [*self.cold_periods, self.temperature, *spot, self.flow,
                *self.phase_labels.values()]


def _axis_end_min(last_min: float) -> float:
    """Round the time axis up (whole minutes, 5-minute steps past 11) so it changes rarely.

    A hold of seconds followed by the 10 minutes watched ends just past 10 min: its axis
    ends at 11 min, not 15 (a third of the chart would be empty)."""
    step = 5.0 if last_min > 11.0 else 1.0
    return max(step, math.ceil(last_min / step - 1e-9) * step)


def make_axes(figure: Figure | None = None) -> tuple[Figure, Axes, Axes]:
    """A figure with a temperature axis above a blood-flow axis sharing time (fixed layout)."""
    figure = figure if figure is not None else Figure(figsize=FIGURE_SIZE_IN, dpi=PNG_DPI)
    ax_temp, ax_flow = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    figure.subplots_adjust(left=0.12, right=0.98, top=0.885, bottom=0.11, hspace=0.12)
    return figure, ax_temp, ax_flow


def plot_response(ax_temp: Axes, ax_flow: Axes, response: Response) -> ResponseArtists:
    """Draw surface temperature, safety bands, blood flow and phases; return the artists."""
    on_right = blended_transform_factory(ax_temp.transAxes, ax_temp.transData)
    ax_temp.axhspan(LESION_DESTRUCTION_C, FREEZING_C, color=OKABE_ITO["orange"], alpha=0.18, lw=0)
    ax_temp.axhspan(-300.0, LESION_DESTRUCTION_C, color=FLOW_COLOUR, alpha=0.22, lw=0)
    ax_temp.axhline(FREEZING_C, color=OKABE_ITO["black"], lw=1.0)
    freezing = ax_temp.text(
        0.99,
        FREEZING_C - 1.0,
        "below 0 °C: freezing risk",
        transform=on_right,
        ha="right",
        va="top",
        fontsize=LABEL_PT,
    )
    ax_temp.text(
        0.99,
        LESION_DESTRUCTION_C - 1.0,
        f"−{-LESION_DESTRUCTION_C:g} °C and colder: lesion destruction (doctor only)",
        transform=on_right,
        ha="right",
        va="top",
        fontsize=LABEL_PT,
    )
    band_labels = []
    for temp, label, colour, style, above in _band_lines():
        ax_temp.axhline(temp, color=colour, ls=style, lw=1.2)
        band_labels.append(ax_temp.text(
            0.99,
            temp + 0.6 if above else temp - 0.6,
            label,
            transform=on_right,
            ha="right",
            va="bottom" if above else "top",
            fontsize=LABEL_PT,
            color=colour,
        ))
    cold_temp = ax_temp.axvspan(0.0, 1.0, color=COLD_PERIOD_COLOUR, alpha=0.2, lw=0)
    cold_flow = ax_flow.axvspan(0.0, 1.0, color=COLD_PERIOD_COLOUR, alpha=0.2, lw=0)
    (temperature,) = ax_temp.plot(
        [], [], color=TEMPERATURE_COLOUR, lw=2.0, label="skin surface temperature"
    )
    (spot,) = ax_temp.plot([], [], color=TEMPERATURE_COLOUR, lw=1.5, ls="--",
                           label="coldest spot under the nozzle")
    ax_temp.set(
        ylabel="skin surface temperature (°C)",
        title="Skin surface temperature\n(shaded: cold applied; dashed: coldest spot)",
    )
    ax_flow.axhline(1.0, color=OKABE_ITO["black"], ls="--", lw=1.0)
    ax_flow.text(
        0.005,
        1.03,
        "resting flow",
        transform=blended_transform_factory(ax_flow.transAxes, ax_flow.transData),
        fontsize=LABEL_PT,
        va="bottom",
    )
    (flow,) = ax_flow.plot([], [], color=FLOW_COLOUR, lw=2.0, label="skin blood flow")
    ax_flow.set(
        xlabel="time from the start of the cold (min)", ylabel="skin blood flow (× resting)"
    )
    labels = {
        name: ax_flow.text(0.0, 0.0, name, ha="center", va="top", fontsize=9, fontweight="bold")
        for name in PHASE_NAMES
    }
    drawn = ResponseArtists(ax_temp, ax_flow, temperature, flow, (cold_temp, cold_flow), labels,
                            tuple(band_labels), freezing, spot)
    drawn.update(response)
    return drawn


def _duration(seconds: float) -> str:
    """95.4 → "95 s"; 361 → "6 min 1 s" (to the whole second)."""
    return duration_text(round(seconds))


def _flow_after(response: Response) -> str:
    peak = response.peak_hyperaemia
    if peak is None:
        return "the observation stops when the cold ends"
    if response.seconds_to_peak_hyperaemia is not None and peak > 1.05:
        return (
            f"blood flow rebounds to {peak:.1f}x baseline "
            f"{_duration(response.seconds_to_peak_hyperaemia)} after the cold ends"
        )
    watched = float(response.t_s[-1]) - response.end_of_cold_s
    final = float(response.perfusion_rel[-1])
    if final >= 1.0 - BASELINE_FLOW_BAND:
        return (f"blood flow is back to baseline ({final:.2f}x) {_duration(watched)} after "
                "the cold ends, with no rebound")
    return (
        f"blood flow stays below baseline: still {final:.2f}x "
        f"baseline {_duration(watched)} after the cold ends"
    )


def _frozen_text(response: Response) -> str:
    text = f"spends {_duration(response.seconds_below_zero)} below 0 °C"
    if response.frozen_depth_mm >= 0.05:
        text += f", frozen to about {response.frozen_depth_mm:.1f} mm deep"
    return text


def _numb_text(response: Response) -> str:
    if response.seconds_to_numbness is None:
        return f"Never numb (lowest {response.min_surface_c:.1f} °C)"
    numb = ("Numb within a second" if response.seconds_to_numbness < 1 else
            f"Numb after {_duration(response.seconds_to_numbness)}")
    if response.min_surface_c <= NERVE_SLOWING_C:
        numb += f"; nerves slowed (surface down to {response.min_surface_c:.1f} °C)"
    if response.numb_after_cold_s is not None and response.numb_after_cold_s >= 1:
        numb += (f"; still numb {_duration(response.numb_after_cold_s)} after the cold ends, "
                 "though the surface has warmed")
    return numb


def verdict(response: Response, exposure: Exposure) -> str:
    """A plain-language verdict on what this exposure does to the skin.

    Freezing is judged on the coldest surface shown: the coldest spot under a nozzle when the
    run has one, not only the average surface."""
    lowest = response.min_surface_c
    spot = response.spot
    if lowest < FROSTBITE_C:
        text = (
            f"Freezing: this is cryodestruction, a physician's procedure, never a cosmetic "
            f"one. The surface reaches {lowest:.0f} °C and {_frozen_text(response)}"
        )
        if lowest <= LESION_DESTRUCTION_C:
            text += ", down in the range doctors use to destroy lesions"
        return text + "."
    if lowest < FREEZING_C:
        return (
            f"Freezing possible: the surface dips to {lowest:.1f} °C and "
            f"{_frozen_text(response)}. Stop: cosmetic cold must keep the skin above 0 °C."
        )
    if spot is not None and spot.min_surface_c < FREEZING_C:
        return (
            f"Freezing possible at the coldest spot: the average surface stays at "
            f"{lowest:.1f} °C or above, but the spot right under the nozzle dips to "
            f"{spot.min_surface_c:.1f} °C and {_frozen_text(spot)}. Stop: cosmetic cold must "
            "keep the skin above 0 °C everywhere."
        )
    numb = _numb_text(response)
    if exposure.contact != "continuous":
        numb += " while the applicator keeps moving"
    above = "stays above 0 °C"
    if spot is not None:
        above = (f"the average surface stays above 0 °C and the coldest spot under the nozzle "
                 f"reaches {spot.min_surface_c:.1f} °C")
    return f"{numb}; {above}; {_flow_after(response)}."


def errors_line(chosen: Preset, own_settings: bool) -> str:
    """The verdict's second line: which way the model is known to be wrong for this preset."""
    if own_settings:
        return OWN_SETTINGS_ERRORS
    return known_errors_text(chosen.checked_against, chosen.illustrative)


def basis_note(chosen: Preset, own_settings: bool) -> str:
    """What the numbers rest on, and what the chart cannot show, in plain words."""
    if own_settings:
        basis = ("Basis: illustrative. These are your own settings; the model was checked only "
                 f"at the preset's (its basis there: {chosen.basis}).")
    else:
        basis = f"Basis: {BASIS_WORDS[chosen.basis]}. {chosen.note}"
    text = f"{basis} {chosen.caveat} Source: {chosen.source}."
    if chosen.modality == "cryosauna":
        text += (f" {REWARMING_RANGE.text} ({sources_text(REWARMING_RANGE.sources)}).")
    return text


def summary(response: Response) -> str:
    """One line describing the chart, for screen readers."""
    end = response.end_of_cold_s
    final = float(response.surface_c[-1])
    text = (
        f"Chart: skin surface temperature starts at {response.rest_surface_c:.1f} °C, "
        f"falls to {response.min_surface_c:.1f} °C during {_duration(end)} of cold"
    )
    if response.t_s[-1] > end:
        text += f" and is {final:.1f} °C at the end"
    if response.spot is not None:
        text += (f"; the dashed curve, the coldest spot under the nozzle, falls to "
                 f"{response.spot.min_surface_c:.1f} °C")
    low_flow = float(response.perfusion_rel[response.t_s <= end].min())
    text += f"; skin blood flow falls to {low_flow:.2f}x resting"
    if response.peak_hyperaemia is not None and response.peak_hyperaemia > 1.05:
        text += (
            f" and peaks at {response.peak_hyperaemia:.1f}x resting "
            f"{_duration(response.seconds_to_peak_hyperaemia or 0.0)} after the cold ends"
        )
    return text + "."


def figure_png(figure: Figure, dpi: int = PNG_DPI) -> bytes:
    """Render ``figure`` to PNG bytes (Agg canvas; no pyplot, no global state)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class PngRenderer:
    """Renders a figure to PNG, redrawing only the changing artists while the axes stay put.

    The static part (axes, ticks, bands, labels) is drawn once per set of axis limits and kept
    as a background; each render restores it and draws the ``changing`` artists on top.
    """

    def __init__(self, figure: Figure, changing: list) -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.changing = changing
        for artist in changing:
            artist.set_animated(True)
        self._background = None
        self._limits: tuple | None = None

    def render(self) -> bytes:
        """Current figure as PNG bytes (fast compression: the image is redrawn often)."""
        limits = tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes)
        if limits != self._limits:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._limits = limits
        else:
            self.canvas.restore_region(self._background)
        for artist in self.changing:
            artist.axes.draw_artist(artist)
        buffer = io.BytesIO()
        width, height = self.canvas.get_width_height(physical=True)
        pixels = PIL.Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        pixels.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class SimulatorWidget(BatchedRefresh):
    """Interactive cold-response simulator: pick a preset, change it, read the verdict.

    ``.controls`` holds the control widgets, ``.figure`` the matplotlib Figure, ``.response``
    the latest :class:`~course.models.physiology.Response`, ``.verdict`` an HTML widget with the
    verdict and the direction of the model's known errors there, ``.summary`` a one-line text
    description of the chart and ``.basis`` what the numbers rest on (measured, calibrated,
    illustrative) and what the chart cannot show.
    """

    def __init__(self, preset_name: str = "whole_body_chamber", observe_s: float = 600.0) -> None:
        chosen = preset(preset_name)
        self.observe_s = observe_s
        self.preset = widgets.Dropdown(
            options=[(item.label, name) for name, item in PRESETS.items()],
            value=preset_name,
            description="Preset",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="380px"),
        )
        self.agent_temp = widgets.FloatSlider(
            min=-196.0,
            max=30.0,
            step=1.0,
            description="Agent (°C)",
            continuous_update=False,
            style={"description_width": "130px"},
            layout=widgets.Layout(width="380px"),
        )
        self.exposure_time = widgets.FloatSlider(
            min=1.0,
            max=3600.0,
            step=1.0,
            description="Exposure time (s)",
            continuous_update=False,
            style={"description_width": "130px"},
            layout=widgets.Layout(width="380px"),
        )
        buttons = {"button_width": "110px", "description_width": "130px"}
        self.movement = widgets.ToggleButtons(options=["moving", "still"], description="Applicator",
                                              style=buttons)
        self.site = widgets.ToggleButtons(options=["face", "body"], description="Site",
                                          style=buttons)
        self.controls = widgets.VBox(
            [self.preset, self.agent_temp, self.exposure_time, self.movement, self.site],
            layout=widgets.Layout(width=CONTROLS_WIDTH, min_width=CONTROLS_WIDTH,
                                  margin="0 12px 0 0"),
        )
        self.figure, ax_temp, ax_flow = make_axes()
        width, height = (round(v * PNG_DPI) for v in FIGURE_SIZE_IN)
        # Shown at its own pixel size, so it is never stretched and blurred.
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            width=f"{width}px", height=f"{height}px", min_width=f"{width}px"))
        self.verdict = widgets.HTML(layout=widgets.Layout(width=f"{width}px"))
        self.summary = widgets.HTML(layout=widgets.Layout(width=f"{width}px"))
        self.basis = widgets.HTML(layout=widgets.Layout(width=f"{width}px"))
        # Controls beside the chart, the verdict above it, what it rests on below it.
        self.widget = widgets.HBox(
            [self.controls, widgets.VBox([self.verdict, self.image, self.summary, self.basis])],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
        )
        with self.batch(refresh=False):
            self._show_preset(chosen)
            self.response = simulate(self.exposure(), observe_s)
            self.artists = plot_response(ax_temp, ax_flow, self.response)
            self._renderer = PngRenderer(self.figure, self.artists.artists())
        self._show(self.response)
        self.preset.observe(self._on_preset, names="value")
        for control in (self.agent_temp, self.exposure_time, self.movement, self.site):
            control.observe(self._on_change, names="value")

    def exposure(self) -> Exposure:
        """The exposure the controls describe now."""
        chosen = PRESETS[self.preset.value]
        base = chosen.exposure
        contact: Touches | Literal["continuous"] = "continuous"
        if chosen.moving_contact is not None and self.movement.value == "moving":
            contact = chosen.moving_contact
        return replace(  # the preset's skin (whose it is, its room) and its coldest spot
            base,
            agent_temp_c=self.agent_temp.value,
            duration_s=self.exposure_time.value,
            contact=contact,
            site=self.site.value,
            civd=self.site.value == "face" and contact == "continuous",
        )

    def _show_preset(self, chosen: Preset) -> None:
        exposure = chosen.exposure
        self.agent_temp.value = exposure.agent_temp_c
        self.exposure_time.value = exposure.duration_s
        self.movement.disabled = chosen.moving_contact is None
        self.movement.value = "still" if exposure.contact == "continuous" else "moving"
        self.site.value = exposure.site

    def _as_preset(self, chosen: Preset) -> bool:
        """Whether the controls still say what the preset set (its label still true)."""
        exposure = chosen.exposure
        return (self.agent_temp.value == exposure.agent_temp_c
                and self.exposure_time.value == exposure.duration_s
                and self.site.value == exposure.site
                and (self.movement.value == "still") == (exposure.contact == "continuous"))

    def _on_preset(self, change: dict) -> None:
        with self.batch():
            self._show_preset(PRESETS[change["new"]])

    def refresh(self) -> None:
        """Re-run the model for the current controls and update the figure and the texts."""
        try:
            exposure = self.exposure()
        except ValueError as problem:  # plain message, never a traceback
            self.verdict.value = f"<b>Cannot simulate this:</b> {problem}"
            return
        self.response = simulate(exposure, self.observe_s)
        self.artists.update(self.response)
        self._show(self.response)

    def _show(self, response: Response) -> None:
        chosen = PRESETS[self.preset.value]
        self.image.value = self._renderer.render()
        as_preset = self._as_preset(chosen)
        note = (
            " <i>Illustrative parameters: teaching values, not measurements.</i>"
            if chosen.illustrative or not as_preset
            else ""
        )
        own = ("" if as_preset else
               f"Your own settings, changed from the preset \u201c{escape(chosen.label)}\u201d. ")
        self.verdict.value = (
            f"<b>{escape(verdict(response, response.exposure))}</b><br>"
            f"{escape(errors_line(chosen, not as_preset))}<br><small>{own}{note}</small>"
        )
        self.basis.value = f"<small>{escape(basis_note(chosen, not as_preset))}</small>"
        self.summary.value = f"<small>{escape(summary(response))}</small>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def band_legend() -> list[str]:
    """The safety bands with their sources, for a caption under the figure."""
    return [f"{band.temp_c:g} °C: {band.meaning} ({band.source})" for band in SAFETY_BANDS.values()]


__all__ = [
    "OKABE_ITO",
    "ResponseArtists",
    "SimulatorWidget",
    "band_legend",
    "basis_note",
    "errors_line",
    "figure_png",
    "make_axes",
    "plot_response",
    "summary",
    "verdict",
]
