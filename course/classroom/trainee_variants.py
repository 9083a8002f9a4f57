"""Each trainee's own clients, seen from the course side (``cryocourse variant``): one
trainee's set (with the reference answers and key if asked), a new salt for a new cohort,
and a class seated so that no two trainees share a client in a position.
"""

from __future__ import annotations

from pathlib import Path

from course.storage.course_folder import CourseError, require_assignment


def new_salt_message(root: Path, *, confirmed: bool) -> str:
    """Replace the course's salt (only when ``confirmed``: every trainee gets new clients)."""
    from course.storage.variant_keys import new_salt

    if not confirmed:
        raise CourseError("A new salt gives every trainee new clients, and submissions "
                          "already made would be marked against clients the trainees "
                          "never saw. Do it between cohorts, then run: "
                          "cryocourse variant --new-salt --yes")
    return (f"New salt written to {new_salt(root)} (owner-only). Every trainee now has new "
            "clients; restart the trainees' servers so they receive their new keys.")


def seat_class_message(root: Path, class_list: Path) -> str:
    """Seat the trainees of ``class_list`` (one id a line): no client shared in a position."""
    from course.classroom.variant_seats import roster, seat_class
    from course.storage.variant_keys import seats_path

    table = seat_class(root, roster(class_list))
    moved = sum(1 for number in table.values() if number)
    return (f"{len(table)} trainees seated ({moved} with another draw): no two share a "
            f"client in the same position. Table: {seats_path(root)}. Release it with "
            "the assessment before trainees fetch it: cryocourse release "
            "05-screening-cases --force")


def variant_lines(root: Path, trainee: str | None, assignment: str, *, answers: bool = False,
                  show_key: bool = False) -> list[str]:
    """A trainee's clients in ``assignment`` (with the reference answers if ``answers``, the
    trainee's personal key if ``show_key``)."""
    from course.models.variants import blueprint, draw, has_variants
    from course.storage.variant_keys import assessment_key, key_for, salt_path

    if not trainee:
        raise CourseError("Name a trainee: cryocourse variant TRAINEE 05-screening-cases")
    assignment = require_assignment(root, assignment)
    if not has_variants(assignment):
        raise CourseError(f"{assignment} is the same for every trainee (no variants); "
                          "only assessments with a blueprint in course/data/variants.toml have.")
    key = key_for(root, trainee)
    variant = draw(assignment, assessment_key(root, assignment, trainee))
    lines = [f"{blueprint(assignment).title}: the clients of {trainee} (set "
             f"{variant.fingerprint}; salt in {salt_path(root)})"]
    if show_key:
        lines.append("Personal key (for ~/.cryocourse/variant-key on a machine without the "
                     f"hub): {key}")
    for client in variant.clients:
        case = client.case
        lines.append(f"\n{client.number:>2}. [{client.slot} / {client.template}] "
                     f"{case.vignette}")
        lines.append(f"    Treatment asked for: {case.modality}")
        if answers:
            lines.append(f"    Reference: treatment {case.treatment}, referral "
                         f"{case.referral}, findings {list(case.findings)}"
                         + (f", must not miss {list(case.must_not_miss)}"
                            if case.must_not_miss else ""))
    return lines
