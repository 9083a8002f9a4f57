"""Statements of achievement: issued per unit, only on complete evidence, verifiable, never
editable.

A statement lists exactly the units achieved (a school that cannot offer a modality issues
the others; a unit without all its evidence is never listed), the evidence behind each
criterion (the course items with full marks, the assessor's sign-off with its date and any
verifier's countersignature), the attested sessions, the range covered, the certificates
seen, and a verification code: an HMAC of the statement's content
with the course's statement key (``.cryocourse/competence/statement-key``, course account
only). Issued statements are registered (``.cryocourse/competence/statements/CODE.json``);
``verify(code)`` says whether this course issued it, ``verify_file(html)`` whether a copy
was altered. The HTML is the accessible form (headings, a table per unit, no script); the
PDF is a printable copy of the same text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from course.facts.competencies import competency_map
from course.facts.knowledge import load
from course.models.competence import TraineeProgress
from course.storage.competence_record import FOLDER
from course.storage.course_folder import STATE_DIR
from course.storage.secrets import read_or_create

DATA_MARK = "cryocourse-statement"
REFER_SCOPE = ("A physician's procedure in this course: this unit certifies that the trainee "
               "recognises a request for it and refers the client. It does not certify that "
               "they may or can perform it.")


class StatementRefused(ValueError):
    """A statement that cannot be issued: the message lists what evidence is missing."""


@dataclass(frozen=True)
class Verification:
    """The answer to "was this statement issued by this course, unaltered?"."""

    valid: bool
    message: str
    statement: dict[str, Any] | None = None


def _folder(root: Path) -> Path:
    return root / STATE_DIR / FOLDER


def _code(root: Path, content: dict[str, Any]) -> str:
    key = bytes.fromhex(read_or_create(_folder(root) / "statement-key", "the statement key"))
    digest = hmac.new(key, _canonical(content), hashlib.sha256).digest()
    letters = base64.b32encode(digest).decode("ascii")[:20]
    return "-".join(letters[i:i + 4] for i in range(0, 20, 4))


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def statement_content(result: TraineeProgress, name: str, course: str,
                      units: Sequence[str] | None = None) -> dict[str, Any]:
    """What a statement says, as data: the units achieved (or those of ``units``, each of
    which must be achieved); refused when no unit is, listing what is missing."""
    chosen = [u for u in result.units if units is None or u.unit.code in units]
    unknown = sorted(set(units or ()) - {u.unit.code for u in result.units})
    if unknown:
        raise StatementRefused(f"Unknown units {', '.join(unknown)}: one of "
                               + ", ".join(u.unit.code for u in result.units))
    lacking = [u for u in chosen if not u.achieved]
    if (units is not None and lacking) or not any(u.achieved for u in chosen):
        gaps = [f"{u.unit.code}: {gap}" for u in lacking for gap in u.missing()]
        raise StatementRefused(f"No statement for {result.trainee}: evidence is missing. "
                               + " | ".join(gaps))
    knowledge = load()
    policy = competency_map()
    listed = []
    for unit in (u for u in chosen if u.achieved):
        criteria = []
        for criterion in unit.criteria:
            signed = criterion.sign_off
            criteria.append({
                "criterion": criterion.text,
                "knowledge": list(criterion.knowledge_items),
                "observed": None if signed is None else {
                    "assessor": signed.assessor, "date": f"{signed.at:%Y-%m-%d}",
                    "record_entry": signed.entry,
                    "verified_by": signed.countersigned_by or None},
            })
        listed.append({
            "unit": unit.unit.code, "title": unit.unit.title,
            "scope": REFER_SCOPE if unit.unit.recognise_and_refer else "",
            "sessions": unit.sessions_counted, "screenings": unit.screenings_counted,
            "hours": round(unit.minutes / 60, 1),
            "range": {unit.range_texts[code]: list(values)
                      for code, values in unit.range_covered.items()},
            "certificates": [{"certificate": policy.certificates[code].text,
                              "valid_until": held.valid_until.isoformat(),
                              "seen_by": held.assessor}
                             for code, held in unit.certificates.items() if held],
            "criteria": criteria})
    return {"course": course, "trainee": result.trainee, "name": name,
            "issued": datetime.now(UTC).isoformat(timespec="seconds"),
            "basis": "The criteria are the course's own, modelled on "
                     + ", ".join(knowledge.sources[s].authors for s in policy.modelled_on)
                     + ". Training record, not a licence: local law and the device's "
                       "instructions for use decide who may treat. It certifies the units "
                       "listed and nothing else.",
            "units": listed}


def issue(root: Path, result: TraineeProgress, name: str, course: str,
          units: Sequence[str] | None = None) -> tuple[str, dict]:
    """Issue and register a statement of the units achieved (or of ``units``); returns its
    code and content."""
    content = statement_content(result, name, course, units)
    code = _code(root, content)
    register = _folder(root) / "statements"
    register.mkdir(mode=0o700, parents=True, exist_ok=True)
    (register / f"{code}.json").write_text(_canonical(content).decode("utf-8"),
                                           encoding="utf-8")
    return code, content


def verify(root: Path, code: str) -> Verification:
    """Whether ``code`` is a statement this course issued, and that its record is intact."""
    code = code.strip().upper()
    path = _folder(root) / "statements" / f"{code}.json"
    if not (len(code) == 24 and code.replace("-", "").isalnum()) or not path.is_file():
        return Verification(False, f"{code}: this course issued no statement with this code.")
    content = json.loads(path.read_text(encoding="utf-8"))
    if _code(root, content) != code:
        return Verification(False, f"{code}: the course's copy of this statement was altered.")
    return Verification(True, f"{code}: issued by {content['course']} to {content['name']} "
                              f"({content['trainee']}) on {content['issued'][:10]}.", content)


def verify_file(root: Path, page: Path) -> Verification:
    """Whether an HTML statement is, word for word, one this course issued."""
    text = page.read_text(encoding="utf-8", errors="replace")
    start = text.find(f'<pre id="{DATA_MARK}" hidden>')
    if start < 0:
        return Verification(False, f"{page.name} is not a statement of this course.")
    data = html.unescape(text[start:].split(">", 1)[1].split("</pre>", 1)[0])
    try:
        content = json.loads(data)
    except ValueError:
        return Verification(False, f"{page.name}: its data was altered.")
    code = _code(root, content)
    found = verify(root, code)
    if not found.valid:
        return Verification(False, f"{page.name} was altered or not issued by this course.")
    if render_html(code, content) != text:
        return Verification(False, f"{page.name} was altered after it was issued "
                                   f"(its data matches statement {code}, its text does not).")
    return found


def _sessions_line(unit: dict[str, Any]) -> str:
    """The practice behind a unit in one sentence (the HTML and the PDF say the same)."""
    if unit.get("scope"):
        return "Evidenced by knowledge: no practice is observed for a physician's procedure."
    parts = [f"{unit['sessions']} supervised treatment sessions counted, each attested by its "
             f"supervisor", f"{unit.get('screenings', unit['sessions'])} sessions in all "
             "including screening only", f"{unit['hours']} hours"]
    parts += [f"range: {text}: {', '.join(values)}"
              for text, values in unit.get("range", {}).items()]
    parts += [f"{c['certificate']}, valid until {c['valid_until']}, seen by {c['seen_by']}"
              for c in unit.get("certificates", [])]
    return "; ".join(parts) + "."


def render_html(code: str, content: dict[str, Any]) -> str:
    """The statement as an accessible page (no script, every value escaped)."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Statement of achievement: {e(content['name'])}</title>",
        "<style>body{font:16px/1.5 sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
        "color:#111}table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}"
        "th,td{border:1px solid #555;padding:.3em .5em;text-align:left;vertical-align:top}"
        "@media print{body{margin:0}}</style></head><body>",
        "<main>", "<h1>Statement of achievement</h1>",
        f"<p><strong>{e(content['name'])}</strong> ({e(content['trainee'])}) has shown the "
        f"evidence below for every criterion of each unit listed, in the course "
        f"{e(content['course'])}. Units not listed are not achieved.</p>",
        f"<p>Issued {e(content['issued'][:10])}. Verification code: "
        f"<strong>{e(code)}</strong> (check it with <code>cryocourse verify {e(code)}</code> "
        "or ask the school).</p>",
        f"<p>{e(content['basis'])}</p>",
    ]
    for unit in content["units"]:
        parts += [f"<h2>{e(unit['title'])}</h2>",
                  *([f"<p><strong>{e(unit['scope'])}</strong></p>"] if unit.get("scope")
                    else []),
                  f"<p>{e(_sessions_line(unit))}</p>",
                  f"<table><caption>Evidence for {e(unit['title'])}</caption>",
                  '<tr><th scope="col">Criterion</th><th scope="col">Knowledge (course '
                  'items with full marks)</th><th scope="col">Observed by</th></tr>']
        for criterion in unit["criteria"]:
            seen = criterion["observed"]
            observed = "not required" if seen is None else (
                f"{e(seen['assessor'])}, {e(seen['date'])} (record entry "
                f"{e(str(seen['record_entry']))})" + (f"; verified by {e(seen['verified_by'])}"
                                              if seen["verified_by"] else ""))
            parts.append(f"<tr><td>{e(criterion['criterion'])}</td>"
                         f"<td>{e(', '.join(criterion['knowledge'])) or 'not required'}</td>"
                         f"<td>{observed}</td></tr>")
        parts.append("</table>")
    data = html.escape(_canonical(content).decode("utf-8"))
    parts += ["</main>", f'<pre id="{DATA_MARK}" hidden>{data}</pre>', "</body></html>", ""]
    return "\n".join(parts)


def render_pdf(code: str, content: dict[str, Any], target: Path) -> None:
    """A printable PDF of the statement's text (A4 pages, the same words as the HTML)."""
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    lines = [f"Statement of achievement: {content['name']} ({content['trainee']})",
             f"Course {content['course']}, issued {content['issued'][:10]}",
             f"Verification code {code}", "", *textwrap.wrap(content["basis"], 90), ""]
    for unit in content["units"]:
        lines += [unit["title"], *textwrap.wrap(unit.get("scope", ""), 88,
                                                initial_indent="  ", subsequent_indent="  "),
                  *textwrap.wrap(_sessions_line(unit), 88, initial_indent="  ",
                                 subsequent_indent="  ")]
        for criterion in unit["criteria"]:
            seen = criterion["observed"]
            lines += textwrap.wrap("- " + criterion["criterion"], 88, subsequent_indent="  ")
            if seen:
                lines.append(f"    observed by {seen['assessor']} on {seen['date']}")
        lines.append("")
    per_page = 52
    with PdfPages(target, metadata={"Title": f"Statement of achievement: {content['name']}",
                                    "Subject": f"Verification code {code}"}) as pdf:
        for start in range(0, len(lines), per_page):
            figure = Figure(figsize=(8.27, 11.69))
            figure.text(0.07, 0.95, "\n".join(lines[start:start + per_page]), va="top",
                        family="DejaVu Sans", fontsize=9, linespacing=1.45)
            pdf.savefig(figure)
