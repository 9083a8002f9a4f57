"""Fairness of per-trainee variants: was one trainee's set of clients harder than another's?

Pure functions over one row per client marked (``ClientMark``: whose set, the client's
position, slot, template and identity, the share of its points earned). The class report
(``course.classroom.report``) shows what they compute for an assessment with variants.

The rule for "harder than the class beyond chance" (``set_difficulty``), per trainee, from
the *other* trainees' scores only (so a trainee's own answers never make their set look hard):

* each client of the set whose template at least one other trainee drew contributes the gap
  between the others' mean score on that template and the others' mean score on its slot
  (every set has one client per slot, so the slot's mean is what a typical set earns there);
* the set's gap is the sum, in points; its standard error treats each template mean as a
  mean of ``n`` draws from the slot's spread among the others: sqrt(sum(var_slot / n));
* z = gap / standard error; a set is flagged when z <= -2 (one-sided: under a normal
  approximation about 2 % of fair sets are flagged by chance).

Two trainees share a client when the same person (same template, vignette and treatment
asked for) is in the same position of both sets (``shared_clients``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations
from statistics import fmean, variance

Z_HARDER = -2.0  # z at or below this: the set is harder than the class beyond chance
RULE = ("A trainee's set is flagged as harder when its expected score, from the other "
        "trainees' mean score on each of its client templates, is below that of a typical set "
        "(each slot at the other trainees' mean for the slot) by 2 or more standard errors "
        "(z <= -2; the standard error of a template's mean is the slot's spread among the "
        "other trainees over the square root of how many of them drew the template). "
        "One-sided: about 2 % of fair sets are flagged by chance.")


@dataclass(frozen=True)
class ClientMark:
    """How one trainee did on one client of their own set."""

    student: str
    number: int  # the client's position in the set (1-based, as the notebook numbers them)
    slot: str
    template: str
    client: str  # the client's identity: the same person in two sets has the same one
    fraction: float  # share of the client's points earned


def means_by(marks: Iterable[ClientMark], key: Callable[[ClientMark], str]
             ) -> dict[str, float]:
    """Mean fraction per group (template, slot, student, ...)."""
    groups: dict[str, list[float]] = {}
    for mark in marks:
        groups.setdefault(key(mark), []).append(mark.fraction)
    return {name: fmean(values) for name, values in groups.items()}


def template_means(marks: Iterable[ClientMark]) -> dict[str, float]:
    """Mean share of the points earned on each client template, over the class."""
    return means_by(marks, lambda mark: mark.template)


def slot_means(marks: Iterable[ClientMark]) -> dict[str, float]:
    """Mean share of the points earned on each blueprint slot, over the class."""
    return means_by(marks, lambda mark: mark.slot)


@dataclass(frozen=True)
class SetDifficulty:
    """How one trainee's set compares with a typical set (points; negative: harder)."""

    student: str
    gap: float  # expected points of this set minus those of a typical set
    standard_error: float
    z: float
    compared: int  # clients whose template another trainee drew (the evidence)

    @property
    def harder(self) -> bool:
        return self.z <= Z_HARDER


def set_difficulty(marks: list[ClientMark], points_per_client: float) -> list[SetDifficulty]:
    """Each trainee's set against the class, by the rule in this module's docstring."""
    students = sorted({mark.student for mark in marks})
    results = []
    for student in students:
        others = [m for m in marks if m.student != student]
        gap = var = 0.0
        compared = 0
        for client in (m for m in marks if m.student == student):
            on_template = [m.fraction for m in others if m.template == client.template]
            on_slot = [m.fraction for m in others if m.slot == client.slot]
            if not on_template or len(on_slot) < 2:
                continue
            gap += fmean(on_template) - fmean(on_slot)
            var += variance(on_slot) / len(on_template)
            compared += 1
        error = points_per_client * math.sqrt(var)
        gap *= points_per_client
        z = gap / error if error > 0 else 0.0
        results.append(SetDifficulty(student, gap, error, z, compared))
    return results


@dataclass(frozen=True)
class SharedPair:
    """Two trainees who met the same client in the same position(s)."""

    first: str
    second: str
    positions: tuple[int, ...]


def shared_clients(marks: Iterable[ClientMark]) -> list[SharedPair]:
    """Every pair of trainees sharing at least one client in the same position."""
    sets: dict[str, dict[int, str]] = {}
    for mark in marks:
        sets.setdefault(mark.student, {})[mark.number] = mark.client
    pairs = []
    for first, second in combinations(sorted(sets), 2):
        same = tuple(sorted(number for number, client in sets[first].items()
                            if sets[second].get(number) == client))
        if same:
            pairs.append(SharedPair(first, second, same))
    return pairs


def pair_count(students: int) -> int:
    """How many pairs a class of ``students`` has."""
    return students * (students - 1) // 2
