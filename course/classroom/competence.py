"""A class's competence: every trainee's progress (evidence gathered by
``course.storage.competence_evidence``), the cohort table and its export, plain lines for
the command line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from course.classroom.grades_csv import write_csv
from course.facts.competencies import competency_map
from course.models.competence import TraineeProgress, UnitProgress
from course.models.practice_log import EntryReview, PracticeEntry
from course.storage.competence_evidence import (
    LOG_FILE,
    PRACTICE_LOG,
    PracticeLog,
    read_practice_log,
    submitted_log,
    trainee_progress,
)
from course.storage.competence_record import RecordError

__all__ = ["LOG_FILE", "PRACTICE_LOG", "PracticeLog", "read_practice_log", "submitted_log",
           "trainee_progress", "cohort", "cohort_rows", "export_cohort", "progress_lines",
           "logged_session", "EntryReview"]


def logged_session(root: Path, trainee: str, number: int) -> PracticeEntry:
    """Session ``number`` (1 = the first) of a trainee's handed-in log (RecordError if there
    is none, or it could not be read)."""
    log = submitted_log(root, trainee)
    found = next((s.entry for s in log.sessions if s.entry.number == number), None)
    if found is None:
        raise RecordError(f"{trainee} handed in no readable session number {number}: "
                          f"`cryocourse competence progress {trainee}` lists them.")
    return found


def cohort(root: Path, gradebook: object, trainees: Iterable[str]
           ) -> list[tuple[TraineeProgress, PracticeLog]]:
    """Every trainee's progress, in the order given."""
    competencies = competency_map()
    return [trainee_progress(root, gradebook, t, competencies) for t in trainees]


COHORT_COLUMNS = ("trainee", "unit", "achieved", "criteria met", "criteria",
                  "treatment sessions counted", "sessions needed",
                  "screening-only sessions counted", "sessions awaiting attestation or review",
                  "sessions with a safety flag", "hours counted", "missing")


def cohort_rows(results: Iterable[tuple[TraineeProgress, PracticeLog]]) -> list[list[str]]:
    """One row per trainee and unit (the cohort table and its export)."""
    rows = []
    for trainee, _ in results:
        for unit in trainee.units:
            rows.append([trainee.trainee, unit.unit.code, "yes" if unit.achieved else "no",
                         str(sum(c.met for c in unit.criteria)), str(len(unit.criteria)),
                         str(unit.sessions_counted), str(unit.unit.min_sessions),
                         str(unit.screenings_counted - unit.sessions_counted),
                         str(unit.sessions_awaiting),
                         str(unit.sessions_flagged), f"{unit.minutes / 60:.1f}",
                         "; ".join(unit.missing())])
    return rows


def export_cohort(results: Iterable[tuple[TraineeProgress, PracticeLog]], target: Path) -> int:
    """The cohort table as CSV (every field quoted, formulas made inert); rows written."""
    rows = cohort_rows(results)
    write_csv(target, COHORT_COLUMNS, rows)
    return len(rows)


def _unit_lines(unit_progress: UnitProgress) -> list[str]:
    state = "achieved" if unit_progress.achieved else "not yet"
    unit = unit_progress.unit
    lines = [f"  {unit.title} ({unit.code}): {state}; treatment sessions "
             f"{unit_progress.sessions_counted}/{unit.min_sessions} (screening only: "
             f"{unit_progress.screenings_counted - unit_progress.sessions_counted}), "
             f"{unit_progress.minutes / 60:.1f} h"]
    lines += [f"    still needed: {gap}" for gap in unit_progress.missing()]
    return lines


def progress_lines(result: TraineeProgress, log: PracticeLog) -> list[str]:
    """A trainee's progress as plain lines (the CLI prints them)."""
    done = sum(u.achieved for u in result.units)
    lines = [f"{result.trainee}: {done} of {len(result.units)} units achieved"]
    for unit in result.units:
        lines += _unit_lines(unit)
    for session in log.sessions:
        state = ("counts" if session.counts else
                 f"waiting for {session.awaiting}" if session.awaiting else "does not count")
        lines.append(f"  session {session.entry.number}: {session.entry.client_code} on "
                     f"{session.entry.day} ({session.entry.modality}), supervisor "
                     f"{session.entry.supervisor or 'none named'}: {state}")
        lines += [f"    - {flag}" for flag in session.flags]
    lines += [f"  not read from the practice log: {problem}" for problem in log.unreadable]
    return lines
