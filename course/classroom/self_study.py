"""Self-study set-up (``bash setup.sh lab``): the lesson a trainee works in is the one submitted.

The trainee's JupyterLab serves ``my-work/`` (their own copy of the released lessons) with the
settings in ``trainee-config/``: nbgrader's *Assignments* tab lists the course's lessons as
already downloaded *into my-work/*, so *Submit* hands in the notebook the trainee answered (a
fresh fetch into another folder would hand in a blank copy). This module prepares that:

* new lessons are copied from ``release/`` into ``my-work/``; lessons already there (the
  trainee's answers) are never touched;
* every lesson is released into the course's exchange (nbgrader's own release step), so the
  tab lists it;
* the copies carry the kernel's ``language_info``, so a lesson does not open marked unsaved
  (JupyterLab writes the kernel's language details into a notebook that lacks them);
* ``--variant-key`` prints the trainee's variant key (assessment 05's own clients), the one
  the grader computes for their submissions (nbgrader names a submission by the account's
  user name): setup.sh gives it to the trainee's JupyterLab, so the clients the trainee
  screens are the clients that are marked.

Feedback reaches the trainee the way it does in a class: the instructor's steps
(``cryocourse collect``, ``grade``, written answers in the Formgrader, ``cryocourse
feedback``) release it into the exchange, and *Fetch Feedback* in the Assignments tab puts
it in ``my-work/<lesson>/feedback/``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import nbformat

MY_WORK = "my-work"


def kernel_language_info() -> dict:
    """What the course's Python kernel reports about its language (no kernel started)."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def stamp_language_info(path: Path, info: dict) -> None:
    """Give a notebook the kernel's language details (rewritten only when they differ)."""
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    if nb.metadata.get("language_info") != info:
        nb.metadata["language_info"] = info
        nbformat.write(nb, path)


def copy_new_lessons(release: Path, my_work: Path, info: dict) -> list[str]:
    """Copy files of ``release/`` missing from ``my_work`` (never overwriting); new notebooks
    are stamped. Returns the lessons that got new files."""
    added: set[str] = set()
    for source in sorted(release.rglob("*")):
        if not source.is_file() or ".ipynb_checkpoints" in source.parts:
            continue
        target = my_work / source.relative_to(release)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if target.suffix == ".ipynb":
            stamp_language_info(target, info)
        added.add(source.relative_to(release).parts[0])
    return sorted(added)


def release_lessons(root: Path, info: dict) -> list[str]:
    """Release (nbgrader's exchange step) every lesson whose exchange copy is missing or
    older than ``release/``; outbound notebooks are stamped. Returns what was released."""
    from nbgrader.utils import capture_log

    from course.storage.course_folder import make_api

    api = make_api(root)
    outbound = Path(api.config.Exchange.root) / api.coursedir.course_id / "outbound"
    released = []
    for lesson in sorted(p for p in (root / "release").iterdir() if p.is_dir()):
        copy = outbound / lesson.name
        if copy.is_dir() and _stamped_equal(lesson, copy, info):
            continue
        api.coursedir.assignment_id = lesson.name
        app = api.exchange.ReleaseAssignment(coursedir=api.coursedir,
                                             authenticator=api.authenticator, parent=api)
        app.force = True
        result = capture_log(app)
        if not result["success"]:
            raise RuntimeError(f"Could not release {lesson.name}: {result.get('log', '')}")
        for notebook in copy.rglob("*.ipynb"):
            stamp_language_info(notebook, info)
        released.append(lesson.name)
    return released


def _stamped_equal(lesson: Path, copy: Path, info: dict) -> bool:
    """Whether the exchange copy is ``lesson`` as released and stamped."""
    for notebook in lesson.rglob("*.ipynb"):
        theirs = copy / notebook.relative_to(lesson)
        if not theirs.is_file():
            return False
        ours = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
        ours.metadata["language_info"] = info
        if nbformat.read(theirs, as_version=nbformat.NO_CONVERT) != ours:
            return False
    return True


def prepare(root: Path) -> tuple[list[str], list[str]]:
    """Everything ``setup.sh lab`` needs before it serves ``my-work/``."""
    info = kernel_language_info()
    added = copy_new_lessons(root / "release", root / MY_WORK, info)
    return added, release_lessons(root, info)


def self_study_key(root: Path) -> str:
    """The variant key of this machine's trainee: the key the grader computes for the
    submissions of this account (nbgrader's student id is the account's user name)."""
    from nbgrader.utils import get_username

    from course.storage.variant_keys import key_for

    return key_for(root, get_username())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder")
    parser.add_argument("--variant-key", action="store_true",
                        help="only print this trainee's variant key (assessment 05's clients)")
    args = parser.parse_args(argv)
    if args.variant_key:
        print(self_study_key(args.course.resolve()))
        return 0
    for line in prepare_lines(args.course.resolve()):
        print(line)
    return 0


def prepare_lines(root: Path) -> list[str]:
    """``prepare``, and what it added and released, in words (``cryocourse self-study``)."""
    added, released = prepare(root)
    lines = []
    if added:
        lines.append(f"New lessons in {MY_WORK}/: {', '.join(added)}")
    if released:
        lines.append(f"Lessons listed in the Assignments tab: {', '.join(released)}")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
