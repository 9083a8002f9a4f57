"""The class report's fairness section on a demo class of assessment 05, checked by hand.

A demo class (``cryocourse demo``'s builder: 6 synthetic trainees through the real exchange,
graded by real nbgrader in the sandbox) is reported on; the section's numbers are worked
out here again from the gradebook's own scores and each trainee's drawn clients, with plain
loops, and must agree with what the report computed and printed.
"""

from __future__ import annotations

import math
from itertools import combinations
from statistics import fmean, variance

import pytest
from nbgrader.api import Gradebook

from course.classroom.fairness import set_difficulty, shared_clients
from course.classroom.report import gather
from course.demo.class_demo import build_demo
from course.exercises.screening_cases import CASE_POINTS, case_item_id
from course.models.variants import ASSESSMENT, draw
from course.sandbox.provisioner import sandbox_status
from course.storage.variant_keys import key_for

pytestmark = [pytest.mark.nbgrader,
              pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1])]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("fair") / "class", 6, seed=5,
                      assignments=[ASSESSMENT], workers=2)


def _by_hand(root):
    """(student, position, slot, template, identity, fraction) from the gradebook's scores."""
    rows = []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for submission in gradebook.find_assignment(ASSESSMENT).submissions:
            scores = {g.name: (g.score, g.max_score)
                      for nb in submission.notebooks for g in nb.grades}
            variant = draw(ASSESSMENT, key_for(root, submission.student_id))
            for client in variant.clients:
                score, points = scores[case_item_id(client.number)]
                rows.append((submission.student_id, client.number, client.slot,
                             client.template, client.identity, score / points))
    return rows


def test_the_fairness_numbers_agree_with_a_hand_calculation(demo):
    rows = _by_hand(demo.root)
    data = gather(demo.root, ASSESSMENT)
    assert sorted((c.student, c.number, c.slot, c.template, c.client,
                   round(c.fraction, 6)) for c in data.clients) == sorted(
        (*row[:5], round(row[5], 6)) for row in rows)
    computed = {s.student: s for s in set_difficulty(data.clients, CASE_POINTS)}
    students = sorted({row[0] for row in rows})
    assert sorted(computed) == students
    for student in students:
        gap = var = 0.0
        for _, _, slot, template, _, _ in (r for r in rows if r[0] == student):
            same = [r[5] for r in rows if r[0] != student and r[3] == template]
            slot_scores = [r[5] for r in rows if r[0] != student and r[2] == slot]
            if same and len(slot_scores) > 1:
                gap += fmean(same) - fmean(slot_scores)
                var += variance(slot_scores) / len(same)
        gap, error = CASE_POINTS * gap, CASE_POINTS * math.sqrt(var)
        assert computed[student].gap == pytest.approx(gap)
        assert computed[student].standard_error == pytest.approx(error)
        assert computed[student].harder == (error > 0 and gap / error <= -2)
    sets = {s: {r[1]: r[4] for r in rows if r[0] == s} for s in students}
    expected_pairs = [(a, b) for a, b in combinations(students, 2)
                      if any(sets[a][n] == sets[b][n] for n in sets[a])]
    assert [(p.first, p.second) for p in shared_clients(data.clients)] == expected_pairs


def test_the_report_prints_the_fairness_section(demo):
    page = demo.reports[ASSESSMENT].read_text()
    data = gather(demo.root, ASSESSMENT)
    assert "<h2>Fairness of the variants</h2>" in page and "z &lt;= -2" in page
    for s in set_difficulty(data.clients, CASE_POINTS):
        assert (f"<td>{s.student}</td><td>{s.compared}</td><td>{s.gap:+.2f}</td>"
                f"<td>{s.standard_error:.2f}</td><td>{s.z:+.2f}</td>") in page
    pairs = shared_clients(data.clients)
    assert f"{len(pairs)} of 15 pairs" in page
