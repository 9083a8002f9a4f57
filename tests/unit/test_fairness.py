"""Variant fairness (course/classroom/fairness.py) against numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from course.classroom.fairness import (
    ClientMark,
    pair_count,
    set_difficulty,
    shared_clients,
    slot_means,
    template_means,
)

# Three trainees, two slots. Slot S1 has templates t1 and t2, slot S2 template u.
SMALL = [
    ClientMark("A", 1, "S1", "t1", "t1", 1.0), ClientMark("A", 2, "S2", "u", "u-ana", 0.5),
    ClientMark("B", 1, "S1", "t1", "t1", 0.5), ClientMark("B", 2, "S2", "u", "u-ben", 1.0),
    ClientMark("C", 2, "S1", "t2", "t2", 0.0), ClientMark("C", 1, "S2", "u", "u-cleo", 0.5),
]


def test_means_per_template_and_slot_by_hand():
    assert template_means(SMALL) == {"t1": 0.75, "u": pytest.approx(2 / 3), "t2": 0.0}
    assert slot_means(SMALL) == {"S1": 0.5, "S2": pytest.approx(2 / 3)}


def test_set_difficulty_by_hand():
    by = {s.student: s for s in set_difficulty(SMALL, points_per_client=4)}
    # A: t1 others [0.5] vs S1 others [0.5, 0.0] (mean 0.25, variance 0.125, n 1): +0.25;
    #    u others [1.0, 0.5] vs S2 the same: 0, variance 0.125 / 2.
    a = by["A"]
    assert a.compared == 2
    assert a.gap == pytest.approx(4 * 0.25)
    assert a.standard_error == pytest.approx(4 * math.sqrt(0.125 + 0.0625))
    assert a.z == pytest.approx(1.0 / (4 * math.sqrt(0.1875)))
    # B: t1 others [1.0] vs S1 others [1.0, 0.0] (mean 0.5, variance 0.5): +0.5;
    #    u others [0.5, 0.5]: 0, variance 0.
    assert (by["B"].gap, by["B"].standard_error) == pytest.approx((2.0, 4 * math.sqrt(0.5)))
    # C: nobody else drew t2 (no evidence); u others [0.5, 1.0] equal S2's: gap 0.
    assert (by["C"].compared, by["C"].gap, by["C"].z) == (1, 0.0, 0.0)
    assert not any(s.harder for s in by.values())


def test_a_set_of_hard_templates_is_flagged_beyond_chance():
    marks = []
    for student, template, score in [("A", "h", 0.0), ("B", "h", 0.0), ("C", "h", 0.0),
                                     ("D", "e", 1.0), ("E", "e", 1.0), ("F", "e", 1.0)]:
        for slot in ("S1", "S2"):
            marks.append(ClientMark(student, int(slot[1]), slot, f"{template}{slot}",
                                    f"{student}{slot}", score))
    by = {s.student: s for s in set_difficulty(marks, points_per_client=4)}
    # A, per slot: template others [0, 0] (mean 0) vs slot others [0, 0, 1, 1, 1]
    # (mean 0.6, variance 1.2 / 4 = 0.3, over n = 2: 0.15); two slots: gap 4 * -1.2 = -4.8,
    # standard error 4 * sqrt(0.3) = 2.19; z = -2.19 <= -2.
    assert by["A"].gap == pytest.approx(-4.8)
    assert by["A"].standard_error == pytest.approx(4 * math.sqrt(0.3))
    assert by["A"].z == pytest.approx(-4.8 / (4 * math.sqrt(0.3)))
    assert [s.student for s in by.values() if s.harder] == ["A", "B", "C"]
    assert by["D"].z == pytest.approx(-by["A"].z)


def test_shared_clients_are_the_same_person_in_the_same_position():
    pairs = shared_clients(SMALL)
    assert [(p.first, p.second, p.positions) for p in pairs] == [("A", "B", (1,))]
    assert pair_count(3) == 3 and pair_count(1) == 0
