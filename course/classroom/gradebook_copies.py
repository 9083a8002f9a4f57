"""The gradebook copied and put back (``cryocourse backup``, ``cryocourse restore``): a
checked backup of SQLite or PostgreSQL, and a backup restored over a damaged or lost
gradebook (never over a sound one unless the instructor says so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from course.classroom.gradebook_faults import restore
from course.storage import database
from course.storage.course_folder import CourseError, make_api


@dataclass(frozen=True)
class Backup:
    """Where the gradebook was copied to, and what its integrity check found."""

    lines: list[str]
    problem: str | None  # the gradebook's integrity problem (None: sound)

    @property
    def warning(self) -> str | None:
        return (f"WARNING: the gradebook failed its integrity check: {self.problem}"
                if self.problem else None)


def backup_gradebook(root: Path, to: Path | None = None) -> Backup:
    """Copy the gradebook to ``to`` (default backups/gradebook-DATE-TIME) and check it."""
    url = make_api(root).coursedir.db_url
    suffix = ".db" if database.backend(url) == "SQLite" else ".dump"
    target = to.resolve() if to else (
        root / "backups" / f"gradebook-{datetime.now():%Y-%m-%d-%H%M}{suffix}")
    database.backup(url, target)
    problem = database.integrity_problem(url)
    lines = [f"Gradebook ({database.describe(url)}) backed up to {target} and checked."]
    if database.backend(url) == "PostgreSQL":
        lines.append(f"Restore it into an empty database with: pg_restore --dbname=NEW {target}")
    return Backup(lines, problem)


def restore_gradebook(root: Path, backup: str, *, replace_sound: bool = False) -> str:
    """Put the backup file ``backup`` (as the instructor wrote it) back in place of the
    gradebook; a sound SQLite gradebook is replaced only with ``replace_sound`` (every grade
    given since the backup is lost)."""
    url = make_api(root).coursedir.db_url
    if database.backend(url) == "SQLite" and not replace_sound and (
            database.sqlite_path(url).exists()
            and database.integrity_problem(url) is None):
        raise CourseError("The gradebook is sound: restoring replaces it, and every grade "
                          "given since the backup is lost. To do it anyway, run: "
                          f"cryocourse restore {backup} --yes")
    kept = restore(root, url, Path(backup))
    return (f"Gradebook restored from {Path(backup).resolve()}"
            + (f"; the file it replaced is kept as {kept}." if kept else ".")
            + " Run `cryocourse grade ASSIGNMENT` for each assignment: what was graded since "
            "the backup is graded again.")
