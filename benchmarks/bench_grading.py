"""Benchmark: stock serial `nbgrader autograde` against `cryocourse grade` on one class.

Builds a demo class (default 40 synthetic trainees, lesson 00) and grades it, from a clean
gradebook each time, three ways in alternating rounds (so a slow minute of the machine does
not favour one of them):

* stock: ``nbgrader autograde ASSIGNMENT`` with nbgrader's own pipeline (a course config
  that only names the course, the header and the answer stub), in a copy of the class;
* course config, serial: the same command with this course's ``nbgrader_config.py``
  (sandboxed kernels, trusted marking), one submission after another;
* ``cryocourse grade`` with N workers.

Prints a table (median and range of each), the speed-up of ``cryocourse grade`` over stock,
and whether every score is identical in every run. Run from the repository root:

    .venv/bin/python benchmarks/bench_grading.py [--students 40] [--workers N] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from course.classroom.course_folder import CourseError, make_api
from course.classroom.parallel_grading import default_workers
from course.demo.class_demo import copy_course
from course.demo.synthetic_trainees import filled_notebook, make_class

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = Path(sys.executable).parent
TARGET_SPEED_UP = 3.0
# nbgrader as it comes: only what the class's notebooks need to be generated the same way.
STOCK_CONFIG = """c = get_config()
c.CourseDirectory.course_id = "cosmetic-cryotherapy"
c.IncludeHeaderFooter.header = "source/header.ipynb"
c.ClearSolutions.code_stub = {"python": ""}
"""

Scores = dict[tuple[str, str], float | None]


def build_class(out: Path, assignment: str, students: int) -> Path:
    """A course copy with ``students`` submissions written into submitted/."""
    root = copy_course(REPO, out, [assignment])
    api = make_api(root)
    result = api.generate_assignment(assignment, force=True)
    if not result["success"]:
        raise SystemExit(f"could not generate the assignment:\n{result['log'][-3000:]}")
    for trainee in make_class(students, seed=7):
        folder = root / "submitted" / trainee.student_id / assignment
        folder.mkdir(parents=True)
        for release in sorted((root / "release" / assignment).glob("*.ipynb")):
            nb = nbformat.read(release, as_version=4)
            nbformat.write(filled_notebook(nb, trainee), folder / release.name)
        (folder / "timestamp.txt").write_text("2026-11-21 10:00:00.000000 UTC")
    return root


def stock_copy(root: Path) -> Path:
    """The same class beside ``root``, configured as stock nbgrader."""
    stock = root.with_name(root.name + "-stock")
    shutil.rmtree(stock, ignore_errors=True)
    shutil.copytree(root, stock, ignore=shutil.ignore_patterns(
        "autograded", "feedback", ".cryocourse", "gradebook.db", "exchange"))
    (stock / "nbgrader_config.py").write_text(STOCK_CONFIG)
    return stock


def reset(root: Path, assignment: str) -> None:
    """Forget every grade; generate the assignment into a fresh gradebook."""
    for name in ("autograded", ".cryocourse", "feedback"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / "gradebook.db").unlink(missing_ok=True)
    done = run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
               root)
    if done.returncode != 0:
        raise SystemExit(f"generate_assignment failed in {root}:\n{done.stderr[-3000:]}")


def scores(root: Path, assignment: str) -> Scores:
    """Every grade cell's automatic score, by (student, cell)."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {(s.student_id, g.name): g.auto_score
                for s in gradebook.find_assignment(assignment).submissions
                for nb in s.notebooks for g in nb.grades}


def run(command: list[str], root: Path) -> subprocess.CompletedProcess:
    env = {"PATH": f"{SCRIPTS}:/usr/bin:/bin", "HOME": str(Path.home()), "LANG": "C.UTF-8"}
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)


def timed_grading(command: list[str], root: Path, assignment: str) -> tuple[float, Scores]:
    """Seconds the command took from a clean gradebook, and the scores it wrote."""
    reset(root, assignment)
    started = time.perf_counter()
    done = run(command, root)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return seconds, scores(root, assignment)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--students", type=int, default=40)
    options.add_argument("--assignment", default="00-orientation")
    options.add_argument("--workers", type=int, default=default_workers())
    options.add_argument("--rounds", type=int, default=3)
    options.add_argument("--out", default=str(REPO / "benchmarks" / "out" / "class"))
    args = options.parse_args()
    try:
        root = build_class(Path(args.out), args.assignment, args.students)
    except CourseError as problem:
        raise SystemExit(str(problem)) from None
    stock = stock_copy(root)
    autograde = [sys.executable, "-m", "nbgrader", "autograde", args.assignment, "--force"]
    ours = [str(SCRIPTS / "cryocourse"), "--course", str(root), "grade", args.assignment,
            "--workers", str(args.workers)]
    graders: dict[str, Callable[[], tuple[float, Scores]]] = {
        "stock nbgrader autograde (serial)": lambda: timed_grading(autograde, stock,
                                                                   args.assignment),
        "nbgrader autograde, course config": lambda: timed_grading(autograde, root,
                                                                   args.assignment),
        f"cryocourse grade ({args.workers} workers)": lambda: timed_grading(ours, root,
                                                                            args.assignment),
    }
    times: dict[str, list[float]] = {name: [] for name in graders}
    reference: Scores | None = None
    identical = True
    for round_number in range(1, args.rounds + 1):
        for name, grade in graders.items():
            seconds, found = grade()
            times[name].append(seconds)
            reference = found if reference is None else reference
            identical = identical and found == reference and len(found) > 0
            print(f"round {round_number}: {name}: {seconds:.1f} s", file=sys.stderr)
    print(f"\n{'grader':<38}{'submissions':>12}{'median s':>10}{'range s':>14}{'per min':>9}")
    for name, runs in times.items():
        median = statistics.median(runs)
        spread = f"{min(runs):.1f}-{max(runs):.1f}"
        print(f"{name:<38}{args.students:>12}{median:>10.1f}{spread:>14}"
              f"{60 * args.students / median:>9.1f}")
    stock_median, *_, our_median = (statistics.median(runs) for runs in times.values())
    stock_runs, *_, our_runs = times.values()
    speed_up = stock_median / our_median
    paired = [stock / ours for stock, ours in zip(stock_runs, our_runs, strict=True)]
    print(f"\nspeed-up over stock (medians): {speed_up:.2f}x (target {TARGET_SPEED_UP:.0f}x: "
          f"{'met' if speed_up >= TARGET_SPEED_UP else 'NOT met'}); round by round: "
          f"{', '.join(f'{ratio:.2f}x' for ratio in paired)}")
    print(f"identical scores in every run: {'yes' if identical else 'NO'}   "
          f"rounds: {args.rounds}   cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
