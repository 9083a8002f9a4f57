"""A trainee's competence evidence as the course holds it: knowledge from the gradebook,
practice from the practice log they handed in, observations from the assessors' record.

Below both the nbgrader plug-ins (the practice log's feedback shows the trainee's progress)
and the classroom (the cohort). The practice log is the notebook folder of the assignment
``PRACTICE_LOG`` as collected (``submitted/<trainee>/08-practice-log/practice-log.json``),
read as a regular file only; a bad entry costs that entry, never the log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from course.facts.competencies import CompetencyMap, competency_map
from course.foundation.regular_files import read_plain_file
from course.models.competence import TraineeProgress, progress
from course.models.practice_log import (
    Attestation,
    EntryReview,
    PracticeEntry,
    PracticeLogError,
    reviews,
)
from course.storage.competence_record import Record

PRACTICE_LOG = "08-practice-log"
LOG_FILE = "practice-log.json"


@dataclass(frozen=True)
class PracticeLog:
    """A trainee's reviewed sessions, and the entries that could not be read (with why)."""

    sessions: tuple[EntryReview, ...]
    unreadable: tuple[str, ...]


def read_practice_log(path: Path, attestations: Mapping[str, Attestation] | None = None
                      ) -> PracticeLog:
    """A practice-log file as a trainee handed it in: every readable entry reviewed (with its
    supervisor's attestation from the record, if any), every other one named with its
    problem (a bad entry costs that entry, never the log)."""
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
            good.append(replace(PracticeEntry.from_mapping(data), number=number))
        except PracticeLogError as error:
            bad.append(f"entry {number}: {error}")
    return PracticeLog(reviews(good, attestations), tuple(bad))


def submitted_log(root: Path, trainee: str) -> PracticeLog:
    """A trainee's handed-in log, with the attestations the course's record holds."""
    return read_practice_log(root / "submitted" / trainee / PRACTICE_LOG / LOG_FILE,
                             Record(root).attestations(trainee))


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
    record = Record(root)
    return progress(competencies, trainee, knowledge_scores(gradebook, trainee),
                    record.sign_offs(), log.sessions, record.certificates()), log
