"""The course folder as nbgrader sees it: where it is, its configuration, its assignments.

Everything the term's commands share: finding the course root, reading
``nbgrader_config.py`` once into an ``NbGraderAPI``, naming assignments (with "did you mean"),
and plain-language errors (``CourseError``) the CLI prints without a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from course.foundation.names import did_you_mean

CONFIG_FILE = "nbgrader_config.py"
STATE_DIR = ".cryocourse"
SQLITE_BUSY_SECONDS = 120


class CourseError(Exception):
    """An expected problem, explained in plain words (the CLI prints it without traceback)."""


# --- the course directory and nbgrader's API ----------------------------------------------

def find_course_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``nbgrader_config.py``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise CourseError(
        f"No course found at {here}: there is no {CONFIG_FILE} here or in a folder above. "
        "Run the command inside the course folder, or pass --course FOLDER."
    )


def exchange_dir(root: Path) -> Path:
    """The course-local exchange used when the configuration does not name one."""
    return root / "exchange"


def with_busy_timeout(db_url: str) -> str:
    """A SQLite URL that waits for a lock instead of failing at once."""
    if db_url.startswith("sqlite:///") and "?" not in db_url:
        return f"{db_url}?timeout={SQLITE_BUSY_SECONDS}"
    return db_url


def load_config(root: Path):  # -> traitlets Config
    """The course's nbgrader configuration, plus the course-local exchange if none is set."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except ConfigFileNotFound as problem:
        raise CourseError(f"{root / CONFIG_FILE} is missing.") from problem
    config.CourseDirectory.root = str(root)
    if "db_url" not in config.CourseDirectory:
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    if "root" not in config.get("Exchange", {}):
        config.Exchange.root = str(exchange_dir(root))
    return config


def ensure_tools_on_path() -> None:
    """Put this environment's scripts on PATH: nbgrader runs ``alembic`` from there."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"


def make_api(root: Path, config=None):  # -> NbGraderAPI
    """An ``NbGraderAPI`` for the course at ``root`` (configuration read once)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    ensure_tools_on_path()

    config = config or load_config(root)
    exchange = Path(config.Exchange.root)
    if exchange == exchange_dir(root):
        (exchange / config.CourseDirectory.get("course_id", "course")).parent.mkdir(
            parents=True, exist_ok=True)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def known_assignments(root: Path) -> list[str]:
    """Assignments in ``source/``: folders holding at least one notebook."""
    source = root / "source"
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb")))


def require_assignment(root: Path, name: str) -> str:
    """``name`` if it is an assignment, the one assignment it starts (``05``), or an error."""
    known = known_assignments(root)
    if name in known:
        return name
    starting = [a for a in known if a.startswith(name)]
    if len(starting) == 1:
        return starting[0]
    close = did_you_mean(name, known, limit=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(known) or "none yet (add a folder with a notebook under source/)"
    raise CourseError(
        f"There is no assignment called {name!r}.{hint} Known assignments: {listing}.")


def release_notebooks(root: Path, assignment: str) -> list[Path]:
    """The assignment's notebooks as trainees get them (release/, else source/)."""
    for folder in (root / "release" / assignment, root / "source" / assignment):
        notebooks = sorted(folder.glob("*.ipynb"))
        if notebooks:
            return notebooks
    return []


def ensure_in_gradebook(api, assignment: str) -> bool:
    """Generate the assignment when the gradebook does not know it yet; True if it did."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
            return False
        except MissingEntry:
            pass
    result = api.generate_assignment(assignment, force=True)
    if not result["success"]:
        raise CourseError(f"Could not prepare {assignment}: {log_problem(result)}")
    return True


def log_problem(result: dict) -> str:
    """The first error line of a captured nbgrader log, in plain words."""
    text = f"{result.get('log', '')}\n{result.get('error', '')}"
    errors = [line.split("]", 1)[-1].strip() for line in text.splitlines()
              if line.startswith("[ERROR]") or line.startswith("[CRITICAL]")]
    errors = [e for e in errors if e and not e.startswith("Traceback")]
    if "database is locked" in text:
        return "the gradebook was busy (database is locked)"
    if errors:
        return errors[0]
    last = [line for line in text.strip().splitlines() if line.strip()]
    return last[-1].strip() if last else "nbgrader gave no reason"
