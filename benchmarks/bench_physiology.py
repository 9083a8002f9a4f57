"""Benchmark the cold-response model and the simulator widget, stock (a git ref) vs ours.

Run from the repository root:  .venv/bin/python benchmarks/bench_physiology.py [runs] [ref]

"stock" is the code at ``ref`` (default ``main``), exported with ``git archive`` to a temporary
directory; "ours" is the working tree. Both run in fresh subprocesses, alternating for a few
rounds in the same invocation (each row keeps its best median: a shared machine only adds
time), and the script prints one markdown table. Rows: one model run of each
preset (the simulator's 10 minutes of observation), the two long runs, and widget updates.

Targets: model (10-min exposure + 10-min observation, default resolution) <= 20 ms;
widget update (from a control's .value change to a new PNG of the figure) <= 100 ms.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from course.models.physiology import Exposure, Touches, simulate
from course.views.simulator import SimulatorWidget

MODEL_TARGET_MS = 20.0
UPDATE_TARGET_MS = 100.0
REPO = Path(__file__).resolve().parents[1]


def median_ms(action: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def alternating(setter: Callable[[float], None], values: tuple[float, float]) -> Callable[[], None]:
    """A callable that sets the two values in turn, so every call is a real change."""
    state = {"index": 0}

    def change() -> None:
        state["index"] ^= 1
        setter(values[state["index"]])

    return change


def measure(runs: int) -> dict[str, float]:
    """Time the code importable as ``course`` (run inside the child process)."""
    from course.models.physiology import PRESETS

    rows: dict[str, float] = {}
    start = time.perf_counter()
    simulate(Exposure(-110.0, 6.0, 600.0), 600.0)
    rows["model, first call (grid and modes built; one-off)"] = (
        time.perf_counter() - start) * 1000
    for name, item in PRESETS.items():
        rows[f"model, preset {name}"] = median_ms(lambda e=item.exposure: simulate(e), runs)
    for label, exposure in (
        ("model, chamber 10 min + 10 min observation", Exposure(-110.0, 6.0, 600.0)),
        ("model, moving LN2 10 min + 10 min observation",
         Exposure(-196.0, 160.0, 600.0, contact=Touches(0.3, 15.0), site="face")),
    ):
        rows[label] = median_ms(lambda e=exposure: simulate(e, 600.0), runs)
    widget = SimulatorWidget("whole_body_chamber", observe_s=600.0)

    def set_temp(value: float) -> None:
        widget.agent_temp.value = value

    def set_time(value: float) -> None:
        widget.exposure_time.value = value

    for label, setter, values in (
        ("widget update, agent temperature (axes kept: blit)", set_temp, (-100.0, -120.0)),
        ("widget update, exposure time, same time axis (blit)", set_time, (540.0, 600.0)),
        ("widget update, exposure time, new time axis (full redraw)", set_time, (180.0, 900.0)),
    ):
        rows[label] = median_ms(alternating(setter, values), runs)

    def choose(name: str) -> None:
        widget.preset.value = name

    names = list(PRESETS)
    state = {"i": 0}

    def next_preset() -> None:
        state["i"] = (state["i"] + 1) % len(names)
        choose(names[state["i"]])

    rows["widget update, preset changed (mean over the presets)"] = median_ms(next_preset, runs)
    return rows


def _child(cwd: Path, runs: int) -> dict[str, float]:
    code = (f"import json, sys; sys.path.insert(0, {str(cwd)!r}); "
            f"sys.path.insert(1, {str(REPO / 'benchmarks')!r}); "
            f"import bench_physiology as b; print(json.dumps(b.measure({runs})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=1800, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _export(ref: str, into: Path) -> None:
    archive = subprocess.run(["git", "archive", ref, "course"], cwd=REPO, capture_output=True,
                             timeout=120, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def _best(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Per row, the lowest median over the rounds (the machine is shared: load only adds)."""
    return {label: min(row[label] for row in rounds) for label in rounds[0]}


def main(runs: int = 15, ref: str = "main", rounds: int = 3) -> None:
    stock_rounds, our_rounds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        _export(ref, Path(tmp))
        for _ in range(rounds):  # alternate, so a busy moment hits both alike
            stock_rounds.append(_child(Path(tmp), runs))
            our_rounds.append(_child(REPO, runs))
    stock, ours = _best(stock_rounds), _best(our_rounds)
    print(f"runs per row: {runs} (median), best of {rounds} alternating rounds; stock = {ref}, "
          "ours = working tree; every widget update includes the model run and the PNG "
          "render\n")
    print("| measurement | stock ms | ours ms | target ms |")
    print("|---|---:|---:|---:|")
    for label in dict.fromkeys([*stock, *ours]):
        target = (MODEL_TARGET_MS if "10 min + 10 min" in label else
                  UPDATE_TARGET_MS if label.startswith("widget") else None)
        cells = [f"{row[label]:.1f}" if label in row else "-" for row in (stock, ours)]
        target_text = "-" if target is None else f"{target:g}"
        print(f"| {label} | {cells[0]} | {cells[1]} | {target_text} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15,
         sys.argv[2] if len(sys.argv) > 2 else "main")
