"""Run a third-party project's own tests, stock and with a course patch, and compare them.

Each run is a fresh ``python -m pytest`` subprocess (a patch never reaches another run or
the course's own tests), in a throwaway working directory with its own HOME, Jupyter
folders and TMPDIR, with this environment's ``bin/`` first on PATH (nbgrader runs
``alembic``), and with no pytest configuration of the course (``-c`` an empty file).
Outcomes are read per test id from pytest's JUnit report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

# A run never takes this long (the slowest, nbgrader's gradebook tests, ~3 min on a busy
# machine): past it the run is stopped and the test fails.
RUN_TIMEOUT = 1500
# The code the subprocess runs: the patch (if any), a check that it took, then pytest, then
# a check that the patched code was used (exit 9 if not).
_RUNNER = """\
import sys
{apply}
import pytest
status = pytest.main(sys.argv[1:])
{after}
sys.exit(status)
"""
NOT_USED = 9


@dataclass(frozen=True)
class Run:
    """One run's outcome per test id (``package.module.Class::test``) and its messages."""

    outcomes: dict[str, str]
    messages: dict[str, str]
    log: str

    def with_outcome(self, outcome: str) -> set[str]:
        return {test for test, seen in self.outcomes.items() if seen == outcome}

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for outcome in self.outcomes.values():
            found[outcome] = found.get(outcome, 0) + 1
        return dict(sorted(found.items()))


def run_upstream(modules: list[str], work: Path, apply: str = "", after: str = "",
                 env: dict[str, str] | None = None) -> Run:
    """Run the test modules (``--pyargs`` names) in a subprocess, after the code ``apply``.

    ``apply`` must raise if its patch does not take, and ``after`` (run once the tests are
    done) exit with ``NOT_USED`` if the patched code was never called: a run that silently
    stayed stock would prove nothing.
    """
    work.mkdir(parents=True)
    for folder in ("home", "tmp", "cwd", "jupyter-config", "jupyter-data", "jupyter-runtime"):
        (work / folder).mkdir()
    empty_ini = work / "pytest.ini"
    empty_ini.write_text("[pytest]\n")
    report = work / "report.xml"
    site = Path(__import__(modules[0].split(".")[0]).__file__).resolve().parent.parent
    scripts = Path(sys.executable).parent
    environment = {
        **os.environ,
        "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(work / "home"),
        "TMPDIR": str(work / "tmp"),
        "JUPYTER_CONFIG_DIR": str(work / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(work / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(work / "jupyter-runtime"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **(env or {}),
    }
    for name in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT",
                 "PYTEST_CURRENT_TEST"):
        environment.pop(name, None)
    code = _RUNNER.format(apply=textwrap.dedent(apply), after=textwrap.dedent(after))
    command = [sys.executable, "-c", code, "-c", str(empty_ini), f"--rootdir={site}",
               "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "-o", "junit_family=xunit1",
               f"--junitxml={report}", "--pyargs", *modules]
    done = subprocess.run(command, cwd=work / "cwd", env=environment, capture_output=True,
                          text=True, timeout=RUN_TIMEOUT, check=False)
    log = done.stdout[-20000:] + done.stderr[-5000:]
    if done.returncode == NOT_USED:
        raise AssertionError(f"the patched code was never used:\n{log}")
    if done.returncode not in (0, 1) or not report.exists():
        raise AssertionError(f"the run did not complete (exit {done.returncode}):\n{log}")
    return _read_report(report, log)


_OUTCOME_OF = {"error": "error", "failure": "failed", "skipped": "skipped"}
_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def _read_report(report: Path, log: str) -> Run:
    outcomes: dict[str, str] = {}
    messages: dict[str, str] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            seen = _OUTCOME_OF.get(child.tag)
            if seen and _RANK[seen] > _RANK[outcome]:  # a failure plus a teardown error: error
                outcome = seen
                messages[test] = (child.get("message") or "").strip()[:300]
        outcomes[test] = outcome
    return Run(outcomes, messages, log)


def differences(stock: Run, patched: Run) -> list[str]:
    """Every test id whose outcome differs between the runs (or that only one run has)."""
    return [test for test in sorted(set(stock.outcomes) | set(patched.outcomes))
            if stock.outcomes.get(test, "absent") != patched.outcomes.get(test, "absent")]


def explain(stock: Run, patched: Run, limit: int = 25) -> str:
    """An assertion message: both runs' counts and the first differing tests."""
    found = [f"{test}: stock {stock.outcomes.get(test, 'absent')}, patched "
             f"{patched.outcomes.get(test, 'absent')} ({patched.messages.get(test, '')})"
             for test in differences(stock, patched)]
    shown = "\n".join(found[:limit])
    more = f"\n... and {len(found) - limit} more" if len(found) > limit else ""
    return (f"stock {stock.counts()}, patched {patched.counts()}; "
            f"{len(found)} tests differ:\n{shown}{more}")
