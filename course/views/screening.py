"""Lessons 04-05 views: decision cards, conflict cards, case cards and two widgets.

Everything shown is read from the knowledge base (course.facts.knowledge), the screening engine
(course.models.screening) or the case bank (course.models.cases). The HTML functions are pure, so
they are
tested on their own; the widgets only collect values, call the engine and display a card.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import ipywidgets as widgets

from course.facts.knowledge import (
    NO_REFERRAL,
    TREATMENTS,
    UnknownNameError,
    find_modality,
    load,
    sources_text,
)
from course.models.cases import Case, ScreeningScore, case, score_screening
from course.models.screening import (
    LESION_KINDS,
    Decision,
    Finding,
    Intake,
    IntakeError,
    finding_names,
    screen,
)
from course.models.variants import practice_client
from course.views.checklist import Checklist
from course.views.evidence import conflict_card
from course.views.html import Html
from course.views.knowledge import contraindication_matrix_html, matrix_cell
from course.views.style import CATEGORY_COLOURS, CATEGORY_TEXT_COLOURS

LESION_LABELS = {
    "none": "none",
    "benign_wart": "a wart or benign lesion in the area",
    "changing_or_pigmented": "a changing or pigmented mole",
}
BP_CONTROLLED = (("not asked", "unknown"), ("yes", "yes"), ("no", "no"))
WIDE_PX = "520px"


def _wide() -> widgets.Layout:
    """A fresh wide layout (widgets are never created at import time)."""
    return widgets.Layout(width=WIDE_PX)


# --------------------------------------------------------------------------- text helpers


def outcome_badge(treatment: str) -> str:
    """A treatment-today word on its colour (HTML)."""
    return (f'<span style="background:{CATEGORY_COLOURS[treatment]};'
            f'color:{CATEGORY_TEXT_COLOURS[treatment]};padding:1px 6px;border-radius:3px">'
            f"<b>{escape(treatment)}</b></span>")


def referral_badge(referral: str) -> str:
    """The referral part on its colour (HTML): "no referral" or the person to see."""
    if referral == NO_REFERRAL:
        return "<b>no referral</b>"
    name = load().referrals[referral].name
    return (f'<span style="background:{CATEGORY_COLOURS["refer"]};'
            f'color:{CATEGORY_TEXT_COLOURS["refer"]};padding:1px 6px;border-radius:3px">'
            f"<b>refer: {escape(name)}</b></span>")


def _finding_html(finding: Finding) -> str:
    parts = [f"{outcome_badge(finding.treatment)} <b>{escape(finding.name)}</b> "
             f"<code>{escape(finding.code)}</code>"]
    drives = " and ".join({"treatment": "the treatment today", "referral": "the referral"}[part]
                          for part in finding.drives)
    parts.append(f" <small>(decides {drives})</small>" if drives else
                 " <small>(a precaution: it changes neither part)</small>")
    parts.append(f"<br>What to do: {escape(finding.action)}")
    if finding.referral != NO_REFERRAL:
        parts.append(f"<br>{referral_badge(finding.referral)} "
                     f"{escape(finding.referral_reason)}")
    parts.append(f"<br>Why: {escape(finding.explanation)}")
    if finding.conflict_note:
        parts.append(f"<br><i>{escape(finding.conflict_note)}</i>")
    parts.append(f"<br><small>Sources: {escape(sources_text(finding.sources))}</small>")
    return f"<li>{''.join(parts)}</li>"


def referral_text(decision: Decision) -> str:
    """The referral part in words: "no referral" or the people to see."""
    kb = load()
    if not decision.referrals:
        return "no referral"
    return "refer to " + " and ".join(kb.referrals[r].name for r in decision.referrals)


def decision_summary(decision: Decision) -> str:
    """One plain sentence: both parts of the decision and the findings that decided them."""
    kb = load()
    modality = kb.modalities[decision.modality].name
    if not decision.findings:
        return (f"{modality}: proceed, with the standard precautions; no referral (nothing on "
                "the form stops it).")
    reasons = "; ".join(f"{f.name} ({f.treatment}"
                        + (f", refer: {f.referral}" if f.referral != NO_REFERRAL else "") + ")"
                        for f in decision.findings)
    return (f"{modality}: {decision.treatment} today; {referral_text(decision)}. "
            f"Findings: {reasons}.")


def decision_card(decision: Decision) -> Html:
    """Both parts of the decision, every finding with its reason and sources, precautions."""
    kb = load()
    modality = kb.modalities[decision.modality]
    word = kb.treatments[decision.treatment]
    findings = "".join(_finding_html(f) for f in decision.findings) or (
        "<li>No finding: nothing on the form stops or changes this treatment.</li>")
    referrals = "".join(
        f"<li>{referral_badge(r)} "
        + escape(" ".join(dict.fromkeys(f.referral_reason for f in decision.findings
                                        if f.referral == r))) + "</li>"
        for r in decision.referrals) or "<li><b>no referral</b>: nobody else to see.</li>"
    precautions = "".join(f"<li>{escape(p)}</li>" for p in decision.precautions)
    return Html(
        f'<div class="cryo-decision"><p>1. Treatment today, <b>{escape(modality.name)}</b>: '
        f"{outcome_badge(decision.treatment)} {escape(word.meaning)}</p>"
        f"<p>2. Referral:</p><ul>{referrals}</ul>"
        f"<p>Findings:</p><ul>{findings}</ul>"
        f"<p>Precautions for every {escape(modality.name.lower())} session:</p>"
        f"<ul>{precautions}</ul>"
        f"<p><small>Sources for the modality: {escape(sources_text(modality.sources))}"
        "</small></p></div>"
    )


def screen_card(intake: Mapping[str, Any] | None = None, modality: str | None = None, *,
                treatment: str | None = None, **form: Any) -> Html:
    """Screen a client and show the decision card. In a lesson the form is written as plain
    keywords, ``screen_card(conditions=["rosacea"], treatment="ln2_cryomassage")``; an
    ``intake`` mapping and ``modality`` work too."""
    chosen = treatment or modality
    if chosen is None:
        raise TypeError("screen_card() needs the treatment, like treatment=\"ln2_cryomassage\"")
    return decision_card(screen({**(intake or {}), **form}, chosen))


# --------------------------------------------------------------------------- lesson tables


def categories_table() -> Html:
    """Each treatment word with its colour, meaning and the conditions usually in it."""
    kb = load()
    rows = []
    for treatment in TREATMENTS[:-1]:
        names = sorted(c.name for c in kb.conditions.values() if c.treatment == treatment)
        rules = sorted(r.name for r in kb.rules.values()
                       if not r.as_condition and r.treatment == treatment)
        examples = ", ".join(names + rules) or "(only for some modalities: see the matrix)"
        rows.append(f"<tr><td>{outcome_badge(treatment)}</td>"
                    f"<td>{escape(kb.treatments[treatment].meaning)}</td>"
                    f"<td><small>{escape(examples)}</small></td></tr>")
    head = "<tr><th>treatment today</th><th>what it means</th><th>usual decision of</th></tr>"
    caption = ("<caption>Treatment today: four decisions that stop or change it, most "
               "restrictive first (otherwise: proceed). A condition can be stricter for some "
               "modalities (see the matrix below).</caption>")
    return Html(f"<table>{caption}{head}{''.join(rows)}</table>")


def referrals_table() -> Html:
    """The referral part: who a client may be sent to, and when, from decisions.toml."""
    kb = load()
    rows = "".join(f"<tr><td><code>\"{escape(code)}\"</code></td><td>{escape(word.name)}</td>"
                   f"<td>{escape(word.meaning)}</td></tr>"
                   for code, word in kb.referrals.items())
    return Html("<table><caption>Referral: nobody, or who the client should see (independent "
                "of the treatment today).</caption><tr><th>answer</th><th>who</th>"
                f"<th>when</th></tr>{rows}</table>")


def conflict_cards(codes: Iterable[str]) -> Html:
    """The chosen source disagreements, one card each (sides, sources, course rule, why)."""
    return Html("".join(conflict_card(code) for code in codes))


def rule_card(code: str) -> Html:
    """One screening rule from the form (not a condition): both parts, reason, note, sources."""
    kb = load()
    rule = kb.rules[code]
    overrides = "".join(f"; {escape(kb.modalities[m].name)}: {outcome_badge(o)}"
                        for m, o in rule.overrides.items())
    applies = (" (for: " + ", ".join(escape(kb.modalities[m].name) for m in rule.modalities)
               + ")") if rule.modalities else ""
    referral = (f"<br>{referral_badge(rule.referral)} {escape(rule.referral_reason)}"
                if rule.referral != NO_REFERRAL else "")
    note = f"<br><i>{escape(rule.note)}</i>" if rule.note else ""
    return Html(f"<p><b>{escape(rule.name)}</b>: {outcome_badge(rule.treatment)}{overrides}"
                f"{applies}<br>What to do: {escape(rule.action)}{referral}"
                f"<br>{escape(rule.rationale)}{note}"
                f"<br><small>Sources: {escape(sources_text(rule.sources))}</small></p>")


def matrix_summary() -> Html:
    """One sentence describing the contraindication matrix, for screen readers."""
    kb = load()
    cells = [matrix_cell(c, m)[0] for c in kb.conditions.values()
             for m in kb.modalities.values()]
    counts = ", ".join(f"{cells.count(o)} {o}" for o in TREATMENTS)
    return Html(f"The matrix has {len(kb.conditions)} conditions (rows) and "
                f"{len(kb.modalities)} modalities (columns); each of its {len(cells)} cells is "
                f"the treatment today: {counts}.")


def outcome_words() -> Html:
    """The words a trainee may type for both parts of a decision, with their meaning."""
    kb = load()
    items = "".join(f"<li><code>\"{o}\"</code>: {escape(kb.treatments[o].meaning)}</li>"
                    for o in TREATMENTS)
    referrals = "".join(f"<li><code>\"{r}\"</code>: {escape(w.name)}. {escape(w.meaning)}</li>"
                        for r, w in kb.referrals.items())
    return Html(f"<p><b>1. Treatment today</b> (most restrictive first):</p><ul>{items}</ul>"
                f"<p><b>2. Referral</b> (independent of the treatment):</p><ul>{referrals}</ul>")


def finding_list() -> Html:
    """Every finding name a trainee may type: conditions, then facts from the form."""
    kb = load()
    names = finding_names()
    conditions = [code for code in names if code in kb.conditions]
    form = [code for code in names if code not in kb.conditions]

    def block(title: str, codes: list[str]) -> str:
        rows = "".join(f"<li><code>\"{escape(code)}\"</code>: {escape(names[code])}</li>"
                       for code in sorted(codes))
        return f"<p><b>{title}</b></p><ul style='columns:2'>{rows}</ul>"

    return Html("<div>Type findings as their code in quotes (the plain name or a common "
                "alias works too; capitals do not matter)."
                + block("Conditions", conditions)
                + block("Facts from the form or the request", form) + "</div>")


def matrix() -> Html:
    """The contraindication matrix (conditions x modalities) as a coloured table."""
    return Html(contraindication_matrix_html())


def intake_card(intake: Mapping[str, Any], modality: str) -> Html:
    """A client's intake form in plain words (only the fields that were filled in)."""
    kb = load()
    form = Intake.from_mapping(intake)
    chosen = find_modality(modality)
    lines = []
    if form.age is not None:
        lines.append(f"Age: {form.age:g} years")
    if form.weight_kg is not None:
        lines.append(f"Weight: {form.weight_kg:g} kg")
    if form.systolic_bp is not None and form.diastolic_bp is not None:
        lines.append(f"Blood pressure today: {form.systolic_bp:g}/{form.diastolic_bp:g} mmHg")
    if form.bp_controlled is not None:
        lines.append("Blood pressure controlled: " + ("yes" if form.bp_controlled else "no"))
    names = [kb.conditions[code].name + (
        " (on the " + ", ".join(kb.site_name(p) for p in form.where[code]) + ")"
        if code in form.where else "") for code in form.conditions]
    lines.append("Conditions on the form: " + (", ".join(names) if names else "none"))
    for flag, text in ((form.pregnant, "Pregnant"), (form.skin_wet, "Skin wet or damp"),
                       (form.sun_exposure_planned, "Sun or a holiday in the sun ahead")):
        if flag:
            lines.append(text)
    if form.lesion != "none":
        lines.append(f"In the area: {LESION_LABELS[form.lesion]}")
    if form.request:
        intent = kb.intents[form.intent].name
        lines.append(f"The client asks: \u201c{form.request}\u201d (read as: {intent.lower()})")
    lines.append(f"Site: {kb.site_name(form.site or chosen.sites[0])}")
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return Html(f"<p>Intake form. Treatment asked for: <b>{escape(chosen.name)}</b>.</p>"
                f"<ul>{items}</ul>")


def case_card(case_id: str, number: int | None = None) -> Html:
    """A case's vignette and the treatment asked for (never its answer)."""
    return vignette_card(case(case_id), f"Client {number}" if number is not None else "Client")


def vignette_card(chosen: Case, title: str) -> Html:
    """A client's vignette under ``title`` and the treatment asked for (never its answer)."""
    modality = load().modalities[chosen.modality]
    return Html(f'<div class="cryo-case" style="border-left:4px solid '
                f'{CATEGORY_COLOURS["refer"]};padding-left:8px">'
                f"<p><b>{title}.</b> {escape(chosen.vignette)}</p>"
                f"<p>Treatment asked for: <b>{escape(modality.name)}</b>.</p></div>")


def score_html(score: ScreeningScore, reference: Case) -> Html:
    """Feedback on a screening answer: the score, then the reference with the engine's reasons."""
    mark = "✔" if score.fraction == 1 else ("◐" if score.fraction > 0 else "✘")
    decision = screen(reference.intake, reference.modality)
    return Html(f"<p>{mark} Score {score.fraction:.0%}. {escape(score.explanation)}</p>"
                + decision_card(decision))


# --------------------------------------------------------------------------- screening widget


def _options(mapping: Mapping[str, str]) -> list[tuple[str, str]]:
    """(plain name, code) pairs sorted by name, for a selection widget."""
    return sorted(((name, code) for code, name in mapping.items()), key=lambda p: p[0].lower())


class ScreeningWidget:
    """An intake form -> the two-part screening decision. Set any control's ``.value``; read
    ``.intake``, ``.decision`` (None while the form cannot be read) and ``.card``.

    The request is a choice of intents (``.intent``) or the client's own words
    (``.request``, read with the phrase table when filled in); ``.where`` says where the
    ticked local conditions are ("" = at the treated site)."""

    def __init__(self, modality: str = "ln2_cryomassage") -> None:
        kb = load()
        style = {"description_width": "150px"}
        self.modality = widgets.Dropdown(
            options=[(m.name, m.code) for m in kb.modalities.values()],
            value=find_modality(modality).code,
            description="Treatment", style=style, layout=_wide())
        self.site = widgets.Dropdown(description="Site", style=style)
        self.conditions = Checklist(
            _options({c: kb.conditions[c].name for c in kb.conditions}),
            description="Conditions", rows=8, width=WIDE_PX,
            label_width=style["description_width"])
        self.where = widgets.Dropdown(
            options=[("at the treated site", ""),
                     *((kb.site_name(site), site) for site in kb.sites)],
            value="", description="Local ones are on", style=style)
        self.age = widgets.BoundedIntText(35, min=0, max=110, description="Age (years)",
                                          style=style)
        self.weight_kg = widgets.BoundedIntText(65, min=0, max=250, description="Weight (kg)",
                                                style=style)
        self.systolic_bp = widgets.BoundedIntText(120, min=0, max=300, style=style,
                                                  description="BP systolic (mmHg)")
        self.diastolic_bp = widgets.BoundedIntText(80, min=0, max=200, style=style,
                                                   description="BP diastolic (mmHg)")
        self.bp_controlled = widgets.Dropdown(options=BP_CONTROLLED, value="unknown",
                                              description="BP controlled?", style=style)
        self.pregnant = widgets.Checkbox(False, description="Pregnant")
        self.skin_wet = widgets.Checkbox(False, description="Skin wet or damp")
        self.sun_exposure_planned = widgets.Checkbox(False, description="Sun or holiday ahead")
        self.lesion = widgets.Dropdown(options=[(LESION_LABELS[k], k) for k in LESION_KINDS],
                                       value="none", description="Lesion", style=style)
        self.intent = widgets.Dropdown(
            options=[("(nothing in particular)", ""),
                     *((i.name, code) for code, i in kb.intents.items())],
            value="", description="Client asks for", style=style, layout=_wide())
        self.request = widgets.Text("", description="In their words", style=style,
                                    continuous_update=False, layout=_wide(),
                                    placeholder="optional, e.g. remove my wart")
        self.output = widgets.HTML()
        self.summary = widgets.Label()
        self.decision: Decision | None = None
        self._quiet = False
        self._set_sites()
        self.modality.observe(self._on_modality, names="value")
        for control in self._controls():
            control.observe(self._update, names="value")
        form = widgets.VBox([self.modality, self.site, self.conditions, self.where, self.age,
                             self.weight_kg, self.systolic_bp, self.diastolic_bp,
                             self.bp_controlled, self.pregnant, self.skin_wet,
                             self.sun_exposure_planned, self.lesion, self.intent,
                             self.request])
        self.widget = widgets.VBox([form, self.summary, self.output])
        self._update()

    def _controls(self) -> list[widgets.ValueWidget]:
        return [self.site, self.conditions, self.where, self.age, self.weight_kg,
                self.systolic_bp, self.diastolic_bp, self.bp_controlled, self.pregnant,
                self.skin_wet, self.sun_exposure_planned, self.lesion, self.intent,
                self.request]

    def _set_sites(self) -> None:
        """Offer only the sites of the chosen modality (no screening while they change)."""
        self._quiet = True
        try:
            sites = load().modalities[self.modality.value].sites
            self.site.options = [(load().site_name(site), site) for site in sites]
            self.site.value = sites[0]
        finally:
            self._quiet = False

    def _on_modality(self, change: dict[str, Any]) -> None:
        self._set_sites()
        self._update()

    @property
    def intake(self) -> dict[str, Any]:
        """The form as a plain intake mapping (what screen() reads)."""
        kb = load()
        controlled = self.bp_controlled.value
        where = self.where.value or None
        conditions = {code: (where if kb.conditions[code].local else None)
                      for code in self.conditions.value}
        return {
            "conditions": conditions, "age": self.age.value,
            "weight_kg": self.weight_kg.value, "systolic_bp": self.systolic_bp.value,
            "diastolic_bp": self.diastolic_bp.value,
            "bp_controlled": None if controlled == "unknown" else controlled == "yes",
            "site": self.site.value, "pregnant": self.pregnant.value,
            "skin_wet": self.skin_wet.value,
            "sun_exposure_planned": self.sun_exposure_planned.value,
            "request": self.request.value.strip() or self.intent.value,
            "lesion": self.lesion.value,
        }

    @property
    def card(self) -> str:
        """The HTML currently shown."""
        return self.output.value

    def _update(self, change: dict[str, Any] | None = None) -> None:
        if self._quiet:
            return
        try:
            self.decision = screen(self.intake, self.modality.value)
        except (IntakeError, UnknownNameError) as problem:
            self.decision = None
            self.summary.value = "The form cannot be read yet."
            self.output.value = f"<p>✘ {escape(str(problem))}</p>"
            return
        self.summary.value = decision_summary(self.decision)
        self.output.value = decision_card(self.decision)

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)


# --------------------------------------------------------------------------- practice widget


class PracticeWidget:
    """Unlimited practice: a generated client, the trainee's two-part decision and findings.

    Set ``.seed.value`` (the same seed gives the same client) or click ``.new_client``; set
    ``.treatment.value``, ``.referral.value`` and ``.findings.value``; click ``.check``; read
    ``.score`` and ``.feedback.value``.
    """

    def __init__(self, seed: int | None = None) -> None:
        kb = load()
        self._random = random.Random()
        first = seed if seed is not None else self._random.randrange(1_000_000)
        self.seed = widgets.BoundedIntText(first, min=0, max=999_999, description="Client no.")
        self.new_client = widgets.Button(description="New client", icon="refresh")
        self.vignette = widgets.HTML()
        self.treatment = widgets.ToggleButtons(options=[(kb.treatments[code].name, code)
                                                        for code in TREATMENTS], value=None,
                                               description="Today")
        self.referral = widgets.Dropdown(
            options=[(w.name, code) for code, w in kb.referrals.items()],
            value=NO_REFERRAL, description="Referral", layout=_wide())
        self.findings = Checklist(_options(finding_names()), description="Findings", rows=10,
                                  width=WIDE_PX)
        self.check = widgets.Button(description="Check my answer", button_style="primary")
        self.feedback = widgets.HTML()
        self.client: Case = practice_client(first)
        self.score: ScreeningScore | None = None
        self.seed.observe(self._on_seed, names="value")
        self.new_client.on_click(self._on_new_client)
        self.check.on_click(self._on_check)
        self._show_client()
        self.widget = widgets.VBox([
            widgets.HBox([self.seed, self.new_client]), self.vignette,
            widgets.Label("1. Treatment today:"), self.treatment,
            widgets.Label("2. Referral (nobody, or who the client should see):"),
            self.referral,
            widgets.Label("Findings: tick every one that applies, or none."),
            self.findings, self.check, self.feedback,
        ])

    def _show_client(self) -> None:
        modality = load().modalities[self.client.modality]
        self.vignette.value = (f"<p><b>Client {self.seed.value}.</b> "
                               f"{escape(self.client.vignette)}</p>"
                               f"<p>Treatment asked for: <b>{escape(modality.name)}</b>.</p>")
        self.treatment.value = None
        self.referral.value = NO_REFERRAL
        self.findings.value = ()
        self.score = None
        self.feedback.value = "Choose the treatment today, the referral and the findings."

    def _on_seed(self, change: dict[str, Any]) -> None:
        self.client = practice_client(change["new"])
        self._show_client()

    def _on_new_client(self, button: widgets.Button) -> None:
        self.seed.value = self._random.randrange(1_000_000)

    def _on_check(self, button: widgets.Button) -> None:
        if self.treatment.value is None:
            self.feedback.value = "<p>○ Choose the treatment today first.</p>"
            return
        self.score = score_screening(self.client, self.treatment.value, self.referral.value,
                                     self.findings.value)
        self.feedback.value = score_html(self.score, self.client)

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)
