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

import os
import secrets
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

SALT_FILE = ".variant-salt"


def salt_path(root: Path) -> Path:
    """Where a course keeps its salt."""
    return Path(root) / SALT_FILE


def _write_salt(path: Path) -> str:
    salt = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(salt + "\n")
    os.chmod(path, 0o600)
    return salt


def course_salt(root: Path) -> str:
    """The course's salt, created (random, owner-only) the first time it is needed."""
    path = salt_path(root)
    try:
        salt = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return _write_salt(path)
    if not salt:
        return _write_salt(path)
    return salt


def new_salt(root: Path) -> Path:
    """Replace the salt (a new cohort): every trainee's key and clients change."""
    path = salt_path(root)
    _write_salt(path)
    return path


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
