"""Benchmark: stock serial `nbgrader autograde` against `cryocourse grade` on one class.

Builds a demo class (default 40 synthetic trainees, lesson 00), grades it both ways from a
clean gradebook, and prints a table: times, the speed-up and whether every score is
identical. Run from the repository root:

    .venv/bin/python benchmarks/bench_grading.py [--students 40] [--workers N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from course.instructor.demo import copy_course
from course.instructor.grade import default_workers, make_api
from course.instructor.trainees import filled_notebook, make_class

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = Path(sys.executable).parent


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


def reset(root: Path) -> None:
    """Forget every grade (the generated assignment stays in a fresh gradebook)."""
    for name in ("autograded", ".cryocourse", "feedback"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / "gradebook.db").unlink(missing_ok=True)


def scores(root: Path, assignment: str) -> dict[tuple[str, str], float | None]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {(s.student_id, g.name): g.auto_score
                for s in gradebook.find_assignment(assignment).submissions
                for nb in s.notebooks for g in nb.grades}


def timed(command: list[str], root: Path) -> float:
    env = {"PATH": f"{SCRIPTS}:/usr/bin:/bin", "HOME": str(Path.home()), "LANG": "C.UTF-8"}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--students", type=int, default=40)
    options.add_argument("--assignment", default="00-orientation")
    options.add_argument("--workers", type=int, default=default_workers())
    options.add_argument("--out", default=str(REPO / "benchmarks" / "out" / "class"))
    args = options.parse_args()
    root = build_class(Path(args.out), args.assignment, args.students)
    reset(root)
    make_api(root).generate_assignment(args.assignment, force=True)
    stock = timed([sys.executable, "-m", "nbgrader", "autograde", args.assignment, "--force"],
                  root)
    stock_scores = scores(root, args.assignment)
    reset(root)
    make_api(root).generate_assignment(args.assignment, force=True)
    ours = timed([str(SCRIPTS / "cryocourse"), "--course", str(root), "grade",
                  args.assignment, "--workers", str(args.workers)], root)
    our_scores = scores(root, args.assignment)
    same = stock_scores == our_scores and len(our_scores) > 0
    print(f"{'grader':<34}{'submissions':>12}{'seconds':>10}{'per min':>10}")
    for name, seconds in (("nbgrader autograde (serial)", stock),
                          (f"cryocourse grade ({args.workers} workers)", ours)):
        print(f"{name:<34}{args.students:>12}{seconds:>10.1f}{60 * args.students / seconds:>10.1f}")
    print(f"speed-up: {stock / ours:.2f}x   identical scores: {'yes' if same else 'NO'}"
          f"   cores: {__import__('os').cpu_count()}")


if __name__ == "__main__":
    main()
