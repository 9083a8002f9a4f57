"""Prepared (spare) kernels: same scores as plain nbgrader, and one kernel per submission.

``cryocourse grade`` keeps one sandboxed kernel started and warmed up in each worker. These
tests grade lesson 00 both ways on a throwaway course and look inside the kernels through a
probe cell: a spare serves exactly one submission, and nothing of the previous submission
(variables, modules' state, files, user id) is visible in the next one.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from course.classroom.parallel_grading import grade_assignment
from course.sandbox.kernels import SandboxedKernelManager
from course.sandbox.provisioner import sandbox_status
from course.sandbox.spare import (
    KernelPreparer,
    KernelRecipe,
    kernel_config,
    shut_down_kernel,
    start_prepared_kernel,
)
from tests.nbgrader_harness import Course, reference_submission, with_answers

pytestmark = [pytest.mark.nbgrader,
              pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1])]

ASSIGNMENT = "00-orientation"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
STUDENTS = ["a-first", "b-second", "c-third"]

# Runs first in every submission: reports what the kernel holds, then leaves traces behind.
PROBE = """
import json, os, sys
print("PROBE" + json.dumps({
    "uid": os.getuid(),
    "warm": "course.views.scope" in sys.modules,
    "leaked_variable": "leaked_variable" in globals(),
    "leaked_module_state": hasattr(sys, "cryocourse_leak"),
    "files": sorted(os.listdir(".")),
}))
leaked_variable = 1
sys.cryocourse_leak = True
open("left_behind.txt", "w").write("trace")
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """Three submissions graded by plain nbgrader, then by ``cryocourse grade`` (1 worker)."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("prepared"))
    course.generate(ASSIGNMENT)
    reference = reference_submission(course, ASSIGNMENT, NOTEBOOK)
    wrong = with_answers(reference, {"orientation_decision_herpes": {"treatment": "treat",
                                                                     "referral": "none"}})
    for student, nb in zip(STUDENTS, [reference, wrong, reference], strict=True):
        probed = nbformat.from_dict(json.loads(nbformat.writes(nb)))
        probed.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
        course.submit(student, ASSIGNMENT, NOTEBOOK, probed)
    course.autograde(ASSIGNMENT)
    plain = {s: course.auto_scores(ASSIGNMENT, s, NOTEBOOK) for s in STUDENTS}
    shutil.rmtree(course.root / "autograded")
    summary = grade_assignment(course.root, ASSIGNMENT, workers=1, force=True)
    assert summary.ok, summary.text()
    ours = {s: course.auto_scores(ASSIGNMENT, s, NOTEBOOK) for s in STUDENTS}
    probes = {s: probe_of(course.root / "autograded" / s / ASSIGNMENT / NOTEBOOK)
              for s in STUDENTS}
    return {"plain": plain, "ours": ours, "probes": probes}


def probe_of(path: Path) -> dict:
    text = "".join(o.get("text", "") for o in nbformat.read(path, as_version=4).cells[0].outputs)
    return json.loads(text.split("PROBE", 1)[1].splitlines()[0])


def test_scores_equal_plain_nbgrader_autograde(graded: dict) -> None:
    assert graded["ours"] == graded["plain"]
    assert graded["ours"]["a-first"] != graded["ours"]["b-second"]  # the answers differ


def test_every_submission_ran_in_a_prepared_kernel(graded: dict) -> None:
    # the worker's first kernel starts with the worker, before its first submission
    assert all(probe["warm"] for probe in graded["probes"].values())


def test_a_prepared_kernel_never_serves_two_submissions(graded: dict) -> None:
    probes = graded["probes"]
    assert len({p["uid"] for p in probes.values()}) == len(STUDENTS)
    for probe in probes.values():
        assert not probe["leaked_variable"] and not probe["leaked_module_state"]
        assert "left_behind.txt" not in probe["files"] and NOTEBOOK in probe["files"]


def recipe(*modules: str) -> KernelRecipe:
    return KernelRecipe("python3", ("--HistoryManager.hist_file=:memory:",), None, modules)


async def _names_in(manager: SandboxedKernelManager) -> tuple[list[str], int]:
    """User-visible names in the kernel and its execution count, via a new client."""
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        shown: list[str] = []
        reply = await client.execute_interactive(
            "print(sorted(k for k in globals() if not k.startswith('_')))", timeout=30,
            output_hook=lambda msg: shown.append(msg["content"].get("text", "")))
        return json.loads("".join(shown).replace("'", '"')), reply["content"]["execution_count"]
    finally:
        client.stop_channels()


def test_a_warmed_spare_looks_like_a_fresh_kernel() -> None:
    spare = start_prepared_kernel(recipe("course.checks", "course.views.scope"))
    fresh = start_prepared_kernel(recipe())
    processes = [spare.provisioner.process, fresh.provisioner.process]
    try:
        assert os.listdir(spare.sandbox.work_copy) == []
        assert asyncio.run(_names_in(spare)) == asyncio.run(_names_in(fresh))
    finally:
        shut_down_kernel(spare)
        shut_down_kernel(fresh)
    assert all(process.poll() is not None for process in processes)
    assert not os.path.exists(os.path.dirname(spare.sandbox.work_copy or "/nonexistent/x"))


def test_the_preparer_hands_each_spare_out_once_and_stops_the_last() -> None:
    preparer = KernelPreparer()
    assert preparer.take(recipe()) is None  # nothing prepared yet; one starts now
    first = preparer.take(recipe()).result(timeout=60)
    try:
        assert preparer.take(recipe("course.checks")) is None  # another recipe: not used
        waiting = preparer._spare[1]
        process = waiting.result(timeout=60).provisioner.process
    finally:
        shut_down_kernel(first)
        preparer.close()
    assert process.poll() is not None  # the spare left at exit is stopped


def test_no_spare_is_prepared_after_the_last_notebook() -> None:
    preparer = KernelPreparer()
    preparer.more_to_come = False
    try:
        assert preparer.take(recipe()) is None
        assert preparer._spare is None  # nothing was started for nobody
    finally:
        preparer.close()


def test_a_recipe_depends_only_on_how_the_kernel_starts() -> None:
    from traitlets.config import Config

    kernel_part = {"BubblewrapProvisioner": {"cpu_seconds": 9}, "Session": {"key": b"k"}}
    graded = Config({**kernel_part, "Exporter": {"default_preprocessors": []}})
    assert kernel_config(graded) == Config(kernel_part)
    assert KernelRecipe("python3", (), kernel_config(graded)) == KernelRecipe(
        "python3", (), kernel_config(Config(kernel_part)))
    before = KernelRecipe("python3", (), kernel_config(graded))
    graded.BubblewrapProvisioner.cpu_seconds = 99  # changed after a spare was prepared
    assert KernelRecipe("python3", (), kernel_config(graded)) != before
