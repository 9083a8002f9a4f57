"""The supervised kit of one trainee: what their supervised server's ``course`` package is.

Built on the course account's side (``cryocourse supervise open``), into the course folder's
private state (``.cryocourse/supervised/<assignment>/<trainee>/course``); the class server
copies it, read-only, into the trainee's supervised session (course/sandbox/
supervised_session.py). It holds:

* ``course.questions`` and ``course.foundation``: how an answer is read and what it may be
  (the one reader; no answer, no rule, no case);
* ``course/lessons/screening_cases.py`` = ``course.lessons.supervised_cases`` (cards, form
  checks, the closed practice form) and ``course/checks.py`` (the released grade cells' line);
* ``supervised.json``: this trainee's client cards as HTML, drawn with the key of their
  sitting and attempt (``variant_keys.sitting_key``: not their practice clients) and
  rendered here, the words and finding names they may use, the window.

Nothing else of the package goes in: no screening engine, case bank, variant blueprint,
data file, other lesson or reference answer.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from pathlib import Path

from course.storage.course_folder import STATE_DIR, CourseError
from course.storage.supervision import Window

KIT_DIR = "supervised"
# The package rooms copied whole into a kit: answer reading only.
COPIED_ROOMS = ("foundation", "questions")
ASSESSMENTS_WITH_A_SUPERVISED_FORM = ("05-screening-cases",)


def package_dir() -> Path:
    """The course package's own folder (the source of the copied rooms)."""
    return Path(__file__).resolve().parents[1]


def kit_root(root: Path, assignment: str) -> Path:
    """Where the kits of an assignment are kept in the course folder."""
    return Path(root) / STATE_DIR / KIT_DIR / assignment


def kit_path(root: Path, assignment: str, trainee: str) -> Path:
    """One trainee's kit: the folder that becomes ``course`` in their supervised session."""
    return kit_root(root, assignment) / trainee / "course"


def require_supervised_form(assignment: str) -> None:
    if assignment not in ASSESSMENTS_WITH_A_SUPERVISED_FORM:
        raise CourseError(f"{assignment} has no supervised form yet (only "
                          f"{', '.join(ASSESSMENTS_WITH_A_SUPERVISED_FORM)}): it stays in "
                          "practice mode.")


def kit_data(root: Path, assignment: str, trainee: str, window: Window) -> dict:
    """The trainee's cards, words and window (JSON): everything shown, nothing decided."""
    from course.exercises import REFERRAL, TREATMENT
    from course.exercises.screening_cases import finding_spellings
    from course.models.variants import draw
    from course.storage.variant_keys import sitting_key
    from course.views.screening import finding_list, outcome_words, vignette_card

    variant = draw(assignment, sitting_key(root, window))  # new clients, every attempt
    return {
        "assignment": assignment, "trainee": trainee, "fingerprint": variant.fingerprint,
        "cards": [str(vignette_card(client.case, f"Client {client.number}"))
                  for client in variant.clients],
        "outcome_words": str(outcome_words()), "finding_list": str(finding_list()),
        "words": {
            "treatment": {"options": list(TREATMENT.options), "aliases": dict(TREATMENT.aliases),
                          "names": dict(TREATMENT.names)},
            "referral": {"options": list(REFERRAL.options), "aliases": dict(REFERRAL.aliases),
                         "names": dict(REFERRAL.names)},
            "findings": dict(finding_spellings()),
        },
        **window_data(window),
    }


def window_data(window: Window) -> dict[str, str]:
    """The window as the kit reads it (naive UTC, ISO)."""
    return {"start": window.start.isoformat(timespec="seconds"),
            "end": window.end.isoformat(timespec="seconds"),
            "written": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}


def build_kit(root: Path, assignment: str, trainee: str, window: Window) -> Path:
    """Write ``trainee``'s kit (replacing an older one); its folder."""
    require_supervised_form(assignment)
    target = kit_path(root, assignment, trainee)
    fresh = target.with_name("course.new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True, mode=0o700)
    source = package_dir()
    for room in COPIED_ROOMS:
        (fresh / room).mkdir()
        for module in sorted((source / room).glob("*.py")):
            shutil.copyfile(module, fresh / room / module.name)
    (fresh / "lessons").mkdir()
    shutil.copyfile(source / "lessons" / "supervised_cases.py",
                    fresh / "lessons" / "screening_cases.py")
    (fresh / "lessons" / "__init__.py").write_text(
        '"""The supervised form of one assessment (see screening_cases.py)."""\n')
    (fresh / "__init__.py").write_text(
        f'"""The supervised kit of {trainee} for {assignment}: cards and form checks only."""\n')
    (fresh / "checks.py").write_text(
        '"""What the released grade cells import: here, the supervised form\'s functions."""\n'
        "from course.lessons.screening_cases import check, grade, ready_to_submit  # noqa\n")
    data = kit_data(root, assignment, trainee, window)
    (fresh / "supervised.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    old = target.with_name("course.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
    return target
