"""The cold-response model against published skin measurements (physiology.toml's table).

``check(row)`` runs the model as the row's ``run`` says and reads the row's quantity;
``validation()`` does it for every row. A row is either within its published range, or it is a
known limit of the model, whose reason the lessons and docs/physiology-model.md show.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from course.facts.physiology_data import Measurement, load_physiology
from course.models.physiology import Response, exposure_for, simulate

WITHIN = "within the published range"
LIMIT = "known limit of the model"
UNEXPLAINED = "outside the published range, with no reason given"


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
def validation() -> tuple[Check, ...]:
    """Every measurement row with the model's value, in the data's order."""
    return tuple(Check(row, model_value(row))
                 for row in load_physiology().measurements.values())


def known_limits() -> tuple[Check, ...]:
    """The rows the model does not match, each with its reason."""
    return tuple(check for check in validation() if not check.within)


__all__ = ["LIMIT", "UNEXPLAINED", "WITHIN", "Check", "known_limits", "model_run",
           "model_value", "validation"]
