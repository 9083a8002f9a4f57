"""Benchmark: a class server on this machine (needs root, like the hub test).

Measures, on 127.0.0.1 with the course's hub config and a private PostgreSQL cluster:

* hub start (process start to API answering);
* N trainees' servers started at once (default 10) and the memory each uses when idle
  (resident set of every process of the trainee's account, after a short settle);
* a grading run of a demo class (default 20 trainees, lesson 00) with the gradebook in
  SQLite and in PostgreSQL, alternating rounds.

Prints a table; the sizing guide in docs/instructor-guide.md quotes its figures. Run from
the repository root after ``bash setup.sh test`` (which installs .hub-tools/):

    .venv/bin/python benchmarks/bench_hub.py [--trainees 10] [--students 20] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from course.demo.class_demo import build_demo  # noqa: E402
from tests.hub.hub_harness import running_hub, system_accounts  # noqa: E402
from tests.hub.postgres_harness import running_postgres  # noqa: E402


def idle_memory_mib(uid: int) -> float:
    """Resident memory of every process of one account, in MiB."""
    total = 0
    for process in psutil.process_iter(["uids", "memory_info"]):
        if process.info["uids"] and process.info["uids"].real == uid:
            total += process.info["memory_info"].rss
    return total / 2**20


def bench_spawns(trainees: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-bench-hub-"))
    folder.chmod(0o755)
    (folder / "home").mkdir(mode=0o755)
    (folder / "exchange").mkdir(mode=0o1777)
    tag = secrets.token_hex(2)
    course_user = f"cb{tag}course"
    names = [f"cb{tag}t{i:02d}" for i in range(trainees)]
    try:
        with system_accounts([course_user, *names], folder / "home") as accounts:
            (folder / "course").mkdir()
            shutil.copy(REPO / "nbgrader_config.py", folder / "course")
            shutil.chown(folder / "course", accounts[course_user].pw_uid)
            settings = {"CRYOCOURSE_COURSE_USER": course_user,
                        "CRYOCOURSE_COURSE_DIR": str(folder / "course"),
                        "CRYOCOURSE_EXCHANGE": str(folder / "exchange")}
            with running_hub(folder, settings) as hub:
                hub.api("POST", "/users", {"usernames": names})
                hub.api("POST", "/groups/nbgrader-cosmetic-cryotherapy/users",
                        {"users": names})
                spawn = hub.start_servers(names, timeout=300)
                time.sleep(10)  # let the servers settle into idle
                memory = [idle_memory_mib(accounts[n].pw_uid) for n in names]
                return {"hub start (s)": hub.started_in,
                        f"{trainees} servers at once (s)": spawn,
                        "idle server, median (MiB)": statistics.median(memory),
                        "idle server, max (MiB)": max(memory)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_grading(students: int, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": []}
    with running_postgres() as postgres:
        for number in range(rounds):
            for backend in ("SQLite", "PostgreSQL"):
                out = Path(tempfile.mkdtemp(prefix="cryocourse-bench-grade-")) / "class"
                if backend == "PostgreSQL":
                    os.environ["CRYOCOURSE_DATABASE_URL"] = postgres.create_database(
                        f"bench{number}")
                try:
                    with open(os.devnull, "w") as quiet:
                        demo = build_demo(out, students, assignments=["00-orientation"],
                                          with_report=False, stream=quiet)
                    times[backend].append(demo.summaries[0].seconds)
                finally:
                    os.environ.pop("CRYOCOURSE_DATABASE_URL", None)
                    shutil.rmtree(out.parent, ignore_errors=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainees", type=int, default=10)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_hub.py runs servers as separate accounts: run it as root")
    print(f"{'measure':<36}{'value':>10}")
    for name, value in bench_spawns(args.trainees).items():
        print(f"{name:<36}{value:>10.1f}")
    for backend, runs in bench_grading(args.students, args.rounds).items():
        spread = f"({min(runs):.1f}-{max(runs):.1f})"
        print(f"{f'grade {args.students} trainees, {backend} (s)':<36}"
              f"{statistics.median(runs):>10.1f}  {spread}")


if __name__ == "__main__":
    main()
