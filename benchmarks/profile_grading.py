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
import resource
import sys
import tempfile
import time
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

sys.path.insert(0, str(Path(__file__).resolve().parent))  # a script beside its sibling
from bench_grading import build_class  # noqa: E402

from course.classroom.course_folder import load_config, make_api  # noqa: E402

STEP_SECONDS: dict[str, list[float]] = collections.defaultdict(list)
CELL_SECONDS: dict[str, list[float]] = collections.defaultdict(list)


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
    args = options.parse_args()
    out = Path(tempfile.mkdtemp(prefix="cryocourse-profile-")) / "class"
    root = build_class(out, args.assignment, args.submissions)
    config = load_config(root)
    config.SandboxedExecute.prepare_kernels = False  # time the kernel start too
    api = make_api(root, config)
    Preprocessor.__call__ = _timed_call(Preprocessor.__call__)
    from course.autograde.execute import SandboxedExecute

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
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for student in students:
        result = api.autograde(args.assignment, student, force=True, create=True)
        if not result["success"]:
            raise SystemExit(result["log"][-2000:])
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    itself = resource.getrusage(resource.RUSAGE_SELF)
    count = len(students)
    kernel_cpu = (children.ru_utime + children.ru_stime - children_before.ru_utime
                  - children_before.ru_stime) / count
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
