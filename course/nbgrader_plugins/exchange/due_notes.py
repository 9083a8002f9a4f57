"""What each trainee sees of the deadlines: the due date and their own extra time.

The course account publishes, in the exchange's ``deadlines/`` folder (mode 0711: nobody can
list it), ``course.json`` (every assignment's due date and late policy, the same for everyone)
and one file per trainee with extra time, named from that trainee's variant key
(``name_for_key``), which only that trainee's server holds: a trainee can open their own and
cannot find anyone else's (an accommodation is nobody else's business).

The trainee's side (``DueDateFetch``, named in the hub's trainee nbgrader settings) writes
``DUE-DATE.md`` into the assignment folder when it is fetched, beside the notebook: the due
date, the trainee's own extension and their own due date, the late policy, and that the time
of a hand-in is the server's.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from pathlib import Path

from nbgrader.exchange.default.fetch_assignment import ExchangeFetchAssignment

from course.foundation.whole_files import write_whole
from course.models.variants import kernel_key

FOLDER = "deadlines"
COURSE_FILE = "course.json"
NOTE = "DUE-DATE.md"


def name_for_key(key: str) -> str:
    """The file name of a trainee's own deadline file (from their key, never their id)."""
    return hashlib.sha256(f"cryocourse-deadlines\n{key}".encode()).hexdigest()[:32] + ".json"


def _write(path: Path, content: dict) -> None:
    """Write a due-date file whole, readable by the trainees (never through a link)."""
    write_whole(path, json.dumps(content, indent=1, sort_keys=True), mode=0o644)


def publish(root: Path, exchange_course: Path, gradebook, book, also: tuple[str, ...] = ()
            ) -> None:
    """Write the course's due dates and each trainee's extra time into the exchange.

    ``also``: trainees whose extra time was just removed (their file says none now).
    """
    from course.storage.deadlines import due_date
    from course.storage.course_folder import known_assignments
    from course.storage.variant_keys import key_for

    folder = exchange_course / FOLDER
    folder.mkdir(mode=0o711, exist_ok=True)
    os.chmod(folder, 0o711)
    assignments = known_assignments(root)
    dues = {}
    for assignment in assignments:
        due = due_date(gradebook, assignment)
        if due is not None:
            dues[assignment] = {"due": due.isoformat(),
                                "policy": book.policy(assignment).describe()}
    _write(folder / COURSE_FILE, dues)
    trainees = set(book.accommodations) | set(also)
    for granted in book.extensions.values():
        trainees |= set(granted)
    for trainee in sorted(trainees):
        minutes = {a: round(book.extension(a, trainee).total_seconds() / 60)
                   for a in assignments}
        _write(folder / name_for_key(key_for(root, trainee)), {"extension_minutes": minutes})


def note_for(exchange_course: Path, assignment: str, key: str | None) -> str | None:
    """The text of ``DUE-DATE.md`` for this trainee (None when the assignment has no due date)."""
    from course.storage.deadlines import show_span, show_time

    try:
        dues = json.loads((exchange_course / FOLDER / COURSE_FILE).read_text(encoding="utf-8"))
        entry = dues[assignment]
        due = datetime.datetime.fromisoformat(entry["due"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    extra = datetime.timedelta(0)
    if key:
        try:
            mine = json.loads((exchange_course / FOLDER / name_for_key(key))
                              .read_text(encoding="utf-8"))
            extra = datetime.timedelta(minutes=int(mine["extension_minutes"].get(assignment, 0)))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    lines = [f"# When to hand in {assignment}", "",
             f"- **Due:** {show_time(due)} (the class server's clock)."]
    if extra:
        lines += [f"- **Your extra time:** {show_span(extra)}, so **your due date is "
                  f"{show_time(due + extra)}**."]
    lines += [f"- **After that:** {entry.get('policy', '')}.",
              "- The time of your hand-in is the moment the server receives it when you press "
              "**Submit**, whatever a file or a clock on your computer says.", ""]
    return "\n".join(lines)


class DueDateFetch(ExchangeFetchAssignment):
    """nbgrader's fetch, adding ``DUE-DATE.md`` (this trainee's due date) to the folder."""

    def copy_files(self) -> None:
        super().copy_files()
        exchange_course = Path(self.root) / self.coursedir.course_id
        text = note_for(exchange_course, self.coursedir.assignment_id, kernel_key())
        if text is not None:
            Path(self.dest_path, NOTE).write_text(text, encoding="utf-8")
