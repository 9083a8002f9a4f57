"""The assessor's screens, in the instructor's JupyterLab (``assessor/sign-off.ipynb``):
a trainee's handed-in practice log with what it flags, a form to attest the sessions the
assessor supervised (accepting, or not, a stricter decision), a form to sign off an observed
criterion (naming the session observed), the first-aid certificate seen, and the cohort's
progress as a table and a plot.

Thin views over ``course.classroom.competence`` and ``course.storage.competence_record``;
who signs is the account running the kernel (the record refuses anyone without the role).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from course.classroom import competence
from course.facts.competencies import competency_map
from course.foundation.accounts import running_account
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
        self.assessor = assessor or running_account()
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
        self.session = widgets.Dropdown(description="Session seen", style=LABEL,
                                        layout=widgets.Layout(width="640px"))
        self.button = widgets.Button(description="Sign off", button_style="primary")
        self.result = widgets.HTML()
        self.evidence = widgets.HTML()
        self.to_attest = widgets.Dropdown(description="Session", style=LABEL,
                                          layout=widgets.Layout(width="640px"))
        self.accept = widgets.Checkbox(False, indent=False, layout=widgets.Layout(width="auto"),
                                       description="I accept the differences flagged (the "
                                       "trainee's decision is stricter than the course's rules)")
        self.attest_button = widgets.Button(description="Attest: I supervised this session",
                                            layout=widgets.Layout(width="auto"))
        self.attested = widgets.HTML()
        self.first_aid_until = widgets.DatePicker(description="Valid until", style=LABEL)
        self.first_aid_button = widgets.Button(description="Record the first-aid certificate",
                                               layout=widgets.Layout(width="auto"))
        self.first_aid = widgets.HTML()
        self.log: competence.PracticeLog = competence.PracticeLog((), ())
        self.unit.observe(self._set_criteria, names="value")
        self.unit.observe(self._set_sessions, names="value")
        self.trainee.observe(self._show, names="value")
        self.button.on_click(lambda _: self.sign())
        self.attest_button.on_click(lambda _: self.attest())
        self.first_aid_button.on_click(lambda _: self.record_first_aid())
        self._set_criteria()
        self._show()
        certificate = self.map.certificates["first_aid_cpr"].text
        self.widget = widgets.VBox([
            widgets.HTML(f"<p>Signing as <strong>{escape(self.assessor)}</strong>.</p>"),
            self.trainee,
            widgets.HTML("<h3>Attest a session you supervised</h3><p>A session counts only "
                         "when its supervisor attests it here. A session whose decision is "
                         "less strict than the course's rules, or outside the timing limits, "
                         "never counts; one that is stricter counts only if you accept it."
                         "</p>"),
            self.to_attest, self.accept, self.attest_button, self.attested,
            widgets.HTML("<h3>Sign off an observed criterion</h3>"),
            self.unit, self.criterion, self.session, self.outcome, self.comment, self.button,
            self.result,
            widgets.HTML(f"<h3>Certificate seen</h3><p>{escape(certificate)}: the date it is "
                         "valid until, as printed on it.</p>"),
            self.first_aid_until, self.first_aid_button, self.first_aid, self.evidence])

    def _set_criteria(self, change: dict[str, Any] | None = None) -> None:
        unit = self.map.units[self.unit.value]
        observed = [c for c in unit.criteria if self.map.criteria[c].observed]
        self.criterion.options = [(self.map.criteria[c].text, c) for c in observed]
        self.criterion.value = observed[0]

    def _set_sessions(self, change: dict[str, Any] | None = None) -> None:
        modality = self.map.units[self.unit.value].modality
        self.session.options = [("none named (a simulated emergency; counts by the day)", 0)] + [
            (_session_label(s), s.entry.number) for s in self.log.sessions
            if s.entry.modality == modality]
        self.session.value = 0
        mine = [s for s in self.log.sessions if s.entry.supervisor == self.assessor
                and s.attestation is None and not s.safety_flag]
        self.to_attest.options = [(_session_label(s), s.entry.number) for s in mine] or [
            ("no session naming you as supervisor waits for you", 0)]
        self.to_attest.value = self.to_attest.options[0][1]

    def _show(self, change: dict[str, Any] | None = None) -> None:
        if not self.trainee.value:
            self.evidence.value = "<p>No trainee in the gradebook yet.</p>"
            self._set_sessions()
            return
        [(result, log)] = _progress(self.root, [self.trainee.value])
        self.log = log
        self._set_sessions()
        self.evidence.value = log_html(log.sessions, log.unreadable) + progress_html(result)

    def _logged(self, number: int) -> Any:
        return next((s.entry for s in self.log.sessions if s.entry.number == number), None)

    def attest(self) -> bool:
        """Attest the session chosen (with the acceptance ticked or not)."""
        session = self._logged(self.to_attest.value)
        if session is None:
            self.attested.value = "<p role='alert'>✘ No session chosen.</p>"
            return False
        try:
            entry = Record(self.root).attest_session(
                trainee=self.trainee.value, session=session, assessor=self.assessor,
                accept=self.accept.value)
        except RecordError as problem:
            self.attested.value = f"<p role='alert'>✘ Not recorded: {escape(str(problem))}</p>"
            return False
        self.attested.value = (f"<p role='status'>✔ Session {session.number} "
                               f"({escape(session.client_code)}, {session.day}) attested as "
                               f"entry {entry['entry']}.</p>")
        self.accept.value = False
        self._show()
        return True

    def record_first_aid(self) -> bool:
        """Record the first-aid certificate seen, valid until the date chosen."""
        if self.first_aid_until.value is None:
            self.first_aid.value = "<p role='alert'>✘ Choose the date it is valid until.</p>"
            return False
        try:
            entry = Record(self.root).record_certificate(
                self.map, trainee=self.trainee.value, certificate="first_aid_cpr",
                valid_until=self.first_aid_until.value, assessor=self.assessor)
        except RecordError as problem:
            self.first_aid.value = f"<p role='alert'>✘ Not recorded: {escape(str(problem))}</p>"
            return False
        self.first_aid.value = (f"<p role='status'>✔ Recorded as entry {entry['entry']}: "
                                f"valid until {self.first_aid_until.value}.</p>")
        self._show()
        return True

    def sign(self) -> bool:
        """Record the sign-off now in the controls; say what was recorded or why not."""
        if self.outcome.value is None:
            self.result.value = "<p role='alert'>✘ Choose Met or Not yet first.</p>"
            return False
        try:
            entry = Record(self.root).sign_off(
                self.map, trainee=self.trainee.value, unit=self.unit.value,
                criterion=self.criterion.value, outcome=self.outcome.value,
                comment=self.comment.value, assessor=self.assessor,
                session=self._logged(self.session.value))
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


def _session_label(session: competence.EntryReview) -> str:
    entry = session.entry
    return (f"{entry.number}: {entry.client_code}, {entry.day}, "
            f"{entry.modality.replace('_', ' ')}, {entry.treatment}"
            + (" (differences for review)" if session.for_review else ""))


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
                         widgets.HTML('<div role="region" aria-label="The cohort table" '
                                      'tabindex="0" style="max-width:100%;overflow-x:auto">'
                                      f"<table><caption>The cohort</caption><tr>{head}</tr>"
                                      f"{rows}</table></div>")])
