"""Competence evidence gathered for a class: knowledge from the gradebook, practice from each
trainee's submitted practice log, observations from the assessors' record; progress per
trainee and for the cohort (a table, a plot, an export).

The practice log is the notebook folder of the assignment ``PRACTICE_LOG`` as collected
(``submitted/<trainee>/08-practice-log/practice-log.json``), read as a regular file only.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from course.facts.competencies import CompetencyMap, competency_map
from course.foundation.regular_files import read_plain_file
from course.models.competence import TraineeProgress, progress
from course.models.practice_log import EntryReview, PracticeEntry, PracticeLogError, reviews
from course.storage.competence_record import Record

PRACTICE_LOG = "08-practice-log"
LOG_FILE = "practice-log.json"


@dataclass(frozen=True)
class PracticeLog:
    """A trainee's reviewed sessions, and the entries that could not be read (with why)."""

    sessions: tuple[EntryReview, ...]
    unreadable: tuple[str, ...]


def read_practice_log(path: Path) -> PracticeLog:
    """A practice-log file as a trainee handed it in: every readable entry reviewed, every
    other one named with its problem (a bad entry costs that entry, never the log)."""
    try:
        raw = json.loads(read_plain_file(path).decode("utf-8"))
    except FileNotFoundError:
        return PracticeLog((), ())
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return PracticeLog((), (f"the log file could not be read ({error.__class__.__name__})",))
    entries = raw.get("entries") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        return PracticeLog((), ("the log file holds no list of entries",))
    good, bad = [], []
    for number, data in enumerate(entries, start=1):
        try:
            good.append(PracticeEntry.from_mapping(data))
        except PracticeLogError as error:
            bad.append(f"entry {number}: {error}")
    return PracticeLog(reviews(good), tuple(bad))


def submitted_log(root: Path, trainee: str) -> PracticeLog:
    return read_practice_log(root / "submitted" / trainee / PRACTICE_LOG / LOG_FILE)


def knowledge_scores(gradebook: object, trainee: str) -> dict[str, float]:
    """item id -> fraction earned, over every assignment the trainee submitted (the best
    submission's grade per item; items never graded are absent)."""
    from nbgrader.api import MissingEntry

    scores: dict[str, float] = {}
    for assignment in gradebook.assignments:  # type: ignore[attr-defined]
        try:
            submission = gradebook.find_submission(assignment.name, trainee)  # type: ignore[attr-defined]
        except MissingEntry:
            continue
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.max_score and grade.score is not None:
                    fraction = float(grade.score) / float(grade.max_score)
                    scores[grade.name] = max(scores.get(grade.name, 0.0), fraction)
    return scores


def trainee_progress(root: Path, gradebook: object, trainee: str,
                     competencies: CompetencyMap | None = None) -> tuple[TraineeProgress,
                                                                          PracticeLog]:
    """One trainee's progress, with their log (so its unreadable entries can be reported)."""
    competencies = competencies or competency_map()
    log = submitted_log(root, trainee)
    return progress(competencies, trainee, knowledge_scores(gradebook, trainee),
                    Record(root).sign_offs(), log.sessions), log


def cohort(root: Path, gradebook: object, trainees: Iterable[str]
           ) -> list[tuple[TraineeProgress, PracticeLog]]:
    """Every trainee's progress, in the order given."""
    competencies = competency_map()
    return [trainee_progress(root, gradebook, t, competencies) for t in trainees]


COHORT_COLUMNS = ("trainee", "unit", "achieved", "criteria met", "criteria", "sessions counted",
                  "sessions needed", "sessions with a safety flag", "hours logged", "missing")


def cohort_rows(results: Iterable[tuple[TraineeProgress, PracticeLog]]) -> list[list[str]]:
    """One row per trainee and unit (the cohort table and its export)."""
    rows = []
    for trainee, _ in results:
        for unit in trainee.units:
            rows.append([trainee.trainee, unit.unit.code, "yes" if unit.achieved else "no",
                         str(sum(c.met for c in unit.criteria)), str(len(unit.criteria)),
                         str(unit.sessions_counted), str(unit.unit.min_sessions),
                         str(unit.sessions_flagged), f"{unit.minutes / 60:.1f}",
                         "; ".join(unit.missing())])
    return rows


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ (or tab, CR) is quoted away."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_cohort(results: Iterable[tuple[TraineeProgress, PracticeLog]], target: Path) -> int:
    """The cohort table as CSV (every field quoted, formulas neutralised); rows written."""
    rows = cohort_rows(results)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(COHORT_COLUMNS)
        writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
    return len(rows)


def _unit_lines(unit_progress) -> list[str]:  # type: ignore[no-untyped-def]
    state = "achieved" if unit_progress.achieved else "not yet"
    lines = [f"  {unit_progress.unit.code}: {state}; sessions {unit_progress.sessions_counted}"
             f"/{unit_progress.unit.min_sessions}, {unit_progress.minutes / 60:.1f} h"]
    lines += [f"    still needed: {gap}" for gap in unit_progress.missing()]
    return lines


def progress_lines(result: TraineeProgress, log: PracticeLog) -> list[str]:
    """A trainee's progress as plain lines (the CLI prints them)."""
    done = sum(u.achieved for u in result.units)
    lines = [f"{result.trainee}: {done} of {len(result.units)} units achieved"]
    for unit in result.units:
        lines += _unit_lines(unit)
    flagged = [s for s in log.sessions if s.flags]
    for session in flagged:
        lines.append(f"  session {session.entry.client_code} on {session.entry.day} "
                     f"({session.entry.modality}):")
        lines += [f"    - {flag}" for flag in session.flags]
    lines += [f"  not read from the practice log: {problem}" for problem in log.unreadable]
    return lines
