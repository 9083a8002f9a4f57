"""Practical competence shown as HTML: a trainee's handed-in sessions with what each one flags,
and their progress per unit with what is still missing (the assessor's form and the practice
log's feedback page show the same tables)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from course.models.competence import TraineeProgress
from course.models.practice_log import EntryReview


def _counts(session: EntryReview) -> str:
    if session.counts:
        return ("counts (treated)" if session.entry.treated else
                "counts as screening only (nothing treated)")
    if session.awaiting:
        return "not yet: waiting for " + escape(session.awaiting)
    return "does not count"


def log_html(sessions: Sequence[EntryReview], unreadable: Sequence[str] = ()) -> str:
    """A trainee's handed-in sessions with what each one flags."""
    if not sessions and not unreadable:
        return "<p>No practice log handed in yet.</p>"
    rows = "".join(
        f"<tr><td>{escape(s.entry.client_code)}</td><td>{s.entry.day}</td>"
        f"<td>{escape(s.entry.modality.replace('_', ' '))}</td>"
        f"<td>{escape(s.entry.supervisor) or 'none named'}</td><td>{_counts(s)}</td>"
        f"<td>{'<br>'.join(escape(f) for f in s.flags) or 'agrees with the rules'}</td></tr>"
        for s in sessions)
    bad = "".join(f"<li>{escape(p)}</li>" for p in unreadable)
    return ('<table><caption>Practice log as handed in</caption><tr><th scope="col">Client'
            '</th><th scope="col">Date</th><th scope="col">Treatment</th><th scope="col">'
            'Supervisor</th><th scope="col">Counts?</th><th scope="col">What the course\'s '
            "rules say</th></tr>"
            f"{rows}</table>" + (f"<p>Entries that could not be read:</p><ul>{bad}</ul>"
                                 if bad else ""))


def progress_html(result: TraineeProgress) -> str:
    """One trainee's progress per unit, with what is still missing."""
    rows = "".join(
        f"<tr><td>{escape(u.unit.title)}</td>"
        f"<td>{'achieved' if u.achieved else 'not yet'}</td>"
        f"<td>{sum(c.met for c in u.criteria)} of {len(u.criteria)}</td>"
        f"<td>{u.sessions_counted} of {u.unit.min_sessions} treated; {u.screenings_counted} "
        f"in all</td><td>{u.minutes / 60:.1f}</td>"
        f"<td>{'<br>'.join(escape(m) for m in u.missing())}</td></tr>" for u in result.units)
    return (f'<table><caption>Progress of {escape(result.trainee)}</caption><tr>'
            '<th scope="col">Unit</th><th scope="col">State</th><th scope="col">Criteria met'
            '</th><th scope="col">Sessions</th><th scope="col">Hours</th><th scope="col">'
            f"Still needed</th></tr>{rows}</table>")
