"""Lesson 01 views: tables and static runs around the cold-response simulator.

Each function is one call in the notebook and returns :class:`~course.views.html.Html`
(a string a notebook shows as HTML), or a matplotlib Figure with a one-line text summary
for screen readers. Numbers come from ``course.models.physiology`` (the model and its sources) and
``course.facts.knowledge`` (limits, side effects, claims), never from the notebook.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from functools import cache
from html import escape
from typing import cast

import numpy as np
from matplotlib.figure import Figure

from course.facts.knowledge import find_claim, find_modality, find_side_effect, sources_text
from course.facts.physiology_data import load_physiology
from course.models.physiology import (
    BASELINE_FLOW_BAND,
    FREEZING_C,
    HYPERAEMIA_MAX,
    NUMBNESS_C,
    PRESETS,
    Q10,
    SAFETY_BANDS,
    TAU_CONSTRICT_S,
    TAU_RECOVER_S,
    TISSUES,
    TONE_FLOOR,
    Exposure,
    Response,
    Touches,
    preset,
    simulate,
)
from course.models.physiology_validation import summary as validation_summary
from course.models.physiology_validation import validation
from course.views.evidence import KIND_LABELS
from course.views.html import Html
from course.views.html import table as _table
from course.views.modalities import maximum_text
from course.views.simulator import (
    FLOW_COLOUR,
    TEMPERATURE_COLOUR,
    TOP_C,
    basis_note,
    errors_line,
    figure_png,
    make_axes,
    plot_response,
    summary,
    verdict,
)
from course.views.style import OKABE_ITO

STILL_VS_MOVING = ("ln2_applicator_static", "ln2_applicator_moving")
WINDOW_S = 30.0  # the still-vs-moving chart shows the first half minute
SKIN_SIGNS = ("redness", "oedema", "tingling", "brief_numbness", "frostbite", "blister",
              "nerve_damage")
LIMIT_MODALITIES = ("ln2_cryomassage", "cryo_facial", "cryosauna", "cryodestruction")
LESSON_CLAIMS = ("collagen_stimulation", "normalizes_circulation", "doesnt_freeze_tissue")


# --------------------------------------------------------------------------- helpers


def seconds_text(seconds: float) -> str:
    """362 -> "362 s (6 min 2 s)"; 45 -> "45 s"; 0.4 -> "0.4 s"; 0 -> "0 s"."""
    if seconds < 10:
        return f"{round(seconds, 1):g} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{whole} s ({minutes} min" + (f" {rest} s)" if rest else ")")


def contact_text(exposure: Exposure) -> str:
    """How the agent touches the skin, in words."""
    if exposure.contact == "continuous":
        return "continuous (held still)"
    touch, interval = exposure.contact
    return f"moving: each spot touched {touch:g} s every {interval:g} s"


@cache
def run(name: str) -> Response:
    """A preset's run with the simulator's default 10 minutes of observation (cached)."""
    return simulate(preset(name).exposure)


# --------------------------------------------------------------------------- tables


def safety_band_table() -> Html:
    """The surface temperatures that matter for safety, with their sources."""
    rows = [(f"{band.temp_c:g} °C", band.meaning, band.source) for band in SAFETY_BANDS.values()]
    return _table(("skin surface", "what it means", "source"), rows,
                  "Temperatures that matter (skin surface)")


def model_status_table() -> Html:
    """What the simulator's numbers rest on: measured, calibrated, or illustrative."""
    data = load_physiology()
    rows = [
        (f"{layer}: conductivity {tissue.k_w_mk:g} W/m·K, density {tissue.rho_kg_m3:g} kg/m³, "
         f"heat capacity {tissue.c_j_kgk:g} J/kg·K",
         "typical published values", tissue.source)
        for layer, tissue in TISSUES.items()
    ]
    rows += [
        (f"How vessels narrow with cold: Q10 {Q10:g}, narrowest {TONE_FLOOR:g} × resting flow, "
         f"narrowing time {TAU_CONSTRICT_S:g} s, reopening time {TAU_RECOVER_S:g} s and longer "
         "after long cold",
         "illustrative (teaching values)",
         "tuned to the patterns of Hohenauer 2019 and Khoshnevis 2016"),
        (f"Size of the rebound: at most {HYPERAEMIA_MAX:g} × resting flow, smaller after long "
         "cold", "illustrative (teaching values)", "tuned to Hohenauer 2019"),
    ]
    rows += [(f"{item.meaning}: {item.value:g} {item.unit}", item.basis,
              sources_text(item.sources)) for item in data.parameters.values()]
    rows += [(f"How fast {item.name} takes heat: {item.h_w_m2k:g} W/m²·K", item.basis,
              sources_text(item.sources)) for item in data.heat_transfers.values()]
    return _table(("part of the model", "status", "based on"), rows,
                  "What the simulator's numbers rest on")


def validation_table() -> Html:
    """The model against published skin measurements: within range, or a known limit (which
    way it errs, and why), under a line that counts them."""
    rows = [
        (f"{check.measurement.condition}; {check.measurement.site}",
         check.measurement.published, check.model_text,
         "matches" if check.error is None else
         f"does not match ({check.error.text}): {check.measurement.limit}",
         sources_text(check.measurement.sources))
        for check in validation()
    ]
    return Html(f"<p>{escape(validation_summary())}</p>" + _table(
        ("measured situation", "published", "simulator", "result", "source"), rows,
        "The simulator checked against published measurements"))


def preset_table() -> Html:
    """Every preset: agent, contact, duration, source, and whether its values are illustrative."""
    rows = [
        (item.label, item.tissue.name if item.tissue else "", f"{item.exposure.agent_temp_c:g} °C",
         contact_text(item.exposure), seconds_text(item.exposure.duration_s),
         "illustrative (teaching values)" if item.illustrative else item.basis,
         item.caveat, item.source)
        for item in PRESETS.values()
    ]
    return _table(("preset", "whose skin", "agent", "contact", "cold for", "status",
                   "what the chart cannot show", "source"), rows,
                  "The simulator's presets")


def readout_rows(response: Response) -> list[tuple[str, str]]:
    """The numbers a trainee reads from one run, as (what, value) pairs of text."""
    end = response.end_of_cold_s
    lowest = response.min_surface_c
    low_flow = float(response.perfusion_rel[response.t_s <= end].min())
    rows = [
        ("cold applied for", seconds_text(end)),
        ("skin surface at rest", f"{response.rest_surface_c:.1f} °C"),
        ("lowest skin surface temperature",
         f"{lowest:.1f} °C" + (" (below 0 °C: the skin freezes)" if lowest < FREEZING_C else "")),
        (f"time until numb (nerves just under the surface at or below {NUMBNESS_C:g} °C)",
         "never" if response.seconds_to_numbness is None
         else seconds_text(response.seconds_to_numbness)),
    ]
    if response.numb_after_cold_s is not None:
        rows.append(("still numb after the cold ends for",
                     seconds_text(response.numb_after_cold_s)))
    rows.append(("time below 0 °C", seconds_text(response.seconds_below_zero)))
    if response.seconds_to_thaw is not None:
        rows.append(("back to 0 °C after the cold ends", seconds_text(response.seconds_to_thaw)))
    if response.spot is not None:
        rows.append(("lowest temperature at the coldest spot under the nozzle",
                     f"{response.spot.min_surface_c:.1f} °C"))
    rows.append(("lowest blood flow during the cold", f"{low_flow:.2f} × resting"))
    peak = response.peak_hyperaemia
    if peak is not None and response.seconds_to_peak_hyperaemia is not None:
        if peak > 1.0 + BASELINE_FLOW_BAND:
            after = (f"{peak:.1f} × resting, "
                     f"{seconds_text(response.seconds_to_peak_hyperaemia)} after the cold ends")
        else:
            after = f"no rebound: stays below resting (at most {peak:.2f} × resting)"
        rows.append(("highest blood flow after the cold", after))
    rows.append(("phases", "; ".join(f"{name} from {seconds_text(start)}"
                                     for name, start in phase_starts(response))))
    return rows


def phase_starts(response: Response) -> list[tuple[str, float]]:
    """(phase, start time in s) for each phase of a run, in order."""
    phases = response.phase
    changed = np.flatnonzero(phases[1:] != phases[:-1]) + 1
    return [(str(phases[0]), 0.0)] + [(str(phases[i]), float(response.t_s[i])) for i in changed]


def readout(name: str) -> Html:
    """The readout table of one preset's run (a plain message for an unknown name)."""
    try:
        chosen = preset(name)
    except ValueError as problem:
        return Html(f"<p>✘ {escape(str(problem))}</p>")
    return _table(("what", "value"), readout_rows(run(name)), chosen.label)


# --------------------------------------------------------------------------- figures


def response_figure(response: Response) -> Figure:
    """The lesson's two-panel chart (temperature above, blood flow below) for one run."""
    figure, ax_temp, ax_flow = make_axes()
    plot_response(ax_temp, ax_flow, response)
    return figure


def _png_html(figure: Figure, alt: str) -> str:
    data = base64.b64encode(figure_png(figure)).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='{escape(alt, quote=True)}'>"


def run_card(name: str) -> Html:
    """One preset's run: the chart, its one-line summary, the verdict, the readout, the source.

    An unknown preset name gives a plain message with a "did you mean" suggestion.
    """
    try:
        chosen = preset(name)
    except ValueError as problem:
        return Html(f"<p>✘ {escape(str(problem))}</p>")
    response = run(name)
    text = summary(response)
    note = " Illustrative parameters: teaching values, not measurements." if (
        chosen.illustrative) else ""
    return Html(
        f"<div class='cryo-run'><h4>{escape(chosen.label)}</h4>"
        f"{_png_html(response_figure(response), text)}"
        f"<p><i>{escape(text)}</i></p>"
        f"<p><b>{escape(verdict(response, chosen.exposure))}</b> "
        f"{escape(errors_line(chosen, False))}</p>"
        f"{readout(name)}"
        f"<p><small>{escape(basis_note(chosen, False))}{escape(note)}</small></p></div>"
    )


def still_vs_moving_figure(window_s: float = WINDOW_S) -> Figure:
    """Surface temperature over the first ``window_s`` seconds: swab held still vs moving."""
    figure = Figure(figsize=(8.0, 4.0), dpi=72, layout="constrained")
    ax = figure.add_subplot()
    ax.axhspan(-300.0, FREEZING_C, color=OKABE_ITO["orange"], alpha=0.18, lw=0)
    ax.axhline(FREEZING_C, color=OKABE_ITO["black"], lw=1.0, label="0 °C: freezing risk below")
    ax.axhline(NUMBNESS_C, color=OKABE_ITO["bluish_green"], ls="--", lw=1.2,
               label=f"{NUMBNESS_C:g} °C: numbness")
    lowest = FREEZING_C
    for name, colour in zip(STILL_VS_MOVING, (FLOW_COLOUR, TEMPERATURE_COLOUR), strict=True):
        response = run(name)
        shown = response.t_s <= window_s
        ax.plot(response.t_s[shown], response.surface_c[shown], color=colour, lw=2.0,
                label=PRESETS[name].label)
        lowest = min(lowest, float(response.surface_c[shown].min()))
    ax.set(xlim=(0.0, window_s), ylim=(lowest - 10.0, TOP_C),
           xlabel="time from the first touch (s)",
           ylabel="skin surface temperature (°C)",
           title="Liquid-nitrogen applicator: held still vs kept moving")
    ax.legend(loc="lower right", fontsize=8)
    return figure


def still_vs_moving_summary() -> str:
    """One line describing the still-vs-moving chart, for screen readers."""
    still, moving = (run(name) for name in STILL_VS_MOVING)
    touch, interval = cast(Touches, PRESETS[STILL_VS_MOVING[1]].exposure.contact)  # the moving one
    return (
        f"Chart: held still for {seconds_text(still.end_of_cold_s)}, the skin surface falls to "
        f"{still.min_surface_c:.0f} °C and spends {seconds_text(still.seconds_below_zero)} "
        f"below 0 °C; kept moving ({touch:g} s touch every {interval:g} s), its lowest is "
        f"{moving.min_surface_c:.1f} °C and it spends "
        f"{seconds_text(moving.seconds_below_zero)} below 0 °C."
    )


def still_vs_moving_card() -> Html:
    """The still-vs-moving chart with its summary and a verdict for each applicator."""
    text = still_vs_moving_summary()
    verdicts = "".join(
        f"<li><b>{escape(PRESETS[name].label)}:</b> "
        f"{escape(verdict(run(name), PRESETS[name].exposure))} "
        f"{escape(errors_line(PRESETS[name], False))} "
        f"<small>{escape(basis_note(PRESETS[name], False))}</small></li>"
        for name in STILL_VS_MOVING)
    return Html(f"<div class='cryo-run'>{_png_html(still_vs_moving_figure(), text)}"
                f"<p><i>{escape(text)}</i></p><ul>{verdicts}</ul></div>")


# --------------------------------------------------------------------------- knowledge base


def time_limits_table(codes: Iterable[str] = LIMIT_MODALITIES) -> Html:
    """The longest exposure the course teaches for some modalities, why, and who performs it."""
    rows = []
    for code in codes:
        modality = find_modality(code)
        rows.append((modality.name, maximum_text(modality), modality.max_basis,
                     modality.performer, sources_text(modality.sources)))
    return _table(("modality", "longest exposure taught", "why", "who performs it", "sources"),
                  rows, "Time limits from the course's knowledge base")


def skin_signs_table(codes: Iterable[str] = SKIN_SIGNS) -> Html:
    """What the skin may show after cold: normal signs first, then stop-and-report ones."""
    effects = sorted((find_side_effect(code) for code in codes), key=lambda e: e.kind != "normal")
    rows = [(effect.name, KIND_LABELS[effect.kind], effect.action, sources_text(effect.sources))
            for effect in effects]
    return _table(("what you see", "kind", "what to do", "sources"), rows,
                  "Normal after cold, or a reason to stop")


def claims_table(codes: Iterable[str] = LESSON_CLAIMS) -> Html:
    """Some seed claims about blood flow and freezing, with what the evidence says."""
    rows = []
    for code in codes:
        claim = find_claim(code)
        rows.append((claim.name, claim.evidence_level, claim.evidence,
                     sources_text(claim.sources)))
    return _table(("claim", "evidence level", "what the evidence says", "sources"), rows,
                  "Claims from the salon articles, checked against published sources")


__all__ = [
    "claims_table",
    "contact_text",
    "model_status_table",
    "phase_starts",
    "preset_table",
    "readout",
    "readout_rows",
    "response_figure",
    "run",
    "run_card",
    "safety_band_table",
    "seconds_text",
    "skin_signs_table",
    "still_vs_moving_card",
    "still_vs_moving_figure",
    "still_vs_moving_summary",
    "time_limits_table",
    "validation_table",
]
