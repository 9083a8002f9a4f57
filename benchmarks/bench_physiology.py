"""Benchmark the cold-response model and the simulator widget; prints a markdown table.

Run from the repository root:  .venv/bin/python benchmarks/bench_physiology.py [runs]

Targets: model (10-min exposure + 10-min observation, default resolution) <= 20 ms;
widget update (from a control's .value change to a new PNG of the figure) <= 100 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from course.models.physiology import Exposure, Touches, simulate
from course.views.simulator import SimulatorWidget

MODEL_TARGET_MS = 20.0
UPDATE_TARGET_MS = 100.0


def median_ms(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and worst wall time of ``runs`` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), max(times)


def alternating(setter: Callable[[float], None], values: tuple[float, float]) -> Callable[[], None]:
    """A callable that sets the two values in turn, so every call is a real change."""
    state = {"index": 0}

    def change() -> None:
        state["index"] ^= 1
        setter(values[state["index"]])

    return change


def main(runs: int = 30) -> None:
    rows: list[tuple[str, float, float | None, float | None]] = []
    continuous = Exposure(-110.0, 6.0, 600.0)
    moving = Exposure(-196.0, 160.0, 600.0, contact=Touches(0.3, 15.0), site="face")
    start = time.perf_counter()
    simulate(continuous, 600.0)
    first_ms = (time.perf_counter() - start) * 1000
    rows.append(("model, first call (grid and modes built; one-off)", first_ms, None, None))
    for label, exposure in (
        ("model, chamber 10 min + 10 min observation", continuous),
        ("model, moving LN2 10 min + 10 min observation", moving),
    ):
        timing = median_ms(lambda e=exposure: simulate(e, 600.0), runs)
        rows.append((label, *timing, MODEL_TARGET_MS))

    widget = SimulatorWidget("whole_body_chamber", observe_s=600.0)

    def set_temp(value: float) -> None:
        widget.agent_temp.value = value

    def set_time(value: float) -> None:
        widget.exposure_time.value = value

    updates = (
        ("widget update, agent temperature (axes kept: blit)", set_temp, (-100.0, -120.0)),
        ("widget update, exposure time, same time axis (blit)", set_time, (540.0, 600.0)),
        ("widget update, exposure time, new time axis (full redraw)", set_time, (180.0, 900.0)),
    )
    for label, setter, values in updates:
        rows.append((label, *median_ms(alternating(setter, values), runs), UPDATE_TARGET_MS))

    print(f"runs per row: {runs}; every update includes the model run and the PNG render\n")
    print("| measurement | median ms | worst ms | target ms | ok |")
    print("|---|---:|---:|---:|---|")
    for label, median, worst, target in rows:
        worst_text = "-" if worst is None else f"{worst:.1f}"
        target_text = "-" if target is None else f"{target:.0f}"
        ok = "-" if target is None else ("yes" if median <= target else "NO")
        print(f"| {label} | {median:.1f} | {worst_text} | {target_text} | {ok} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
