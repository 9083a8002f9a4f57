"""The assessor's screens, in the instructor's JupyterLab (``assessor/sign-off.ipynb``):
a trainee's handed-in practice log with what it flags, their sign-offs, a form to sign off an
observed criterion, and the cohort's progress as a table and a plot.

Thin views over ``course.classroom.competence`` and ``course.storage.competence_record``;
who signs is the account running the kernel (the record refuses anyone without the role).
"""

from __future__ import annotations

import getpass
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from course.classroom import competence
from course.facts.competencies import competency_map
from course.models.competence import MET, NOT_YET, TraineeProgress
from course.storage.competence_record import Record, RecordError
from course.storage.course_folder import find_course_root, make_api
from course.views.competence import log_html, progress_html
from course.views.style import OKABE_ITO

LABEL = {"description_width": "120px"}


def _trainees(root: Path) -> list[str]:
    from nbgrader.api import Gradebook

    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        return sorted(s.id for s in gradebook.students)


def _progress(root: Path, trainees: list[str]) -> list[tuple[TraineeProgress,
                                                          competence.PracticeLog]]:
    from nbgrader.api import Gradebook

    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        return competence.cohort(root, gradebook, trainees)


def cohort_figure(results: list[tuple[TraineeProgress, competence.PracticeLog]]) -> Figure:
    """Trainees per unit: achieved and not yet (stacked bars, colour-blind-safe colours)."""
    units = [u.unit.code for u in results[0][0].units] if results else []
    achieved = [sum(r.unit(code).achieved for r, _ in results) for code in units]
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    axes = figure.subplots()
    labels = [results[0][0].unit(code).unit.title for code in units]
    axes.barh(labels, achieved, color=OKABE_ITO["bluish_green"], label="achieved")
    axes.barh(labels, [len(results) - a for a in achieved], left=achieved,
              color=OKABE_ITO["orange"], label="not yet", hatch="//")
    axes.set_xlabel("trainees (number)")
    axes.set_title("Units achieved across the cohort")
    axes.legend(loc="lower right")
    axes.invert_yaxis()
    figure.text_alternative = cohort_summary(results)  # type: ignore[attr-defined]
    return figure


def cohort_summary(results: list[tuple[TraineeProgress, competence.PracticeLog]]) -> str:
    """The plot in words (its text alternative)."""
    if not results:
        return "No trainees yet."
    units = [u.unit for u in results[0][0].units]
    parts = [f"{unit.title}: {sum(r.unit(unit.code).achieved for r, _ in results)} of "
             f"{len(results)} achieved" for unit in units]
    complete = sum(r.complete for r, _ in results)
    return f"{complete} of {len(results)} trainees complete. " + "; ".join(parts) + "."


class SignOffWidget:
    """Sign off an observed criterion for a trainee. Set ``.value`` of the controls; press
    ``.sign()`` (the button does)."""

    def __init__(self, folder: Path | str = ".", assessor: str | None = None) -> None:
        self.root = find_course_root(Path(folder))
        self.assessor = assessor or getpass.getuser()
        self.map = competency_map()
        practised = [u for u in self.map.units.values() if u.min_sessions]
        self.trainee = widgets.Dropdown(options=_trainees(self.root), description="Trainee",
                                        style=LABEL)
        self.unit = widgets.Dropdown(options=[(u.title, u.code)
                                              for u in practised],
                                     description="Unit", style=LABEL)
        self.criterion = widgets.Dropdown(description="Criterion", style=LABEL,
                                          layout=widgets.Layout(width="640px"))
        self.outcome = widgets.ToggleButtons(options=[("Met", MET), ("Not yet", NOT_YET)],
                                             value=None, description="Observed", style=LABEL)
        self.comment = widgets.Textarea(description="Comment", style=LABEL,
                                        layout=widgets.Layout(width="640px"))
        self.button = widgets.Button(description="Sign off", button_style="primary")
        self.result = widgets.HTML()
        self.evidence = widgets.HTML()
        self.unit.observe(self._set_criteria, names="value")
        self.trainee.observe(self._show, names="value")
        self.button.on_click(lambda _: self.sign())
        self._set_criteria()
        self._show()
        self.widget = widgets.VBox([
            widgets.HTML(f"<p>Signing as <strong>{escape(self.assessor)}</strong>.</p>"),
            self.trainee, self.unit, self.criterion, self.outcome, self.comment, self.button,
            self.result, self.evidence])

    def _set_criteria(self, change: dict[str, Any] | None = None) -> None:
        unit = self.map.units[self.unit.value]
        observed = [c for c in unit.criteria if self.map.criteria[c].observed]
        self.criterion.options = [(self.map.criteria[c].text, c) for c in observed]
        self.criterion.value = observed[0]

    def _show(self, change: dict[str, Any] | None = None) -> None:
        if not self.trainee.value:
            self.evidence.value = "<p>No trainee in the gradebook yet.</p>"
            return
        [(result, log)] = _progress(self.root, [self.trainee.value])
        self.evidence.value = log_html(log.sessions, log.unreadable) + progress_html(result)

    def sign(self) -> bool:
        """Record the sign-off now in the controls; say what was recorded or why not."""
        if self.outcome.value is None:
            self.result.value = "<p role='alert'>✘ Choose Met or Not yet first.</p>"
            return False
        try:
            entry = Record(self.root).sign_off(
                self.map, trainee=self.trainee.value, unit=self.unit.value,
                criterion=self.criterion.value, outcome=self.outcome.value,
                comment=self.comment.value, assessor=self.assessor)
        except RecordError as problem:
            self.result.value = f"<p role='alert'>✘ Not recorded: {escape(str(problem))}</p>"
            return False
        self.result.value = (f"<p role='status'>✔ Recorded as entry {entry['entry']} at "
                             f"{escape(entry['at'])}: {escape(self.trainee.value)}, "
                             f"{escape(self.unit.value)}, {escape(entry['outcome'])}.</p>")
        self.comment.value = ""
        self._show()
        return True

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)


def cohort_view(folder: Path | str = ".") -> widgets.VBox:
    """The cohort: the plot, its words, one table row per trainee and unit."""
    from course.views.simulator import figure_png

    root = find_course_root(Path(folder))
    results = _progress(root, _trainees(root))
    figure = cohort_figure(results)
    image = widgets.Image(value=figure_png(figure), format="png",
                          layout=widgets.Layout(max_width="800px"))
    image.add_class("cryocourse-chart")
    rows = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in competence.cohort_rows(results))
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in competence.COHORT_COLUMNS)
    return widgets.VBox([image, widgets.HTML(f"<p>{escape(cohort_summary(results))}</p>"),
                         widgets.HTML(f"<table><caption>The cohort</caption><tr>{head}</tr>"
                                      f"{rows}</table>")])
