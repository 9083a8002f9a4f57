"""Class report for one assignment: one self-contained HTML page plus the PNGs beside it.

Reads the gradebook (scores, what awaits manual grading) and the autograded notebooks
(what each trainee typed, read as text like the trusted marker does) and shows:
the score distribution; per question the difficulty (share of the class with full marks)
and discrimination (upper-minus-lower 27 % index, and the point-biserial correlation with
the rest of the score); the most-missed names in list answers (findings,
contraindications) and must-not-miss failures of screening cases; for each screening
question, how the class answered both parts of the decision (treatment today, referral); and
the submissions waiting for a manual grade. For an assessment with per-trainee variants
(course.models.variants) each submission is read against the trainee's own clients, and the report
adds difficulty and discrimination per case template, the mean score per blueprint slot
(flagging templates markedly harder than their slot) and most-missed findings across variants.
Figures use matplotlib's object-oriented API
(no pyplot) and the Okabe-Ito colours.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import nbformat
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from course.classroom import fairness
from course.classroom.fairness import ClientMark
from course.classroom.submissions import find_submissions
from course.exercises import all_items
from course.exercises.screening_cases import CASE_POINTS, case_item_id, client_number
from course.models.variants import ASSESSMENT, has_variants, marking_as, my_variant
from course.questions.kinds import Names, normalise
from course.questions.reader import question_labels, read_notebook, typed_answers
from course.storage import deadlines, supervision
from course.storage.course_folder import make_api, require_assignment
from course.storage.deadlines import show_span, show_time
from course.storage.variant_keys import assessment_key
from course.views.style import OKABE_ITO

UPPER_LOWER_SHARE = 0.27
LOW_DISCRIMINATION = 0.2
SMALL_CLASS = 20  # below this, discrimination indices rest on a handful of trainees


@dataclass
class ItemStats:
    """How the class did on one graded cell (a score of NaN: not graded by hand yet)."""

    grade_id: str
    max_points: float
    scores: list[float]
    label: str = ""  # as trainees see it: "Question 4", "Case 3" (the id when unknown)
    difficulty: float = float("nan")  # share of graded submissions with full marks
    upper_lower: float = float("nan")
    point_biserial: float = float("nan")

    @property
    def graded(self) -> int:
        """How many submissions have a score for this cell."""
        return sum(1 for score in self.scores if not math.isnan(score))


@dataclass
class ClassData:
    """Everything the report shows, gathered from the gradebook and autograded notebooks."""

    assignment: str
    students: list[str] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)
    max_total: float = 0.0
    items: dict[str, ItemStats] = field(default_factory=dict)
    awaiting_manual: list[str] = field(default_factory=list)
    not_graded: list[str] = field(default_factory=list)  # collected, but not in the gradebook
    late: dict[str, float] = field(default_factory=dict)  # student -> seconds after the due date
    due: str = ""  # the due date, as people read it ("" without one)
    # student -> how it was sat: mode, window, extra time, hand-in time (server's clock)
    sittings: dict[str, dict] = field(default_factory=dict)
    missed_names: Counter = field(default_factory=Counter)
    must_not_miss_failures: Counter = field(default_factory=Counter)
    names_asked: int = 0
    # screening question -> part ("treatment", "referral") -> Counter of answers given
    decision_parts: dict[str, dict[str, Counter]] = field(default_factory=dict)
    # per-trainee variants: one row per client marked (student, slot, template, fraction)
    clients: list[ClientMark] = field(default_factory=list)


def _case_for(item_id: str):
    """The screening case an item asks about, when ``course.models.cases`` knows one (for a client
    of a per-trainee variant: the client of the variant being read, see ``marking_as``)."""
    try:
        from course.models.cases import cases
    except ImportError:
        return None
    number = client_number(item_id)
    if number is not None:
        return my_variant(ASSESSMENT).case(number)
    for case in cases():
        if case.id == item_id or item_id.endswith(case.id) or case.id in item_id:
            return case
    return None


def _missed_names(nb: Mapping[str, Any], item_ids: list[str], data: ClassData) -> None:
    """Count expected names a trainee left out of list answers, and must-not-miss misses."""
    items = all_items()
    for item_id in item_ids:
        item = items.get(item_id)
        if item is None:
            continue
        typed = typed_answers(nb, item.answers)
        for name, kind in item.answers.items():
            if not isinstance(kind, Names):
                continue
            # a Names answer normalises to a tuple of codes
            expected = set(cast(tuple[str, ...], normalise(kind, name, item.expected()[name])))
            data.names_asked += 1
            value = typed.get(name, ...)
            try:
                given = set() if value is ... else set(
                    cast(tuple[str, ...], normalise(kind, name, value)))
            except (ValueError, TypeError):  # a malformed answer names nothing
                given = set()
            missing = expected - given
            case = _case_for(item_id)
            if case is not None:  # findings and conditions: their own codes say what they are
                data.missed_names.update(missing)
                data.must_not_miss_failures.update(c for c in case.must_not_miss if c in missing)
            else:  # other lists (log lines "C", "F"): named with their answer
                data.missed_names.update(f"{name}: {m}" for m in missing)


DECISION_PARTS = ("treatment", "referral")


def _decision_parts(nb: Mapping[str, Any], item_ids: list[str], data: ClassData) -> None:
    """Tally what each trainee answered for both parts of every screening question."""
    items = all_items()
    for item_id in item_ids:
        item = items.get(item_id)
        if item is None:
            continue
        found = {part: next((n for n in item.answers if n.endswith(f"_{part}")), None)
                 for part in DECISION_PARTS}
        names = {part: name for part, name in found.items() if name is not None}
        if len(names) < len(DECISION_PARTS):
            continue
        typed = typed_answers(nb, item.answers)
        tally = data.decision_parts.setdefault(item_id, {p: Counter() for p in DECISION_PARTS})
        for part, name in names.items():
            try:
                given = normalise(item.answers[name], name, typed.get(name, ...))
            except (ValueError, TypeError):  # malformed: counted as no answer
                given = ...
            tally[part]["(no answer)" if given is ... else str(given)] += 1


def decision_parts_table(data: ClassData) -> str:
    """Per screening question: how many gave the reference (or an accepted alternative) for
    each part, and the most common other answer."""
    items = all_items()
    rows = []
    for item_id, tally in sorted(data.decision_parts.items()):
        item = items[item_id]
        stats = data.items.get(item_id)
        cells = [f"<td>{html.escape(stats.label if stats and stats.label else item_id)}</td>"]
        for part in DECISION_PARTS:
            name = next(n for n in item.answers if n.endswith(f"_{part}"))
            accepted = {str(normalise(item.answers[name], name, item.expected()[name]))}
            accepted |= {str(normalise(item.answers[name], name, a.answers[name]))
                         for a in item.accepted}
            counts = tally[part]
            right = sum(n for answer, n in counts.items() if answer in accepted)
            others = [(a, n) for a, n in counts.most_common() if a not in accepted]
            other = f"{others[0][0]} ({others[0][1]})" if others else "–"
            cells.append(f"<td>{right} of {sum(counts.values())}: "
                         f"{html.escape(' or '.join(sorted(accepted)))}</td>"
                         f"<td>{html.escape(other)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return ("<table><tr><th>screening question</th><th>treatment today: right</th>"
            "<th>most common other treatment</th><th>referral: right</th>"
            "<th>most common other referral</th></tr>" + "".join(rows) + "</table>")


def gather(root: Path, assignment: str) -> ClassData:
    """Read scores from the gradebook and answers from the autograded notebooks."""
    from nbgrader.api import Gradebook, MissingEntry

    api = make_api(root)
    data = ClassData(assignment)
    per_item: dict[str, ItemStats] = {}
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        try:
            record = gradebook.find_assignment(assignment)
        except MissingEntry:
            return data
        data.max_total = float(record.max_score)
        data.due = show_time(record.duedate) if record.duedate else ""
        book = deadlines.load(root)
        for submission in sorted(record.submissions, key=lambda s: s.student_id):
            data.students.append(submission.student_id)
            data.sittings[submission.student_id] = {
                **supervision.window_record(book, assignment, submission.student_id),
                "handed_in": show_time(submission.timestamp),
                "extension": show_span(submission.extension) if submission.extension else ""}
            if submission.total_seconds_late > 0:
                data.late[submission.student_id] = submission.total_seconds_late
            data.totals.append(float(submission.score))
            if submission.needs_manual_grade:
                data.awaiting_manual.append(submission.student_id)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    stats = per_item.setdefault(
                        grade.name, ItemStats(grade.name, float(grade.max_score), []))
                    stats.scores.append(float("nan") if grade.needs_manual_grade
                                        else float(grade.score))
                path = root / "autograded" / submission.student_id / assignment / (
                    f"{notebook.name}.ipynb")
                nb = read_notebook(path)  # plain files only; None if missing or damaged
                if nb is not None:
                    with _variant_of(root, assignment, submission.student_id):
                        _missed_names(nb, [g.name for g in notebook.grades], data)
                        if has_variants(assignment):
                            _client_results(nb, submission.student_id, data)
                        else:  # per question; with variants each trainee's case differs
                            _decision_parts(nb, [g.name for g in notebook.grades], data)
    totals = np.array(data.totals)
    labels: dict[str, str] = {}
    for release in sorted((root / "release" / assignment).glob("*.ipynb")):
        labels.update(question_labels(nbformat.read(release, as_version=4)))
    for stats in per_item.values():
        stats.label = labels.get(stats.grade_id, stats.grade_id)
        _item_statistics(stats, totals)
    order = {grade_id: index for index, grade_id in enumerate(labels)}  # as in the lesson
    data.items = dict(sorted(per_item.items(),
                             key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    data.not_graded = sorted({s.student for s in find_submissions(root, assignment)}
                             - set(data.students))
    return data


def _variant_of(root: Path, assignment: str, student: str):
    """Read a submission against the trainee's own clients (a no-op without variants)."""
    if not has_variants(assignment):
        return contextlib.nullcontext()
    return marking_as(assessment_key(root, assignment, student))


def _client_results(nb: Mapping[str, Any], student: str, data: ClassData) -> None:
    """Mark each client of the trainee's variant from the notebook's text (as the marker)."""
    items = all_items()
    for client in my_variant(data.assignment).clients:
        item = items[case_item_id(client.number)]
        fraction = item.score(typed_answers(nb, item.answers)).fraction
        data.clients.append(ClientMark(student, client.number, client.slot, client.template,
                                       client.identity, fraction))


@dataclass(frozen=True)
class TemplateStats:
    """A case template across the class: how often drawn, mean score, full marks, and the
    point-biserial of its score with the trainees' totals without it."""

    template: str
    slot: str
    drawn: int
    mean: float
    full_marks: float
    point_biserial: float


HARDER_TEMPLATE = 0.25  # a template this much below its slot's mean is flagged


def template_statistics(data: ClassData) -> list[TemplateStats]:
    """Per case template (not per variant), in slot order."""
    total_of = dict(zip(data.students, data.totals, strict=True))
    by_template: dict[str, list[ClientMark]] = {}
    for result in data.clients:
        by_template.setdefault(result.template, []).append(result)
    stats = []
    for template, results in by_template.items():
        scores = np.array([r.fraction for r in results])
        rest = np.array([total_of.get(r.student, 0.0) - r.fraction * CASE_POINTS
                         for r in results])
        correlation = (float(np.corrcoef(scores, rest)[0, 1])
                       if len(results) >= 3 and scores.std() > 0 and rest.std() > 0
                       else float("nan"))
        stats.append(TemplateStats(template, results[0].slot, len(results),
                                   float(scores.mean()), float((scores >= 1 - 1e-9).mean()),
                                   correlation))
    return sorted(stats, key=lambda s: (s.slot, s.template))


def slot_means(data: ClassData) -> dict[str, float]:
    """Mean score of each blueprint slot over the class."""
    return fairness.slot_means(data.clients)


def harder_templates(data: ClassData) -> list[TemplateStats]:
    """Templates markedly harder than the other templates of their slot (drawn 3+ times)."""
    means = slot_means(data)
    return [s for s in template_statistics(data)
            if s.drawn >= 3 and means[s.slot] - s.mean >= HARDER_TEMPLATE]


def templates_table(data: ClassData) -> str:
    """The per-template table, then the per-slot means, for a variant assessment."""
    means = slot_means(data)
    flagged = {s.template for s in harder_templates(data)}
    rows = "".join(
        f"<tr><td>{html.escape(s.slot)}</td><td>{html.escape(s.template)}"
        f"{' ⚠ harder than its slot' if s.template in flagged else ''}</td><td>{s.drawn}</td>"
        f"<td>{100 * s.mean:.0f} %</td><td>{100 * s.full_marks:.0f} %</td>"
        f"<td>{_number(s.point_biserial)}</td></tr>" for s in template_statistics(data))
    slots = "".join(f"<tr><td>{html.escape(slot)}</td><td>{100 * mean:.0f} %</td></tr>"
                    for slot, mean in sorted(means.items()))
    return ("<table><tr><th>slot</th><th>case template</th><th>drawn</th><th>mean score</th>"
            "<th>full marks</th><th>point-biserial</th></tr>" + rows + "</table>"
            "<h3>Mean score by blueprint slot</h3><table><tr><th>slot</th><th>mean</th></tr>"
            + slots + "</table>")


def fairness_section(data: ClassData) -> str:
    """Was any trainee's set harder than the class's, and who met the same clients."""
    sets = fairness.set_difficulty(data.clients, CASE_POINTS)
    harder = [s.student for s in sets if s.harder]
    verdict = ("No trainee's set is harder than the class's beyond chance." if not harder
               else "Harder than the class's beyond chance (compare their totals with this "
               "in mind): " + ", ".join(html.escape(s) for s in harder) + ".")
    rows = "".join(
        f"<tr><td>{html.escape(s.student)}</td><td>{s.compared}</td>"
        f"<td>{s.gap:+.2f}</td><td>{s.standard_error:.2f}</td><td>{s.z:+.2f}</td>"
        f"<td>{'harder' if s.harder else ''}</td></tr>" for s in sets)
    pairs = fairness.shared_clients(data.clients)
    total = fairness.pair_count(len({c.student for c in data.clients}))
    share = f"{100 * len(pairs) / total:.0f} %" if total else "–"
    shared = "".join(
        f"<tr><td>{html.escape(p.first)}</td><td>{html.escape(p.second)}</td>"
        f"<td>{', '.join(str(n) for n in p.positions)}</td></tr>" for p in pairs)
    return ("<h2>Fairness of the variants</h2>"
            f"<p>{html.escape(fairness.RULE)} {verdict}</p>"
            "<table><tr><th>trainee</th><th>clients compared</th>"
            "<th>expected points vs a typical set</th><th>standard error</th><th>z</th>"
            "<th></th></tr>" + rows + "</table>"
            f"<h3>Clients met by two trainees in the same position</h3><p>{len(pairs)} of "
            f"{total} pairs ({share}) share at least one client in the same position (the "
            "same person, so answers could be passed on).</p>"
            + ("<table><tr><th>trainee</th><th>trainee</th><th>positions</th></tr>"
               + shared + "</table>" if pairs else ""))


def _item_statistics(stats: ItemStats, totals: np.ndarray) -> None:
    """Difficulty, upper-lower index and point-biserial (against the rest of the score),
    over the submissions that have a score for the cell."""
    all_scores = np.array(stats.scores, dtype=float)
    scored = ~np.isnan(all_scores)
    scores, totals = all_scores[scored], np.asarray(totals, dtype=float)[scored]
    if not len(scores):
        return  # written answers not graded yet: no statistics
    full = (scores >= stats.max_points - 1e-9).astype(float) if stats.max_points else (
        np.zeros_like(scores))
    stats.difficulty = float(full.mean())
    count = len(scores)
    if count >= 2:
        group = max(1, math.ceil(UPPER_LOWER_SHARE * count))
        order = np.argsort(totals, kind="stable")
        stats.upper_lower = float(full[order[-group:]].mean() - full[order[:group]].mean())
        rest = totals - scores
        if full.std() > 0 and rest.std() > 0:
            stats.point_biserial = float(np.corrcoef(full, rest)[0, 1])


# --- figures ------------------------------------------------------------------------------

def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def score_figure(data: ClassData) -> Figure:
    figure = Figure(figsize=(6, 3.2))
    axes = figure.add_subplot()
    percent = [100 * t / data.max_total for t in data.totals] if data.max_total else []
    axes.hist(percent, bins=np.linspace(0, 100, 11).tolist(), color=OKABE_ITO["blue"],
              edgecolor="white")
    axes.set_xlabel("score (% of the maximum)")
    axes.set_ylabel("trainees")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"{data.assignment}: score distribution")
    axes.set_xlim(0, 100)
    return figure


def _with_statistics(data: ClassData) -> list[ItemStats]:
    """Questions at least one submission has a score for (not only awaiting a hand grade)."""
    return [s for s in data.items.values() if s.graded]


def item_figure(data: ClassData) -> Figure:
    stats = sorted(_with_statistics(data), key=lambda s: s.difficulty)
    figure = Figure(figsize=(7, 0.45 * len(stats) + 1.4))
    axes = figure.add_subplot()
    colours = [OKABE_ITO["vermillion"] if _weak_discrimination(s) else OKABE_ITO["bluish_green"]
               for s in stats]
    axes.barh([s.label or s.grade_id for s in stats], [100 * s.difficulty for s in stats],
              color=colours)
    axes.set_xlabel("trainees with full marks (%)")
    axes.set_ylabel("question")
    axes.set_xlim(0, 100)
    axes.set_title("Difficulty (vermillion: low discrimination, check the question)")
    return figure


def missed_figure(data: ClassData) -> Figure:
    common = data.missed_names.most_common(10)[::-1]
    figure = Figure(figsize=(6, 0.45 * len(common) + 1.4))
    axes = figure.add_subplot()
    colours = [OKABE_ITO["vermillion"] if data.must_not_miss_failures[name]
               else OKABE_ITO["orange"] for name, _ in common]
    axes.barh([name for name, _ in common], [count for _, count in common], color=colours)
    axes.set_xlabel("answers that left it out")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("name left out")
    axes.set_title("Most-missed names (vermillion: must not be missed)")
    return figure


def _weak_discrimination(stats: ItemStats) -> bool:
    """Separates stronger from weaker trainees poorly (a question everyone, or no one, got
    right separates nobody and is not flagged)."""
    return (not math.isnan(stats.upper_lower) and stats.upper_lower < LOW_DISCRIMINATION
            and 0 < stats.difficulty < 1)


def _reversed_discrimination(stats: ItemStats) -> bool:
    """Weaker trainees did better than stronger ones: check the answer key first."""
    return _weak_discrimination(stats) and stats.upper_lower < 0


# --- the text beside each figure ----------------------------------------------------------

def score_summary(data: ClassData) -> str:
    if not data.totals:
        return "No graded submissions yet."
    totals = np.array(data.totals)
    text = (f"{len(totals)} submissions. Mean {totals.mean():.2f} of {data.max_total:g} points "
            f"({100 * totals.mean() / data.max_total:.0f} %), median {np.median(totals):.2f}, "
            f"lowest {totals.min():g}, highest {totals.max():g}.")
    if data.awaiting_manual:
        text += (f" Answers still to be graded by hand count 0 in these totals "
                 f"({len(data.awaiting_manual)} submissions).")
    return text


def item_summary(data: ClassData) -> str:
    graded = _with_statistics(data)
    if not graded:
        return "No graded questions."
    lowest = min(s.difficulty for s in graded)
    hardest = [s.label or s.grade_id for s in graded if s.difficulty == lowest]
    reversed_ = [s.label or s.grade_id for s in graded if _reversed_discrimination(s)]
    weak = [s.label or s.grade_id for s in graded
            if _weak_discrimination(s) and (s.label or s.grade_id) not in reversed_]
    text = (f"Hardest question{'s' if len(hardest) > 1 else ''}: {', '.join(hardest)} "
            f"({100 * lowest:.0f} % full marks). ")
    if reversed_:
        text += ("Weaker trainees did better than stronger ones (check the answer key and the "
                 f"wording first): {', '.join(reversed_)}. ")
    if weak:
        text += ("Low discrimination (strong and weak trainees do about as well; the wording "
                 f"may be unclear): {', '.join(weak)}.")
    elif not reversed_:
        text += "Every question that some but not all trainees got right separates stronger "
        text += "from weaker trainees."
    if len(data.totals) < SMALL_CLASS:
        group = max(1, math.ceil(UPPER_LOWER_SHARE * len(data.totals)))
        text += (f" With {len(data.totals)} submissions these indices are rough (each 27 % "
                 f"group is {group} trainee{'s' if group > 1 else ''}).")
    waiting = [s.label or s.grade_id for s in data.items.values() if not s.graded]
    if waiting:
        text += (f" Not counted until you grade them by hand: {', '.join(waiting)}.")
    return text


def missed_summary(data: ClassData) -> str:
    if not data.missed_names:
        return "No names were left out of list answers."
    top = ", ".join(f"{name} ({count})" for name, count in data.missed_names.most_common(5))
    text = f"Most often left out: {top}."
    if data.must_not_miss_failures:
        fails = ", ".join(f"{n} ({c})" for n, c in data.must_not_miss_failures.most_common())
        text += f" Must-not-miss failures (each makes its case score 0): {fails}."
    return text


def _table(data: ClassData) -> str:
    def full_marks(stats: ItemStats) -> str:
        if not stats.graded:
            return "awaiting manual grading"
        return f"{100 * stats.difficulty:.0f} %" + (
            f" (of {stats.graded} graded)" if stats.graded < len(stats.scores) else "")

    rows = "".join(
        f"<tr><td>{html.escape(s.label or s.grade_id)}</td><td>{s.max_points:g}</td>"
        f"<td>{full_marks(s)}</td><td>{_number(s.upper_lower)}</td>"
        f"<td>{_number(s.point_biserial)}</td></tr>"
        for s in data.items.values())  # in the order trainees meet them
    return ("<table><tr><th>question</th><th>points</th><th>full marks</th>"
            "<th>upper-lower 27 %</th><th>point-biserial</th></tr>" + rows + "</table>")


def sittings_section(data: ClassData) -> str:
    """How each trainee sat the assignment: its mode, their window, extra time, hand-in."""
    supervised = any(s["mode"] == supervision.SUPERVISED for s in data.sittings.values())
    intro = ("Taken under supervision: during each trainee's window their server held only "
             "their cards and the form checks (no screening form, practice, package or data); "
             "the work was handed in automatically at the window's end, and only hand-ins "
             "made in the window count." if supervised else
             "Practice mode (open-book): trainees could use the course's tools while answering.")
    rows = "".join(
        f"<tr><td>{html.escape(student)}</td><td>{html.escape(s['mode'])}</td>"
        f"<td>{html.escape(s.get('start', '–'))}</td><td>{html.escape(s.get('end', '–'))}</td>"
        f"<td>{html.escape(s.get('extra') or s.get('extension') or '–')}"
        f"{' (closed early)' if s.get('closed_early') else ''}</td>"
        f"<td>{html.escape(s['handed_in'])}</td></tr>"
        for student, s in sorted(data.sittings.items()))
    return (f"<h2>How it was sat</h2><p>{intro}</p><table><tr><th>trainee</th><th>mode</th>"
            "<th>window from</th><th>window to</th><th>extra time</th>"
            "<th>handed in (server time)</th></tr>" + rows + "</table>")


def _number(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


# What each figure shows, for readers who cannot see it (its summary is the text beside it).
FIGURE_ALT = {"scores": "Chart: the class's score distribution.",
              "questions": "Chart: the share of trainees with full marks, per question.",
              "missed": "Chart: the names most often left out of list answers."}

STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
         "section{display:flex;gap:2em;align-items:flex-start;margin:1.5em 0}"
         "section img{max-width:60%}table{border-collapse:collapse}"
         "td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left}")


def build_report(root: Path, assignment: str, out: Path | None = None) -> Path:
    """Write ``report.html`` and its PNGs into ``out`` (default ``reports/<assignment>``)."""
    root = root.resolve()
    assignment = require_assignment(root, assignment)
    out = out or root / "reports" / assignment
    out.mkdir(parents=True, exist_ok=True)
    data = gather(root, assignment)
    parts = [f"<h1>Class report: {html.escape(assignment)}</h1>"]
    figures = [("scores", score_figure, score_summary)]
    if _with_statistics(data):
        figures.append(("questions", item_figure, item_summary))
    if data.missed_names:
        figures.append(("missed", missed_figure, missed_summary))
    for name, draw, summarise in figures:
        png = _png(draw(data)) if data.totals else b""
        text = html.escape(summarise(data))
        if png:
            (out / f"{name}.png").write_bytes(png)
            encoded = base64.b64encode(png).decode()
            image = f'<img alt="{FIGURE_ALT[name]}" src="data:image/png;base64,{encoded}">'
        else:
            image = ""
        parts.append(f"<section>{image}<p>{text}</p></section>")
    if data.items:
        parts.append("<h2>Questions</h2>" + _table(data))
    if data.clients:
        harder = harder_templates(data)
        note = ("No template is markedly harder than the others of its slot." if not harder
                else "Markedly harder than the rest of their slot (check their wording and "
                "key): " + ", ".join(html.escape(s.template) for s in harder) + ".")
        parts.append("<h2>Case templates (each trainee has their own clients)</h2><p>Questions "
                     "above are positions; the same position holds different clients for "
                     "different trainees, so read difficulty and discrimination here, per case "
                     f"template. Most-missed findings above are counted across all variants. "
                     f"{note}</p>" + templates_table(data))
    if data.clients:
        parts.append(fairness_section(data))
    if data.decision_parts:
        parts.append("<h2>Screening decisions: both parts</h2><p>The treatment today and the "
                     "referral are separate answers; a class that gets one right and the other "
                     "wrong needs that part taught again.</p>" + decision_parts_table(data))
    if data.not_graded:
        missing = ", ".join(html.escape(s) for s in data.not_graded)
        parts.append(f"<h2>Collected but not graded</h2><p>{missing}: not in the numbers "
                     f"above. Run <code>cryocourse grade {html.escape(assignment)}</code> to "
                     "grade them or to see why they cannot be graded.</p>")
    if data.due:
        late = "; ".join(f"{html.escape(s)} {show_span(timedelta(seconds=seconds))} late"
                         for s, seconds in sorted(data.late.items()))
        parts.append(f"<h2>Handed in late</h2><p>Due {html.escape(data.due)} (server time, "
                     "plus each trainee's extension). "
                     + (f"{len(data.late)} late: {late}." if data.late else "None late.")
                     + "</p>")
    if data.sittings:
        parts.append(sittings_section(data))
    if data.awaiting_manual:
        waiting = ", ".join(html.escape(s) for s in data.awaiting_manual)
        count = len(data.awaiting_manual)
        parts.append(f"<h2>Awaiting manual grading</h2><p>{count} submission"
                     f"{'s' if count > 1 else ''}: {waiting}. Grade them in the Formgrader.</p>")
    else:
        parts.append("<h2>Awaiting manual grading</h2><p>None: every written answer is "
                     "graded.</p>")
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(assignment)} class report</title><style>{STYLE}</style>"
            f"</head><body><main>{''.join(parts)}</main></body></html>")
    report = out / "report.html"
    report.write_text(page, encoding="utf-8")
    return report
