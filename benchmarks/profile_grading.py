"""Where the time of one graded submission goes, stage by stage (not a test).

Grades a few synthetic submissions of one assignment in this process, one after another,
with nbgrader's Autograde converter and the course's configuration, and prints for each
pipeline step the wall time per submission; the sandboxed kernels' own CPU time (they are
this process's children); and, when ``--cells`` is given, the kernel round trip of each kind
of cell. Run from the repository root:

    .venv/bin/python benchmarks/profile_grading.py [--assignment 05-screening-cases] [-n 6]
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

sys.path.insert(0, str(Path(__file__).resolve().parent))  # a script beside its sibling
from bench_grading import build_class  # noqa: E402

from course.storage.course_folder import load_config, make_api  # noqa: E402

STEP_SECONDS: dict[str, list[float]] = collections.defaultdict(list)
CELL_SECONDS: dict[str, list[float]] = collections.defaultdict(list)
KERNEL_CPU: list[float] = []


def tree_cpu_seconds(root_pid: int) -> float:
    """CPU seconds used so far by a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        children[int(fields[1])].append(pid)
        times[pid] = sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0)
        todo += children.get(pid, [])
    return total / os.sysconf("SC_CLK_TCK")


def _timed_call(original):  # noqa: ANN001, ANN202 - wraps nbconvert's Preprocessor.__call__
    def call(self, nb, resources):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        try:
            return original(self, nb, resources)
        finally:
            STEP_SECONDS[type(self).__name__].append(time.perf_counter() - started)
    return call


def _cell_kind(cell) -> str:  # noqa: ANN001
    meta = cell.metadata.get("nbgrader", {})
    grade_id = meta.get("grade_id", "") or ""
    if meta.get("grade"):
        return "grade cell"
    if meta.get("solution"):
        return "answer cell"
    for suffix in ("_check", "_card", "_hint"):
        if grade_id.endswith(suffix):
            return f"{suffix[1:]} cell"
    return "other cell"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--assignment", default="05-screening-cases")
    options.add_argument("-n", "--submissions", type=int, default=6)
    options.add_argument("--cells", action="store_true", help="time each cell's round trip")
    options.add_argument("--prepared", action="store_true",
                         help="spare kernels, as cryocourse grade uses (kernel CPU then "
                         "includes the spare's start and warm-up imports)")
    args = options.parse_args()
    out = Path(tempfile.mkdtemp(prefix="cryocourse-profile-")) / "class"
    root = build_class(out, args.assignment, args.submissions)
    config = load_config(root)
    config.SandboxedExecute.prepare_kernels = args.prepared
    api = make_api(root, config)
    Preprocessor.__call__ = _timed_call(Preprocessor.__call__)
    from course.nbgrader_plugins.autograde.execute import SandboxedExecute

    original_stop = SandboxedExecute._async_stop_kernel

    async def stop_kernel(self):  # noqa: ANN001, ANN202
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            KERNEL_CPU.append(tree_cpu_seconds(process.pid))
        return await original_stop(self)
    SandboxedExecute._async_stop_kernel = stop_kernel

    if args.cells:
        original_run_one = SandboxedExecute._async_run_one

        async def run_one(self, cell, index):  # noqa: ANN001, ANN202
            started = time.perf_counter()
            try:
                return await original_run_one(self, cell, index)
            finally:
                CELL_SECONDS[_cell_kind(cell)].append(time.perf_counter() - started)
        SandboxedExecute._async_run_one = run_one

    students = sorted(p.name for p in (root / "submitted").iterdir())
    api.autograde(args.assignment, students[0], force=True, create=True)  # warm the process
    STEP_SECONDS.clear()
    CELL_SECONDS.clear()
    KERNEL_CPU.clear()
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for student in students:
        result = api.autograde(args.assignment, student, force=True, create=True)
        if not result["success"]:
            raise SystemExit(result["log"][-2000:])
    wall = time.perf_counter() - started
    itself = resource.getrusage(resource.RUSAGE_SELF)
    count = len(students)
    kernel_cpu = sum(KERNEL_CPU) / count  # killed in their namespace: never reaped here
    own_cpu = (itself.ru_utime + itself.ru_stime - self_before.ru_utime
               - self_before.ru_stime) / count
    print(f"{args.assignment}: {count} submissions, {wall / count:.2f} s wall each; "
          f"CPU each: grader {own_cpu:.2f} s, kernels {kernel_cpu:.2f} s")
    print(f"\n{'pipeline step':<34}{'calls':>6}{'s per submission':>18}")
    for name, runs in sorted(STEP_SECONDS.items(), key=lambda kv: -sum(kv[1])):
        print(f"{name:<34}{len(runs) // count:>6}{sum(runs) / count:>18.3f}")
    steps = sum(sum(runs) for runs in STEP_SECONDS.values())
    print(f"{'(nbgrader outside the steps)':<34}{'':>6}{(wall - steps) / count:>18.3f}")
    if CELL_SECONDS:
        print(f"\n{'cell kind':<34}{'cells':>6}{'s per submission':>18}{'ms per cell':>13}")
        for name, runs in sorted(CELL_SECONDS.items(), key=lambda kv: -sum(kv[1])):
            print(f"{name:<34}{len(runs) // count:>6}{sum(runs) / count:>18.3f}"
                  f"{1000 * sum(runs) / len(runs):>13.1f}")


if __name__ == "__main__":
    main()
