"""The cold-response model against published skin measurements (physiology.toml's table).

``check(row)`` runs the model as the row's ``run`` says and reads the row's quantity;
``validation()`` does it for every row. A row is either within its published range, or it is a
known limit of the model, whose reason the lessons and docs/physiology-model.md show, with the
direction of its error (``Check.error``: was real skin colder, or cold or frozen longer, than the
chart shows?). The model is calibrated and illustrative, not validated: ``summary()`` says how
many independent checks it fails and in which direction; ``known_errors_text(codes)`` is the
line the simulator's verdicts show for a preset.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from course.facts.knowledge import sources_text
from course.facts.physiology_data import Measurement, load_physiology
from course.models.physiology import Response, exposure_for, simulate

WITHIN = "within the published range"
LIMIT = "known limit of the model"
UNEXPLAINED = "outside the published range, with no reason given"


# How real skin differed from the chart, by quantity and by which side of the published range
# the model fell: (model below the range, model above it). The unsafe directions are the ones
# where real skin was colder, or stayed cold or frozen longer, than the chart shows.
_ERRORS: dict[str, tuple[str, str]] = {
    "drop_at_end": ("cooled more", "cooled less"),
    "surface_at_end": ("stayed warmer", "got colder"),
    "min_surface": ("stayed warmer", "got colder"),
    "rewarm_s": ("stayed cold longer", "rewarmed sooner"),
    "numb_after_s": ("stayed numb longer", "felt again sooner"),
    "thaw_s": ("stayed frozen longer", "thawed sooner"),
    "time_of_min_s": ("kept cooling longer", "stopped cooling sooner"),
}
UNSAFE_ERRORS = frozenset({"cooled more", "got colder", "stayed cold longer",
                           "stayed numb longer", "stayed frozen longer", "kept cooling longer"})


@dataclass(frozen=True)
class ModelError:
    """How real skin differed from the chart in one measurement, in plain words."""

    words: str  # "got colder", "stayed frozen longer", ...
    sources: tuple[str, ...]

    @property
    def unsafe(self) -> bool:
        """True when real skin was colder, or cold or frozen longer, than the chart shows."""
        return self.words in UNSAFE_ERRORS

    @property
    def text(self) -> str:
        return f"real skin {self.words} than the chart shows"


@dataclass(frozen=True)
class Check:
    """One measurement row and what the model gives for it."""

    measurement: Measurement
    model_value: float | None  # None: the model never reaches it (never rewarms, never numb)

    @property
    def within(self) -> bool:
        return self.measurement.contains(self.model_value)

    @property
    def status(self) -> str:
        if self.within:
            return WITHIN
        return LIMIT if self.measurement.limit else UNEXPLAINED

    @property
    def error(self) -> ModelError | None:
        """The direction of the model's error (None when the row is within its range)."""
        if self.within:
            return None
        below, above = _ERRORS[self.measurement.quantity]
        value = self.model_value  # None: never reached, beyond any range
        words = below if value is not None and value < self.measurement.low else above
        return ModelError(words, self.measurement.sources)

    @property
    def model_text(self) -> str:
        value = self.model_value
        if value is None:
            return "not reached"
        unit = "s" if self.measurement.quantity.endswith("_s") else "°C"
        return f"{value:.0f} {unit}" if unit == "s" else f"{value:.1f} {unit}"


@cache
def model_run(row: Measurement) -> Response:
    """The model run a row is compared with (its coldest spot when the row says so)."""
    run = row.run
    spot = "nozzle_spot" if run.spot else None
    response = simulate(exposure_for(run.tissue, run.agent_temp_c, run.heat_transfer,
                                     run.duration_s, spot=spot), run.observe_s)
    return response.spot if run.spot and response.spot else response


def model_value(row: Measurement) -> float | None:
    """The model's value of the row's quantity."""
    response = model_run(row)
    end = response.end_of_cold_s
    quantity = row.quantity
    if quantity == "drop_at_end":
        return response.rest_surface_c - response.surface_at(end)
    if quantity == "surface_at_end":
        return response.surface_at(end)
    if quantity == "rewarm_s":
        return response.rewarm_seconds
    if quantity == "numb_after_s":
        return response.numb_after_cold_s
    if quantity == "min_surface":
        return response.min_surface_c
    if quantity == "thaw_s":
        return response.seconds_to_thaw
    if quantity == "time_of_min_s":
        return float(response.t_s[int(np.argmin(response.surface_c))])
    raise ValueError(f"Unknown quantity {quantity!r}.")


@cache
def check_row(code: str) -> Check:
    """One measurement row (by its code) with the model's value."""
    row = load_physiology().measurements[code]
    return Check(row, model_value(row))


def validation() -> tuple[Check, ...]:
    """Every measurement row with the model's value, in the data's order."""
    return tuple(check_row(code) for code in load_physiology().measurements)


def known_limits() -> tuple[Check, ...]:
    """The rows the model does not match, each with its reason."""
    return tuple(check for check in validation() if not check.within)


def summary() -> str:
    """What the table shows about the model as a whole, in plain words (counted, not typed)."""
    checks = validation()
    fitted = [c for c in checks if c.measurement.role == "calibration"]
    independent = [c for c in checks if c.measurement.role == "check"]
    missed = [c for c in independent if not c.within]
    unsafe = [c for c in missed if c.error is not None and c.error.unsafe]
    return (f"The simulator is calibrated and illustrative, not validated: it was fitted to "
            f"{len(fitted)} published measurements, and of {len(independent)} independent "
            f"checks it misses {len(missed)}. In {len(unsafe)} of those misses real skin was "
            "colder, or stayed cold or frozen longer, than the chart shows. Never read the "
            "chart as a safe limit.")


def known_errors_text(codes: tuple[str, ...], illustrative: bool) -> str:
    """The line a preset's verdict shows: the direction of each known error of the model there.

    ``codes`` are the measurement rows that concern the preset; ``illustrative`` says its values
    are teaching values."""
    errors = [error for code in codes if (error := check_row(code).error) is not None]
    if not codes:
        return ("No measurement checks this situation: its values are illustrative, so the "
                "chart is a picture of the pattern, not evidence of what real skin does.")
    if not errors:
        basis = "illustrative" if illustrative else "calibrated"
        plural = "s" if len(codes) > 1 else ""
        return (f"Checked against {len(codes)} published measurement{plural} and within range "
                f"here ({basis}); still a model, not a measurement of this client.")
    worse = [e for e in errors if e.unsafe]
    milder = [e for e in errors if not e.unsafe]
    parts = []
    if worse:
        parts.append(f"real skin {_with_sources(worse)} than this chart shows")
    if milder:
        parts.append(("in other measurements it " if worse else "real skin ")
                     + f"{_with_sources(milder)} than the chart shows")
    return ("Known errors of the simulator, from published measurements of this cold: "
            + "; ".join(parts) + ".")


OWN_SETTINGS_ERRORS = (
    "Your own settings are not checked against any measurement. Most of the simulator's known "
    "errors go one way: real skin was colder, or stayed cold or frozen longer, than the chart "
    "shows.")
"""The verdict line for settings no measurement checks (it costs no model run; "most" is
counted by tests/unit/test_physiology_validation.py)."""


def _with_sources(errors: list[ModelError]) -> str:
    """The directions, each once, with the sources that showed them ("got colder and stayed
    frozen longer (Erdmann & Wokes 2023)")."""
    by_words: dict[str, list[str]] = {}
    for error in errors:
        names = by_words.setdefault(error.words, [])
        names += [name for name in error.sources if name not in names]
    by_sources: dict[tuple[str, ...], list[str]] = {}
    for words, names in by_words.items():
        by_sources.setdefault(tuple(names), []).append(words)
    return " and ".join(f"{' and '.join(words)} ({sources_text(names)})"
                        for names, words in by_sources.items())


__all__ = ["LIMIT", "OWN_SETTINGS_ERRORS", "UNEXPLAINED", "UNSAFE_ERRORS", "WITHIN", "Check",
           "ModelError", "check_row", "known_errors_text", "known_limits", "model_run",
           "model_value", "summary", "validation"]
