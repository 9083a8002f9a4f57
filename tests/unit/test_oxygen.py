"""The oxygen-in-the-room model against hand calculations (lesson 07)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course.facts.safe_practice import safe_practice
from course.models.oxygen import (
    OxygenModelError,
    Release,
    Room,
    cabin_day,
    closed_room_percent,
    gas_litres,
    simulate_room,
    steady_percent,
)

FRESH, RATIO = 20.9, 694.0


def _run(room, releases, minutes=60.0, step=0.25):
    return simulate_room(room, releases, expansion_ratio=RATIO, fresh_percent=FRESH,
                         minutes=minutes, step_min=step)


def test_the_model_uses_the_knowledge_base_numbers():
    oxygen = safe_practice().oxygen
    assert (oxygen.fresh_percent, oxygen.expansion_ratio) == (FRESH, RATIO)
    assert 690 <= oxygen.expansion_ratio <= 700  # "about 700 litres of gas per litre"


def test_ten_litres_in_a_closed_30_m3_room_by_hand():
    """10 L of liquid -> 6.94 m³ of gas. Mixed at constant pressure: 20.9 × e^(-6.94/30).

    Hand calculation: 6.94 / 30 = 0.2313; e^-0.2313 = 0.7935; 20.9 × 0.7935 = 16.58 %.
    The two textbook bounds bracket it: dilution without loss, 20.9 × 30 / 36.94 = 16.97 %;
    displacement of an equal volume of air, 20.9 × (30 - 6.94) / 30 = 16.07 %."""
    curve = _run(Room(30.0, 0.0), [Release(10.0, start_min=0.0, duration_min=5.0)])
    assert gas_litres(10, RATIO) == pytest.approx(6940)
    assert curve.gas_m3 == pytest.approx(6.94)
    assert curve.lowest_percent == pytest.approx(16.58, abs=0.01)
    assert curve.oxygen_percent[-1] == pytest.approx(16.58, abs=0.01)  # closed: it stays
    assert 20.9 * 23.06 / 30 < curve.lowest_percent < 20.9 * 30 / 36.94
    assert closed_room_percent(30, 6.94, FRESH) == pytest.approx(16.584, abs=0.001)
    assert curve.lowest_percent < safe_practice().oxygen.evacuate_percent


def test_a_closed_room_depends_only_on_how_much_gas_not_how_fast():
    fast = _run(Room(30.0), [Release(10.0)])
    slow = _run(Room(30.0), [Release(10.0, start_min=10.0, duration_min=40.0)])
    assert fast.oxygen_percent[-1] == pytest.approx(slow.oxygen_percent[-1], rel=1e-12)


def test_ventilation_brings_the_oxygen_back_exponentially():
    """After an instant release, fresh air at n changes per hour closes the gap as e^(-n t)."""
    curve = _run(Room(30.0, 3.0), [Release(10.0)], minutes=120.0, step=0.05)
    low = curve.lowest_percent
    t = 20.0  # minutes after the release (one step smears the release: start from the low)
    at = float(np.interp(curve.lowest_at_min + t, curve.minutes, curve.oxygen_percent))
    expected = FRESH - (FRESH - low) * math.exp(-3.0 * t / 60.0)
    assert at == pytest.approx(expected, abs=0.01)
    assert curve.oxygen_percent[-1] > 20.8


def test_a_steady_flow_settles_at_fresh_air_over_total_flow():
    """Hand calculation: 30 m³ × 2 /h = 60 m³/h fresh air; 10 L/h liquid = 6.94 m³/h gas;
    20.9 × 60 / 66.94 = 18.73 %."""
    room = Room(30.0, 2.0)
    curve = _run(room, [Release(100.0, 0.0, 600.0)], minutes=600.0, step=0.5)
    assert steady_percent(room, 6.94, FRESH) == pytest.approx(18.733, abs=0.001)
    assert curve.oxygen_percent[-1] == pytest.approx(18.733, abs=0.005)


def test_more_ventilation_never_makes_it_worse():
    lows = [_run(Room(20.0, n), cabin_day(4.0, 6, gap_min=10)).lowest_percent
            for n in (0, 1, 2, 5, 10)]
    assert lows == sorted(lows)


def test_cabin_day_spreads_each_session_over_its_minutes():
    releases = cabin_day(4.0, 3, gap_min=10.0, session_min=3.0)
    assert [(r.start_min, r.end_min) for r in releases] == [(0, 3), (13, 16), (26, 29)]
    assert sum(r.litres for r in releases) == 12.0


def test_time_below_a_level_and_first_crossing():
    curve = _run(Room(30.0, 2.0), [Release(10.0)], minutes=120.0)
    assert curve.first_below(19.5) == pytest.approx(0.25)
    assert 25 < curve.minutes_below(19.5) < 45
    assert curve.first_below(10.0) is None and curve.minutes_below(10.0) == 0


@pytest.mark.parametrize("call", [
    lambda: _run(Room(0.0), []),
    lambda: _run(Room(30.0, -1.0), []),
    lambda: _run(Room(30.0), [Release(-1.0)]),
    lambda: _run(Room(30.0), [Release(float("nan"))]),
    lambda: _run(Room(30.0), [(10, 0, 5)]),
    lambda: _run(Room("big"), []),
    lambda: cabin_day(4.0, True),
])
def test_bad_input_gets_a_plain_error(call):
    with pytest.raises(OxygenModelError):
        call()

