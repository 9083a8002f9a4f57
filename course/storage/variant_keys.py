"""The course's secret salt and the trainees' variant keys (instructor side only).

The salt is a random secret in the course folder (``.variant-salt``, created on first use,
readable by its owner only, never committed, never mounted in the grading sandbox). A
trainee's key is ``course.models.variants.trainee_key(salt, trainee)``; in a supervised
assignment, the key of their sitting and attempt (``sitting_key``, ``assessment_key``).
The trusted marker and the sandboxed autograder compute it from the submitter's id; a
trainee's server receives only that trainee's key (on JupyterHub through
``hub_environment``), so no trainee kernel holds the salt. A new salt (``new_salt``,
``cryocourse variant --new-salt``) gives every trainee new clients: do it between cohorts,
never while an assessment with variants is open.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course.models.variants import (
    ASSESSMENT,
    KEY_VARIABLE,
    SEATS_FILE,
    read_seats,
    seated,
    trainee_key,
)
from course.storage.secrets import SecretError, read_or_create, replace_secret

if TYPE_CHECKING:
    from course.storage.supervision import Window

SALT_FILE = ".variant-salt"


def salt_path(root: Path) -> Path:
    """Where a course keeps its salt."""
    return Path(root) / SALT_FILE


class SaltProblem(SecretError):
    """The course's salt file exists but cannot be used (empty, cut short, unreadable)."""


def course_salt(root: Path) -> str:
    """The course's salt, created (random, owner-only) the first time it is needed.

    Created once, whole, by one process (``course.storage.secrets``): processes that start
    at the same moment all read the one salt that won; nobody ever reads a half-written file.
    An empty or damaged salt file raises ``SaltProblem``.
    """
    return read_or_create(salt_path(root), "the course's variant salt", SaltProblem, (
        "Submissions are marked against keys made from it, so a new one is never made in its "
        "place: put back the file from your backup of the course folder; only between "
        "cohorts, with no assessment open, start afresh with "
        "`cryocourse variant --new-salt --yes`."))


def new_salt(root: Path) -> Path:
    """Replace the salt (a new cohort): every trainee's key and clients change.

    The new salt is whole before it takes the old one's place.
    """
    return replace_secret(salt_path(root))


def seats_path(root: Path) -> Path:
    """The seat table of assessment 05: in its source folder, so it is released with it."""
    return Path(root) / "source" / ASSESSMENT / SEATS_FILE


def key_for(root: Path, trainee: str) -> str:
    """The variant key of one trainee of the course at ``root`` (with the trainee's draw
    number when the course seated its class for sets without shared clients)."""
    return seated(trainee_key(course_salt(root), trainee), read_seats(seats_path(root)))


def sitting_key(root: Path, window: Window) -> str:
    """The variant key of one supervised sitting and attempt (``window``): "id:hmac", the
    HMAC under the course's salt of the assignment, trainee, the window's start and attempt.

    The supervised clients are not those the trainee met open-book (their practice key)
    and are new at every attempt; only the class server's kit and the grader compute them.
    """
    material = "\n".join(["supervised", window.assignment, window.trainee,
                           window.start.isoformat(), str(window.sitting), str(window.attempt)])
    digest = hmac.new(course_salt(root).encode(), material.encode(),
                      hashlib.sha256).hexdigest()[:32]
    return seated(f"{window.trainee}:{digest}", read_seats(seats_path(root)))


def assessment_key(root: Path, assignment: str, trainee: str) -> str:
    """The key the trainee's clients of ``assignment`` are drawn and marked with: in a
    supervised assignment, the key of their own window (``sitting_key``: the sitting and
    attempt whose hand-in alone counts); else their practice key (``key_for``)."""
    from course.storage import deadlines, supervision
    from course.storage.course_folder import CourseError

    book = deadlines.load(root)
    if supervision.mode(book, assignment) == supervision.SUPERVISED:
        try:
            return sitting_key(root, supervision.window(book, assignment, trainee))
        except CourseError:
            pass  # not sitting it: none of their hand-ins counts; marked as practice
    return key_for(root, trainee)


def course_root(config: Any) -> Path:
    """The course folder an nbgrader configuration names (CourseDirectory.root)."""
    from nbgrader.coursedir import CourseDirectory

    return Path(CourseDirectory(config=config).root).resolve()


def hub_environment(root: Path) -> dict[str, Callable[[Any], str]]:
    """For JupyterHub's ``c.Spawner.environment``: each trainee's server gets its own key.

    In jupyterhub_config.py: ``c.Spawner.environment.update(hub_environment(COURSE))``.
    The hub reads the salt; the trainee's server only receives ``CRYOCOURSE_VARIANT_KEY``.
    """
    return {KEY_VARIABLE: lambda spawner: key_for(root, spawner.user.name)}
