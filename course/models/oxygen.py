"""Oxygen in a room where nitrogen is released: a well-mixed room with ventilation.

The model (stated in lesson 07 with its limits):

* the room's air is **perfectly mixed**: the oxygen fraction is the same everywhere;
* the pressure stays constant: every litre of nitrogen gas that enters pushes one litre of
  the room's current mixture out (through gaps, the door, the extraction);
* ventilation brings in fresh air (20.9 % oxygen) at ``air_changes_per_hour`` room volumes
  per hour and removes the same volume of the room's mixture;
* liquid nitrogen becomes gas at a fixed ``expansion_ratio`` (litres of gas at room
  temperature per litre of liquid), at a steady rate over each release's duration.

With oxygen fraction ``c``, room volume ``V``, fresh-air flow ``Q`` and nitrogen gas flow
``q`` (both volumes per minute): ``V dc/dt = Q c0 - (Q + q) c``. Within a time step the flows
are constant and this is solved exactly (an exponential), so a closed room (``Q = 0``) that
receives a gas volume ``G`` ends at ``c0 exp(-G / V)`` however fast it came.

Limits: real rooms are not mixed (cold nitrogen is heavier than air and pools near the floor
for a while, so a low corner can be far worse than this average); leaks, doors and people are
not modelled. The numbers teach the size of the danger, not a room's safety: that is what the
oxygen monitor is for. Pure functions only (numpy): no widgets, no plots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_ROOM_M3 = 10_000.0
MAX_LITRES = 10_000.0
MAX_MINUTES = 24 * 60.0
MAX_AIR_CHANGES = 60.0


class OxygenModelError(ValueError):
    """Input the oxygen model cannot use; the message says why in plain words."""


@dataclass(frozen=True)
class Release:
    """Liquid nitrogen turning into gas: ``litres`` of liquid, from ``start_min`` over
    ``duration_min`` minutes at a steady rate (0 minutes: all at once)."""

    litres: float
    start_min: float = 0.0
    duration_min: float = 0.0

    @property
    def end_min(self) -> float:
        return self.start_min + self.duration_min


@dataclass(frozen=True)
class Room:
    """A room: its volume (m³) and its ventilation (air changes per hour, 0 = closed)."""

    volume_m3: float
    air_changes_per_hour: float = 0.0


@dataclass(frozen=True)
class OxygenCurve:
    """The oxygen percentage in the room over time, and what the releases added up to."""

    minutes: np.ndarray
    oxygen_percent: np.ndarray
    room: Room
    releases: tuple[Release, ...]
    gas_m3: float  # nitrogen gas released in total (at room temperature)
    fresh_percent: float

    @property
    def lowest_percent(self) -> float:
        return float(self.oxygen_percent.min())

    @property
    def lowest_at_min(self) -> float:
        return float(self.minutes[int(np.argmin(self.oxygen_percent))])

    def minutes_below(self, percent: float) -> float:
        """How long (minutes) the oxygen stays below ``percent`` on the time grid."""
        below = self.oxygen_percent < percent
        steps = np.diff(self.minutes)
        return float(np.sum(steps[below[1:]]))

    def first_below(self, percent: float) -> float | None:
        """The first minute at which the oxygen is below ``percent`` (None if never)."""
        below = np.flatnonzero(self.oxygen_percent < percent)
        return float(self.minutes[below[0]]) if below.size else None


def _number(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OxygenModelError(f"{name} must be a number; you gave {value!r}.")
    if not low <= value <= high:
        raise OxygenModelError(f"{name} must be between {low:g} and {high:g}; you gave {value:g}.")
    return float(value)


def gas_litres(liquid_litres: float, expansion_ratio: float) -> float:
    """Litres of nitrogen gas at room temperature from ``liquid_litres`` of liquid."""
    return _number("The litres of liquid", liquid_litres, 0, MAX_LITRES) * _number(
        "The expansion ratio", expansion_ratio, 1, 2000)


def closed_room_percent(room_m3: float, gas_m3: float, fresh_percent: float) -> float:
    """Oxygen after ``gas_m3`` of nitrogen mixed into a closed room at constant pressure."""
    room = _number("The room volume", room_m3, 1e-3, MAX_ROOM_M3)
    return fresh_percent * math.exp(-_number("The gas volume", gas_m3, 0, 1e6) / room)


def steady_percent(room: Room, gas_m3_per_hour: float, fresh_percent: float) -> float:
    """The level a steady nitrogen flow settles at in a ventilated room (fresh air / total)."""
    fresh = room.air_changes_per_hour * room.volume_m3
    total = fresh + _number("The gas flow", gas_m3_per_hour, 0, 1e6)
    return fresh_percent if total == 0 else fresh_percent * fresh / total


def _release_rate_m3_per_min(release: Release, t0: float, t1: float, ratio: float) -> float:
    """The release's mean gas flow (m³/min) over the step [t0, t1]."""
    gas_m3 = release.litres * ratio / 1000.0
    if release.duration_min == 0:
        return gas_m3 / (t1 - t0) if t0 <= release.start_min < t1 else 0.0
    overlap = max(0.0, min(t1, release.end_min) - max(t0, release.start_min))
    return gas_m3 * overlap / release.duration_min / (t1 - t0)


def simulate_room(
    room: Room,
    releases: Sequence[Release],
    *,
    expansion_ratio: float,
    fresh_percent: float,
    minutes: float = 60.0,
    step_min: float = 0.25,
) -> OxygenCurve:
    """The oxygen percentage over ``minutes`` after the ``releases``, from fresh air at 0."""
    volume = _number("The room volume (m³)", room.volume_m3, 1.0, MAX_ROOM_M3)
    changes = _number("The air changes per hour", room.air_changes_per_hour, 0, MAX_AIR_CHANGES)
    end = _number("The time shown (minutes)", minutes, 1.0, MAX_MINUTES)
    step = _number("The time step (minutes)", step_min, 1e-3, 10.0)
    _number("The expansion ratio", expansion_ratio, 1, 2000)
    for release in releases:
        if not isinstance(release, Release):
            raise OxygenModelError(f"A release is a Release(litres, ...); you gave {release!r}.")
        _number("The litres of liquid", release.litres, 0, MAX_LITRES)
        _number("The start of a release (minutes)", release.start_min, 0, MAX_MINUTES)
        _number("The duration of a release (minutes)", release.duration_min, 0, MAX_MINUTES)
    count = max(1, math.ceil(end / step))
    grid = np.linspace(0.0, count * step, count + 1)
    fresh_flow = changes * volume / 60.0  # m³ per minute
    oxygen = np.empty(count + 1)
    oxygen[0] = fresh_percent
    for index in range(count):
        t0, t1 = grid[index], grid[index + 1]
        gas_flow = sum(_release_rate_m3_per_min(r, t0, t1, expansion_ratio) for r in releases)
        total = fresh_flow + gas_flow
        if total == 0:
            oxygen[index + 1] = oxygen[index]
            continue
        settles_at = fresh_percent * fresh_flow / total
        decay = math.exp(-total * (t1 - t0) / volume)
        oxygen[index + 1] = settles_at + (oxygen[index] - settles_at) * decay
    gas = sum(r.litres for r in releases) * expansion_ratio / 1000.0
    return OxygenCurve(grid, oxygen, Room(volume, changes), tuple(releases), gas, fresh_percent)


def cabin_day(litres_per_session: float, sessions: int, *, gap_min: float = 0.0,
              session_min: float = 3.0) -> tuple[Release, ...]:
    """A chamber's nitrogen over a run of sessions: each session's liquid boils off during it."""
    if isinstance(sessions, bool) or not isinstance(sessions, int) or not 0 <= sessions <= 200:
        raise OxygenModelError("The number of sessions must be a whole number from 0 to 200.")
    _number("The minutes between sessions", gap_min, 0, MAX_MINUTES)
    length = _number("The minutes per session", session_min, 0.1, 60)
    return tuple(Release(litres_per_session, n * (length + gap_min), length)
                 for n in range(sessions))


__all__ = ["OxygenCurve", "OxygenModelError", "Release", "Room", "cabin_day",
           "closed_room_percent", "gas_litres", "simulate_room", "steady_percent"]
