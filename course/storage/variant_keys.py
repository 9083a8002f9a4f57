"""The course's secret salt and the trainees' variant keys (instructor side only).

The salt is a random secret in the course folder (``.variant-salt``, created on first use,
readable by its owner only, never committed, never mounted in the grading sandbox). A
trainee's key is ``course.models.variants.trainee_key(salt, trainee)``. The trusted marker and the
sandboxed autograder compute it from the submitter's id; a trainee's server receives only
that trainee's key (on JupyterHub through ``hub_environment``), so no trainee kernel holds
the salt. A new salt (``new_salt``, ``cryocourse variant --new-salt``) gives every trainee
new clients: do it between cohorts, never while an assessment with variants is open.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from course.models.variants import (
    ASSESSMENT,
    KEY_VARIABLE,
    SEATS_FILE,
    read_seats,
    seated,
    trainee_key,
)
from course.storage.secrets import SecretError, read_or_create, replace_secret

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
