"""The trainee's practice log: a form for each supervised real session, answered by clicking.

The intake is lesson 04's screening form (its decision is not shown: the trainee records
their own); the session is built line by line; for a chamber, the room oxygen monitor's
readings (before and during the session, as the competency map asks) are typed in; saving
checks the entry
(``course.models.practice_log``), adds it to ``practice-log.json`` beside the notebook
(written whole, then renamed into place) and shows what the course's rules say of it. The
notebook folder, with that file, is handed in from the Assignments tab for the assessor.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from course.facts.competencies import OXYGEN_TIMES, competency_map
from course.facts.knowledge import NO_REFERRAL, TREATMENTS, load
from course.models.practice_log import (
    PracticeEntry,
    PracticeLogError,
    review,
)
from course.models.screening import finding_names
from course.views.checklist import Checklist
from course.views.screening import ScreeningWidget

LOG_FILE = "practice-log.json"
LABEL = {"description_width": "150px"}


def read_log(path: Path) -> list[dict[str, Any]]:
    """The entries saved so far (none if the file is missing or cannot be read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = data.get("entries") if isinstance(data, dict) else None
    return list(entries) if isinstance(entries, list) else []


def write_log(path: Path, entries: list[dict[str, Any]]) -> None:
    """All entries, written to a new file and renamed over the old one (never half a file)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".practice-log-")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"entries": entries}, handle, indent=1, ensure_ascii=False)
    os.replace(temporary, path)


def read_percent(text: str) -> float | str:
    """A monitor reading as typed ("20.9", "20,9", "20.9 %") as a number; what cannot be
    read stays text, which the entry's check refuses in plain words."""
    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return text.strip()


def log_summary(entries: list[dict[str, Any]]) -> str:
    """Sessions and hours per treatment, from the saved entries (HTML)."""
    kb = load()
    rows: dict[str, list[float]] = {}
    for data in entries:
        try:
            found = review(PracticeEntry.from_mapping(data))
        except PracticeLogError:
            continue
        counts = rows.setdefault(found.entry.modality, [0, 0, 0, 0, 0.0])
        counts[0] += 1
        counts[1] += found.entry.treated
        counts[2] += found.safety_flag
        counts[3] += bool(found.for_review) and not found.safety_flag
        counts[4] += found.entry.minutes
    if not rows:
        return "<p>No session saved yet.</p>"
    body = "".join(f"<tr><td>{escape(kb.modalities[m].name)}</td><td>{n}</td><td>{t}</td>"
                   f"<td>{f}</td><td>{r}</td><td>{minutes / 60:.1f}</td></tr>"
                   for m, (n, t, f, r, minutes) in rows.items())
    return ('<table><caption>My log so far</caption><tr><th scope="col">Treatment</th>'
            '<th scope="col">Sessions</th><th scope="col">Client treated</th>'
            '<th scope="col">Safety flag (never counts)</th>'
            '<th scope="col">For the assessor\'s review</th>'
            f'<th scope="col">Hours</th></tr>{body}</table>'
            "<p>A session counts only once your supervisor attests it in the course's "
            "record; you see which ones count in your feedback.</p>")


class PracticeLogWidget:
    """One supervised session, recorded by clicking. Set controls' ``.value``; ``.save()``."""

    def __init__(self, folder: Path | str = ".") -> None:
        kb = load()
        self.path = Path(folder) / LOG_FILE
        self.form = ScreeningWidget()
        self.form.modality.options = [(m.name, m.code) for m in kb.modalities.values()
                                      if m.performer == "cosmetologist"]
        self.client_code = widgets.Text(description="Client code", style=LABEL,
                                        placeholder="the salon's code, like CL-0042")
        self.day = widgets.DatePicker(value=date.today(), description="Date", style=LABEL)
        self.supervisor = widgets.Text(description="Supervisor", style=LABEL,
                                       placeholder="your assessor's account name")
        ranges = competency_map().ranges
        self.skin_type = widgets.Dropdown(
            options=[("not recorded", ""), *((v, v) for v in ranges["skin_type"].values)],
            value="", description="Skin type", style=LABEL)
        self.client_group = widgets.Dropdown(
            options=[("not recorded", ""), *((v, v) for v in ranges["client_group"].values)],
            value="", description="Client", style=LABEL)
        self.treatment = widgets.ToggleButtons(
            options=[(load().treatments[code].name, code) for code in TREATMENTS], value=None,
            description="Treatment today", style=LABEL)
        self.referral = widgets.Dropdown(options=[(w.name, code) for code, w in
                                                  kb.referrals.items()],
                                         value=NO_REFERRAL, description="Referral",
                                         style=LABEL)
        self.findings = Checklist(sorted(((name, code) for code, name in
                                          finding_names().items())),
                                  description="Findings", rows=6,
                                  label_width=LABEL["description_width"])
        self.area = widgets.Dropdown(description="Area", style=LABEL)
        self.seconds = widgets.BoundedIntText(60, min=1, max=3600, style=LABEL,
                                              description="Seconds")
        self.held = widgets.Checkbox(False, description="Held still on one spot")
        self.add_line = widgets.Button(description="Add this line to the session",
                                       layout=widgets.Layout(width="auto"))
        self.oxygen = {when: widgets.Text(description=f"Oxygen {when} (%)", style=LABEL,
                                          placeholder="the monitor's reading, like 20.9")
                       for when in OXYGEN_TIMES}
        self.oxygen_box = widgets.VBox([
            widgets.HTML("<p>The room's oxygen monitor: what it read before the client went "
                         "in and during the session (a chamber session counts only with "
                         "them).</p>"), *self.oxygen.values()])
        self.lines: list[dict[str, Any]] = []
        self.lines_shown = widgets.HTML()
        self.minutes = widgets.BoundedIntText(30, min=1, max=240, style=LABEL,
                                              description="Minutes in all")
        self.aftercare = Checklist([(a.name, code) for code, a in kb.aftercare.items()],
                                   description="Aftercare given", rows=5,
                                   label_width=LABEL["description_width"])
        self.reactions = Checklist([(s.name, code) for code, s in kb.side_effects.items()],
                                   description="Reactions seen", rows=5,
                                   label_width=LABEL["description_width"])
        self.declared = widgets.Checkbox(
            False, indent=False, description="I declare this record is my own work, of a "
            "session I gave under supervision.", layout=widgets.Layout(width="auto"))
        self.save_button = widgets.Button(description="Save this session to my log",
                                          button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.result = widgets.HTML()
        self.summary = widgets.HTML(log_summary(read_log(self.path)))
        self.form.modality.observe(self._set_areas, names="value")
        self.add_line.on_click(lambda _: self.add_log_line())
        self.save_button.on_click(lambda _: self.save())
        self._set_areas()
        intake = self.form.widget.children[0]
        self.widget = widgets.VBox([
            widgets.HTML("<h3>The session</h3>"), self.client_code, self.day, self.supervisor,
            self.skin_type, self.client_group,
            widgets.HTML("<h3>The intake, as recorded</h3>"), intake,
            widgets.HTML("<h3>Your decision</h3>"), self.treatment, self.referral,
            self.findings,
            widgets.HTML("<h3>What you did</h3>"), self.area, self.seconds, self.held,
            self.add_line, self.lines_shown, self.oxygen_box, self.minutes, self.aftercare,
            self.reactions,
            self.declared, self.save_button, self.result, self.summary])

    def _set_areas(self, change: dict[str, Any] | None = None) -> None:
        sites = load().modalities[self.form.modality.value].sites
        self.area.options = [(site.replace("_", " "), site) for site in sites]
        self.area.value = sites[0]
        wanted = competency_map().oxygen_readings_for(self.form.modality.value)
        for when, box in self.oxygen.items():
            box.layout.display = "" if when in wanted else "none"
        self.oxygen_box.layout.display = "" if wanted else "none"

    def add_log_line(self) -> None:
        """The area, seconds and spot now in the controls become the next line."""
        start = sum(line["duration_s"] for line in self.lines)
        spot = self.area.value if self.held.value else ""
        self.lines.append({"label": f"line {len(self.lines) + 1}", "area": self.area.value,
                           "start_s": start, "duration_s": self.seconds.value, "spot": spot})
        self.lines_shown.value = "<ol>" + "".join(
            f"<li>{escape(str(line['area']).replace('_', ' '))}: {line['duration_s']} s"
            + (" held still" if line["spot"] else " moving") + "</li>"
            for line in self.lines) + "</ol>"

    def entry(self) -> dict[str, Any]:
        """The form as a stored entry (checked only when saved)."""
        return {"client_code": self.client_code.value.strip(),
                "day": self.day.value.isoformat() if self.day.value else "",
                "modality": self.form.modality.value, "intake": self.form.intake,
                "treatment": self.treatment.value, "referral": self.referral.value,
                "findings": list(self.findings.value), "log": list(self.lines),
                "minutes": self.minutes.value, "aftercare": list(self.aftercare.value),
                "reactions": list(self.reactions.value),
                "declared_own_work": self.declared.value,
                "supervisor": self.supervisor.value.strip(),
                "skin_type": self.skin_type.value, "client_group": self.client_group.value,
                "oxygen": [{"when": when, "percent": read_percent(box.value)}
                           for when, box in self.oxygen.items()
                           if box.layout.display != "none" and box.value.strip()]}

    def save(self) -> bool:
        """Check and save the session; say what the course's rules say of it."""
        data = self.entry()
        try:
            if not data["supervisor"]:
                raise PracticeLogError("Name your supervisor (their account name): a session "
                                       "counts only when they attest it.")
            checked = review(PracticeEntry.from_mapping(data))
        except PracticeLogError as problem:
            self.result.value = f"<p role='alert'>✘ Not saved: {escape(str(problem))}</p>"
            return False
        entries = [*read_log(self.path), data]
        write_log(self.path, entries)
        said = "".join(f"<li>{escape(flag)}</li>" for flag in checked.flags)
        verdict = ("It is kept in your log but does not count towards the unit."
                   if checked.safety_flag or not checked.entry.declared_own_work else
                   f"It counts once {checked.entry.supervisor} attests it"
                   + (" and accepts the differences below." if checked.for_review else ".")
                   + ("" if checked.entry.treated else " It is screening evidence only: "
                      "nothing was treated."))
        self.result.value = (f"<p role='status'>✔ Saved as session {len(entries)}. {verdict}"
                             "</p>" + (f"<p>What the course's rules say:</p><ul>{said}</ul>"
                                       if said else "<p>Your decision and your session "
                                       "agree with the course's rules.</p>"))
        self.summary.value = log_summary(entries)
        self.lines = []
        self.lines_shown.value = ""
        for box in self.oxygen.values():
            box.value = ""
        return True

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)
