"""Fast parallel autograding of one assignment (``cryocourse grade``).

``grade_assignment`` autogrades every new or changed submission of an assignment with
nbgrader's own Autograde converter (so the course's ``nbgrader_config.py`` pipeline, the
trusted marker and the sandbox apply unchanged). What makes it fast:

* worker processes (one per core) are forked from a parent that has already imported
  nbgrader, and each keeps one ``NbGraderAPI`` (configuration read once) for all its
  submissions, with one gradebook engine (``course.nbgrader_plugins.nbgrader_patches``);
* each worker keeps one sandboxed kernel prepared in the background (started, ready, and
  warmed up with the imports of the assignment's own set-up cells, before any trainee code),
  so a submission does not wait for its kernel (``SandboxedExecute.prepare_kernels``); the
  first one starts with the worker, and none is prepared after a worker's last submission.

Every submission still runs in a fresh kernel of its own. One run grades an assignment at a
time (``course.storage.database.grading_lock``: a second run waits or says who grades).
Gradebook writes go through the database's own locking (SQLite with a long busy timeout),
and a submission that met a busy database (judged by the driver's exception types) is
retried. Progress is written to stderr; the ledger (``course.classroom.submissions``) lets
an interrupted run resume where it stopped.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from course.classroom.gradebook import (
    RestoredGrades,
    manual_grades,
    record_names,
    restore_manual_grades,
)
from course.classroom.submissions import (
    Regrade,
    Submission,
    drop_regrade,
    end_regrade,
    file_problems,
    find_submissions,
    graded_from,
    is_up_to_date,
    record_graded,
    start_regrade,
    unfinished_regrades,
)
from course.foundation.names import did_you_mean
from course.foundation.regular_files import describe
from course.questions.reader import modules_imported_by
from course.storage import database
from course.storage.course_folder import (
    STATE_DIR,
    ensure_in_gradebook,
    load_config,
    log_problem,
    make_api,
    release_notebooks,
    require_assignment,
    with_busy_timeout,
)

BUSY_RETRIES = 3

# --- worker processes -------------------------------------------------------------------

KEPT_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
                  "VIRTUAL_ENV", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_PATH",
                  "JUPYTER_RUNTIME_DIR", "JUPYTER_PLATFORM_DIRS", "XDG_RUNTIME_DIR",
                  "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def minimal_environment() -> None:
    """Keep only what grading needs in this process's environment (an allow-list, so tokens
    and the instructor's own variables are gone even if a file ever revealed it). The mark
    of this run's grading lock stays (no secret: the assignment's name), so the workers'
    nbgrader runs do not try to take the lock their run holds
    (course.nbgrader_plugins.autograde.grading_guard)."""
    kept = {*KEPT_VARIABLES, database.GRADING_RUN_ENV}
    for name in list(os.environ):
        if name not in kept and not name.startswith("LC_"):
            del os.environ[name]

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_SECONDS = 1.0


def die_with_parent(parent: int) -> None:
    """End this worker as soon as the run that started it ends, however it ends (``kill -9``,
    the OOM killer): Linux sends it SIGKILL then (``prctl(PR_SET_PDEATHSIG)``); a thread also
    checks every second that the parent is still there (other systems, or prctl refused).
    Its sandboxed kernels go with it (bubblewrap's --die-with-parent)."""
    if sys.platform == "linux":
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the run ended before the line above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="cryocourse-parent-watch", daemon=True).start()


_worker_api = None


def _start_worker(root: str, slots, assignment: str = "", parent: int = 0) -> None:
    """Runs once in each worker: one API (configuration read once) for all its submissions.

    ``slots`` numbers the workers (0, 1, ...), for settings that must differ per worker.
    The worker keeps a kernel prepared, warmed up with the imports of ``assignment``, and
    dies with ``parent`` (the run's process).
    """
    global _worker_api
    if parent:
        die_with_parent(parent)
    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    log = Path(root) / STATE_DIR / "grading.log"  # kernels' chatter goes here, not the screen
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    from course.nbgrader_plugins.nbgrader_patches import share_gradebook_engines

    share_gradebook_engines()  # this process only: its database is not deleted under it
    database.count_busy_errors()
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    config = load_config(Path(root))
    config.CourseDirectory.db_url = with_busy_timeout(config.CourseDirectory.db_url)
    config.SandboxedExecute.prepare_kernels = True
    warm_up = modules_imported_by(release_notebooks(Path(root), assignment))
    if warm_up:
        config.SandboxedExecute.warm_up_modules = warm_up
    del slot  # kept for per-worker settings (see the report: sandbox process limits)
    _worker_api = make_api(Path(root), config)
    minimal_environment()  # configuration read: no tokens or instructor variables from here
    _start_preparing_kernel(Path(root), assignment, config)


def _start_preparing_kernel(root: Path, assignment: str, config) -> None:
    """Have the worker's first sandboxed kernel starting before its first submission."""
    import nbformat

    from course.nbgrader_plugins.autograde.execute import SandboxedExecute

    pipeline = config.get("Autograde", {}).get("autograde_preprocessors", [])
    notebooks = release_notebooks(root, assignment)
    if not notebooks or not any(isinstance(step, type) and issubclass(step, SandboxedExecute)
                                for step in pipeline):
        return
    try:
        first = nbformat.read(notebooks[0], as_version=4)
    except (OSError, ValueError):
        return  # the submission will say what is wrong with it
    SandboxedExecute(config=config).start_preparing(first)


@dataclass
class GradeResult:
    """What happened to one submission."""

    student: str
    ok: bool
    reason: str = ""
    seconds: float = 0.0


def _grade_in_worker(student: str, assignment: str, more_to_come: bool = True) -> GradeResult:
    """Autograde one submission with nbgrader's converter, in this worker's API.

    ``more_to_come`` False: no submission is waiting after this one, so the worker does not
    prepare a kernel that nobody would use.
    """
    from course.sandbox.spare import kernel_preparer

    kernel_preparer().more_to_come = more_to_come
    print(f"--- {student} ({assignment}) ---", flush=True)  # grading.log: whose kernel follows
    started = time.monotonic()
    reason = ""
    for attempt in range(BUSY_RETRIES):
        busy_before = database.busy_errors_seen()
        result = _worker_api.autograde(assignment, student, force=True, create=True)
        if result["success"]:
            return GradeResult(student, True, seconds=time.monotonic() - started)
        reason = log_problem(result)
        if database.busy_errors_seen() == busy_before:
            break  # failed for another reason than a busy database: no retry
        time.sleep(0.5 * (attempt + 1))
    return GradeResult(student, False, reason, time.monotonic() - started)


# --- progress -----------------------------------------------------------------------------

@dataclass
class Progress:
    """A one-line progress bar on a terminal; one plain line per submission otherwise."""

    total: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        eta = f"{left:4.0f} s left" if left == left else "   ? s left"
        return (f"[{bar}] {self.done}/{self.total} graded, {self.failed} failed, "
                f"{rate * 60:5.1f}/min, {eta}")

    def update(self, result: GradeResult) -> None:
        self.done += 1
        self.failed += 0 if result.ok else 1
        if self.live:
            self.stream.write("\r" + self.line())
            if not result.ok:
                self.stream.write(f"\n  FAILED {result.student}: {result.reason}\n")
        else:
            state = "ok" if result.ok else f"FAILED: {result.reason}"
            self.stream.write(f"{self.line()}  {result.student} {state}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


# --- the grading run ----------------------------------------------------------------------

@dataclass
class GradingSummary:
    """The outcome of one ``grade`` run."""

    assignment: str
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # files not taken, and why
    not_started: list[str] = field(default_factory=list)
    restored_manual: RestoredGrades = field(default_factory=RestoredGrades)
    seconds: float = 0.0
    workers: int = 0
    interrupted: bool = False
    integrity: str | None = None
    notes: list[str] = field(default_factory=list)
    forced: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and self.integrity is None and not self.interrupted

    def text(self) -> str:
        workers = f"{self.workers} worker{'s' if self.workers != 1 else ''}"
        lines = [f"{self.assignment}: {len(self.graded)} graded, {len(self.failed)} failed, "
                 f"{len(self.skipped)} already up to date, in {self.seconds:.1f} s "
                 f"with {workers}."]
        for student, reason in sorted(self.failed.items()):
            lines.append(f"  not graded: {student}: {reason}")
        for student, files in sorted(self.refused.items()):
            if student not in self.failed:
                lines.append(f"  files refused (the rest graded): {student}: {files}")
        if self.not_started:
            again = ("run the same command without --force to grade them" if self.forced
                     else "run the same command again to continue where it stopped")
            lines.append(f"  {_count(len(self.not_started), 'submission')} not graded yet: "
                         f"{again}.")
        if self.restored_manual.put_back:
            lines.append(f"  {_count(len(self.restored_manual.put_back), 'manual grade')} "
                         "put back.")
        for (student, notebook, cell), old, new in self.restored_manual.kept_newer:
            lines.append(f"  conflict: {student}'s hand grade for {cell} ({notebook}) was "
                         f"changed from {old:g} to {new:g} in the Formgrader while this run "
                         f"graded; the newer {new:g} is kept. Check it if that is not right.")
        if self.integrity:
            lines.append(f"  WARNING: the gradebook failed its integrity check: {self.integrity}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def _count(number: int, thing: str) -> str:
    """3, "submission" -> "3 submissions"; 1 -> "1 submission"."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


def default_workers() -> int:
    """One worker per core (at least two): with kernels prepared ahead, grading is CPU-bound.

    Measured on 2 cores, 40 submissions: 2 workers 11.3-11.6 s, 3 workers 12.0 s, 4 14.6 s.
    """
    return max(2, os.cpu_count() or 1)


def grade_assignment(
    root: Path,
    assignment: str,
    *,
    workers: int | None = None,
    force: bool = False,
    students: Iterable[str] | None = None,
    limit: int | None = None,
    stream: TextIO | None = None,
    on_result: Callable[[GradeResult], None] | None = None,
    wait: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> GradingSummary:
    """Autograde every new or changed submission of ``assignment`` in parallel.

    ``limit`` grades at most that many submissions this run (the rest wait for the next
    run); ``force`` grades unchanged submissions again. Manual grades are kept, and a hand
    grade given while the run grades is never overwritten. While another run grades the
    same assignment, wait up to ``wait`` seconds (``on_wait`` is told who grades), then
    raise ``database.GradingBusy``.
    """
    started = time.monotonic()
    root = root.resolve()
    assignment = require_assignment(root, assignment)
    summary = GradingSummary(assignment, workers=workers or default_workers(), forced=force)
    wanted = set(students) if students else None
    collected = find_submissions(root, assignment)
    candidates = [s for s in collected if wanted is None or s.student in wanted]
    if wanted:
        missing = sorted(wanted - {s.student for s in candidates})
        for student in missing:
            close = did_you_mean(student, [s.student for s in collected], limit=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            summary.failed[student] = (f"no collected submission of {assignment} for "
                                       f"{student}{hint}")
    if not candidates:
        summary.seconds = time.monotonic() - started
        return summary
    api = make_api(root)
    db_url = api.coursedir.db_url
    with database.grading_lock(db_url, api.coursedir.course_id, assignment,
                               lock_dir=root / STATE_DIR, wait=wait, on_wait=on_wait,
                               on_takeover=summary.notes.append):
        os.environ[database.GRADING_RUN_ENV] = assignment  # workers inherit it (the guard)
        try:
            _grade_locked(root, api, assignment, candidates, summary, force=force, limit=limit,
                          stream=stream, on_result=on_result)
        finally:
            os.environ.pop(database.GRADING_RUN_ENV, None)
    summary.seconds = time.monotonic() - started
    return summary


def _grade_locked(root: Path, api, assignment: str, candidates: list[Submission],
                  summary: GradingSummary, *, force: bool, limit: int | None,
                  stream: TextIO | None, on_result: Callable[[GradeResult], None] | None
                  ) -> None:
    """The grading run proper, under the assignment's grading lock."""
    db_url = api.coursedir.db_url
    ensure_in_gradebook(api, assignment)
    cut_short = _repair_cut_short(root, db_url, assignment, candidates, summary)
    todo: list[tuple[Submission, str]] = []
    unchanged: set[str] = set()  # graded before from these very files (regraded by --force)
    for submission in candidates:
        refused = submission.screen(root)
        if refused:
            summary.refused[submission.student] = describe(refused)
        fingerprint = submission.fingerprint()
        if is_up_to_date(root, submission, fingerprint):
            if not force:
                summary.skipped.append(submission.student)
                continue
            unchanged.add(submission.student)
        elif graded_from(root, submission) == fingerprint:
            unchanged.add(submission.student)  # same files; an autograded notebook is damaged
        elif submission.student in cut_short and cut_short[submission.student].unchanged and (
                cut_short[submission.student].fingerprint == fingerprint):
            unchanged.add(submission.student)  # a regrade a killed run did not finish
        problems = file_problems(root, submission)
        if problems:
            summary.failed[submission.student] = " ".join(problems)
            if submission.student in cut_short:
                end_regrade(root, submission)  # its hand grades were put back above
            continue
        todo.append((submission, fingerprint))
    if limit is not None:
        summary.not_started = [s.student for s, _ in todo[limit:]]
        todo = todo[:limit]
    before = manual_grades(db_url, assignment, [s.student for s, _ in todo])
    regrades = {submission.student: Regrade(
        submission.student, fingerprint,
        {(nb, cell): score for (who, nb, cell), score in before.items()
         if who == submission.student}, submission.student in unchanged)
        for submission, fingerprint in todo}

    progress = Progress(len(todo), stream or sys.stderr)
    summary.workers = max(1, min(summary.workers, len(todo) or 1))
    if todo:
        _run_pool(root, db_url, assignment, todo, regrades, summary, progress, on_result)
    progress.finish()
    try:  # every submission with a name cell, also those a killed run graded
        record_names(db_url, root, [s for s in candidates if s.student not in summary.failed])
    except Exception as problem:  # noqa: BLE001 - names are a courtesy; grades come first
        summary.notes.append(f"trainees' names could not be recorded ({problem})")
    summary.integrity = database.integrity_problem(db_url)


def _repair_cut_short(root: Path, db_url: str, assignment: str, candidates: list[Submission],
                      summary: GradingSummary) -> dict[str, Regrade]:
    """Put back the hand grades of submissions a killed run was grading (each is graded
    again by this run, or the next one that includes it)."""
    cut_short = unfinished_regrades(root, assignment)
    if not cut_short:
        return cut_short
    current = {s.student: s for s in candidates}
    for student, regrade in cut_short.items():
        submission = current.get(student)
        fingerprint = submission.fingerprint() if submission is not None else ""
        still = regrade.unchanged and fingerprint == regrade.fingerprint
        _put_back(db_url, assignment, regrade, still, summary.restored_manual)
        if submission is None:
            drop_regrade(root, assignment, student)  # the hand-in is gone: nothing to grade
        elif is_up_to_date(root, submission, fingerprint):
            end_regrade(root, submission)  # it was finished; only the journal was left
    names = sorted(cut_short)
    hand = ("; their hand grades are as they were" if any(r.manual for r in cut_short.values())
            else "")
    summary.notes.append(
        f"{_count(len(names), 'submission')} whose grading an earlier run did not finish "
        f"(stopped or killed): graded again{hand} "
        f"({', '.join(names[:8])}{', ...' if len(names) > 8 else ''}).")
    return cut_short


def _put_back(db_url: str, assignment: str, regrade: Regrade, unchanged: bool,
              outcome: RestoredGrades) -> None:
    """One submission's hand grades back after its grading (see restore_manual_grades)."""
    if not regrade.manual:
        return
    before = {(regrade.student, nb, cell): score for (nb, cell), score in regrade.manual.items()}
    restored = restore_manual_grades(db_url, assignment, before,
                                     [regrade.student] if unchanged else [])
    outcome.put_back += restored.put_back
    outcome.kept_newer += restored.kept_newer


def _run_pool(root: Path, db_url: str, assignment: str, todo: list[tuple[Submission, str]],
              regrades: dict[str, Regrade], summary: GradingSummary, progress: Progress,
              on_result: Callable[[GradeResult], None] | None) -> None:
    """Grade ``todo`` in worker processes; finish each submission as soon as its result
    arrives (hand grades back, ledger, journal), so a run killed at any point leaves the
    next run nothing but the submissions it was grading (``start_regrade``)."""
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    pending: dict[Future, tuple[Submission, str]] = {}
    queue = list(todo)
    slots = context.Value("i", 0)
    with ProcessPoolExecutor(summary.workers, mp_context=context, initializer=_start_worker,
                             initargs=(str(root), slots, assignment, os.getpid())) as pool:
        try:
            while queue or pending:
                while queue and len(pending) < summary.workers * 2:
                    submission, fingerprint = queue.pop(0)
                    start_regrade(root, submission, regrades[submission.student])
                    future = pool.submit(_grade_in_worker, submission.student, assignment,
                                         len(queue) >= summary.workers)
                    pending[future] = (submission, fingerprint)
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    submission, fingerprint = pending.pop(future)
                    result = _result_of(future, submission)
                    regrade = regrades[submission.student]
                    _put_back(db_url, assignment, regrade, regrade.unchanged,
                              summary.restored_manual)
                    if result.ok:
                        record_graded(root, submission, fingerprint)
                        summary.graded.append(submission.student)
                    else:
                        summary.failed[submission.student] = result.reason
                    end_regrade(root, submission)
                    progress.update(result)
                    if on_result is not None:
                        on_result(result)
        except KeyboardInterrupt:
            summary.interrupted = True
            summary.not_started += [s.student for s, _ in queue]
            summary.not_started += [s.student for s, _ in pending.values()]
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)


def _result_of(future: Future, submission: Submission) -> GradeResult:
    """The worker's result, or a plain reason when the worker itself died."""
    try:
        return future.result()
    except Exception as problem:  # noqa: BLE001 - one broken worker must not stop the rest
        detail = re.sub(r"\s+", " ", str(problem))[:200] or type(problem).__name__
        return GradeResult(submission.student, False, f"the grading process stopped ({detail})")

