"""Every autograde holds the assignment's grading lock, the Formgrader's button included.

``cryocourse grade`` holds an assignment's grading lock (``course.storage.database.
grading_lock``) for its whole run. An autograde started anywhere else (the Formgrader's
*Autograde* button, a plain ``nbgrader autograde``) holds the same lock for its whole run:
while it grades, ``cryocourse grade`` of that assignment says who is grading (or waits, with
``--wait``); while any run holds the lock, the autograde stops at once with a plain message,
before it has changed anything. A ``cryocourse grade`` run's own workers carry
``CRYOCOURSE_GRADING_RUN`` and take no lock: their run holds it.

With nbgrader's public extension points only (nbgrader 0.9.6 is pinned; what is relied on is
checked fast by tests/grading/test_grading_guard.py, and with the real Formgrader and course
on both databases by tests/hub/test_grading_concurrency.py):

* **Taken** by the converter's exporter (``c.Autograde.exporter_class``), which nbgrader's
  ``BaseConverter.start`` makes before ``convert_notebooks``: before a forced autograde
  removes the old autograded copy. So the removal, the copying, sanitising, running, saving
  grades, and a failure's clean-up all happen under the lock, and a refused autograde loses
  nothing. (nbgrader's convert hooks come after that removal, swallow exceptions, and the
  post hook is skipped after a failure.)
* **Released** when the run is over, however it ended: ``NbGraderAPI.autograde`` (what the
  Formgrader's button calls) runs the converter inside ``capture_log``, which catches every
  exception, within ``temp_attrs(coursedir, assignment_id=..., student_id=...)``, which then
  puts the course directory's assignment and student back. That change (a traitlets
  notification on the long-lived course directory) releases the lock. A process that ends
  (``nbgrader autograde``, a crash, a kill) releases it with the process, and a converter
  dropped any other way releases it when it is garbage-collected.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import weakref
from pathlib import Path
from typing import Any

from nbconvert.exporters import NotebookExporter
from nbgrader.converters import NbGraderException

from course.nbgrader_plugins.autograde.whole_notebooks import write_whole_notebooks
from course.storage.course_folder import STATE_DIR
from course.storage.database import GRADING_RUN_ENV, GradingBusy, grading_lock

# The course directory's traits NbGraderAPI.autograde sets for one run and puts back after it.
RUN_TRAITS = ["assignment_id", "student_id"]


class GradingRefused(NbGraderException):
    """Another run grades the assignment: this autograde stopped and changed nothing."""


class GradingLockExporter(NotebookExporter):
    """nbgrader's notebook exporter for Autograde, holding the grading lock for the run.

    nbgrader makes one exporter per converter run, before it touches any file; this one
    takes the lock of every assignment the run grades (see the module's docstring).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is not None:
            hold_for_run(self.parent, coursedir)
            write_whole_notebooks(self.parent)  # a killed run never leaves half a notebook


def assignments_of_run(converter: Any, coursedir: Any) -> list[str]:
    """The assignments an autograde run grades (its assignment, or those its pattern found)."""
    wanted = coursedir.assignment_id
    if not glob.has_magic(wanted):
        return [wanted] if wanted else []
    submitted = re.compile(coursedir.format_path(
        coursedir.submitted_directory, "(?P<student_id>.*)", "(?P<assignment_id>.*)",
        escape=True) + "$")
    found = (submitted.match(folder) for folder in converter.assignments)
    return sorted({match["assignment_id"] for match in found if match})


def hold_for_run(converter: Any, coursedir: Any) -> None:
    """Take the grading locks of the converter's run, to be released when the run is over.

    Raises ``GradingRefused`` (an ``NbGraderException``: the Formgrader shows its message,
    ``nbgrader autograde`` exits 1) when another run holds one; nothing is held then.
    """
    ours = os.environ.get(GRADING_RUN_ENV)
    assignments = [name for name in assignments_of_run(converter, coursedir) if name != ours]
    if not assignments:
        return
    student = coursedir.student_id
    activity = "nbgrader autograde" if glob.has_magic(student) else f"autograde of {student}"
    held = contextlib.ExitStack()
    try:
        for assignment in assignments:  # sorted: two runs never wait for each other in turn
            held.enter_context(grading_lock(
                coursedir.db_url, coursedir.course_id, assignment,
                lock_dir=Path(coursedir.root).resolve() / STATE_DIR, activity=activity,
                on_takeover=converter.log.warning))
    except GradingBusy as busy:
        held.close()
        message = (f"Not graded: {busy.assignment} is being graded right now ({busy.holder}). "
                   "Nothing was changed; autograde again when that run has finished.")
        converter.log.error(message)
        raise GradingRefused(message) from None
    except BaseException:
        held.close()
        raise

    def run_over(change: object = None) -> None:
        coursedir.unobserve(run_over, names=RUN_TRAITS)
        held.close()  # releasing twice is harmless

    coursedir.observe(run_over, names=RUN_TRAITS)
    weakref.finalize(converter, held.close)
