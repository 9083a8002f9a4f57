"""Per-trainee variants of assessment 05 (issue 19), without nbgrader: the blueprint holds for
thousands of ids, vignettes read like the authored ones, keys, marking against one's own
key, copied answers, synthetic trainees and the class report's per-template numbers."""

from __future__ import annotations

import multiprocessing
import random
import re
from collections import Counter

import pytest

from course.classroom.fairness import ClientMark
from course.classroom.report import ClassData, harder_templates, slot_means
from course.demo.synthetic_trainees import PROFILES, Trainee
from course.exercises import all_items
from course.exercises.screening_cases import (
    CASE_POINTS,
    case_item_id,
    variant_examples,
    variant_reference,
)
from course.facts.knowledge import NO_REFERRAL, load
from course.models.screening import finding_names
from course.models.variants import (
    ASSESSMENT,
    KEY_VARIABLE,
    SELF_STUDY_KEY,
    blueprint,
    draw,
    key_owner,
    marking_as,
    my_variant,
    trainee_key,
)
from course.storage.variant_keys import (
    SaltProblem,
    course_salt,
    hub_environment,
    key_for,
    new_salt,
)

SALT = "test-salt-0123456789"
IDS = [f"trainee{n}" for n in range(2000)]


def _variant(trainee: str):
    return draw(ASSESSMENT, trainee_key(SALT, trainee))


def _score(key: str, answers: dict[str, dict[str, object]]) -> float:
    """Points of a whole submission (per item answers) marked against ``key``'s variant."""
    items = all_items()
    with marking_as(key):
        return sum(items[item_id].score(values).fraction * CASE_POINTS
                   for item_id, values in answers.items())


def test_every_variant_of_two_thousand_ids_meets_the_blueprint():
    plan = blueprint(ASSESSMENT)
    slots = {slot.id: slot for slot in plan.slots}
    for trainee in IDS:
        variant = _variant(trainee)
        assert len(variant.clients) == len(plan.slots)
        assert sorted(c.slot for c in variant.clients) == sorted(slots)
        counts: Counter = Counter()
        for client in variant.clients:
            assert slots[client.slot].admits(client.case), (trainee, client.template)
            counts[client.case.treatment] += 1
            counts["referred"] += client.case.referral != NO_REFERRAL
            counts["must_not_miss"] += bool(client.case.must_not_miss)
        assert counts == Counter(plan.totals), trainee
        modalities = {client.case.modality for client in variant.clients}
        assert len(modalities) >= 4 and "cryosauna" in modalities, trainee
        names = [client.case.vignette.split(",")[0] for client in variant.clients]
        assert len(set(names)) == len(names), (trainee, names)


def test_every_template_is_drawn_and_slots_rotate_between_positions():
    templates: Counter = Counter()
    first_slot: Counter = Counter()
    for trainee in IDS[:600]:
        variant = _variant(trainee)
        templates.update(client.template for client in variant.clients)
        first_slot[variant.clients[0].slot] += 1
    pooled = {t for slot in blueprint(ASSESSMENT).slots for t in slot.templates}
    assert set(templates) == pooled
    assert len(first_slot) == len(blueprint(ASSESSMENT).slots)  # client 1 can be any kind


CODE_WORDS = re.compile(r"[a-z]+_[a-z_]+|\{|\}")
ANSWER_WORDS = ("refuse", "defer", "clearance", "contraindicat", "must not", "proceed",
                "modify", "finding")


def test_generated_vignettes_read_like_the_authored_ones():
    codes = set(finding_names())
    for trainee in IDS[:500]:
        for client in _variant(trainee).clients:
            if not client.template.startswith("g_"):
                continue
            text = client.case.vignette
            assert re.match(r"^[A-Z][a-z]+, \d\d, ", text), text  # "Name, age, ..."
            assert not CODE_WORDS.search(text), text
            assert not any(code in text for code in codes if "_" in code), text
            lowered = text.lower()
            assert not any(word in lowered for word in ANSWER_WORDS), text
            assert text.endswith((".", "'", "?")) and "  " not in text, text


def test_the_same_key_gives_the_same_clients_and_ids_differ():
    assert _variant("ana") == _variant("ana")
    demo_class = [_variant(f"student{n}") for n in range(12)]
    assert len({v.fingerprint for v in demo_class}) == 12
    assert len({tuple(c.case.vignette for c in v.clients) for v in demo_class}) == 12


def test_keys_need_the_salt_and_name_their_owner():
    key = trainee_key(SALT, "ana")
    assert key_owner(key) == "ana" and key_owner(SELF_STUDY_KEY) == ""
    assert trainee_key("another salt", "ana") != key
    assert trainee_key(SALT, "ben") != key
    assert SALT not in key


def test_kernel_draws_from_its_own_key(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    assert my_variant().key == SELF_STUDY_KEY
    key_file = tmp_path / ".cryocourse" / "variant-key"
    key_file.parent.mkdir()
    key_file.write_text(trainee_key(SALT, "ben") + "\n")
    assert my_variant() == _variant("ben")
    monkeypatch.setenv(KEY_VARIABLE, trainee_key(SALT, "ana"))
    assert my_variant() == _variant("ana")
    with marking_as(trainee_key(SALT, "cleo")):  # the marker's context wins
        assert my_variant() == _variant("cleo")


def test_salt_is_secret_created_once_and_replaced_for_a_new_cohort(tmp_path):
    salt = course_salt(tmp_path)
    path = tmp_path / ".variant-salt"
    assert path.stat().st_mode & 0o777 == 0o600 and len(salt) == 64
    assert course_salt(tmp_path) == salt
    before = key_for(tmp_path, "ana")
    new_salt(tmp_path)
    assert key_for(tmp_path, "ana") != before and course_salt(tmp_path) != salt


GRADERS_AT_ONCE = 6
TRIES = 15


def _first_use_of_salt(root, start, salts) -> None:
    start.wait(timeout=60)  # all at once, as grading workers do on a course's first run
    try:
        salts.put(course_salt(root))
    except Exception as problem:  # noqa: BLE001 - reported to the test
        salts.put(f"failed: {problem}")


def test_graders_using_a_new_salt_at_once_all_read_the_same_one(tmp_path):
    """Issue 31: six processes creating the salt at the same moment once ended with different
    salts (truncate, then write; an empty file read as 'make a new one')."""
    context = multiprocessing.get_context("fork")
    for attempt in range(TRIES):
        root = tmp_path / f"course{attempt}"
        root.mkdir()
        start, salts = context.Barrier(GRADERS_AT_ONCE), context.Queue()
        graders = [context.Process(target=_first_use_of_salt, args=(root, start, salts))
                   for _ in range(GRADERS_AT_ONCE)]
        for grader in graders:
            grader.start()
        seen = [salts.get(timeout=60) for _ in graders]
        for grader in graders:
            grader.join(timeout=60)
        assert len(set(seen)) == 1 and len(seen[0]) == 64, (attempt, seen)
        assert course_salt(root) == seen[0]
        assert [p.name for p in root.iterdir()] == [".variant-salt"]  # no temporary left


@pytest.mark.parametrize("content", ["", "\n", "3f2a", "not a salt at all"])
def test_an_empty_or_partial_salt_is_an_error_never_replaced(tmp_path, content):
    path = tmp_path / ".variant-salt"
    path.write_text(content)
    with pytest.raises(SaltProblem, match="never made in its place"):
        key_for(tmp_path, "ana")
    assert path.read_text() == content


def test_hub_gives_each_trainee_only_their_own_key(tmp_path):
    class User:
        name = "ana"

    class Spawner:
        user = User()

    environment = hub_environment(tmp_path)
    assert list(environment) == [KEY_VARIABLE]
    assert environment[KEY_VARIABLE](Spawner()) == key_for(tmp_path, "ana")


@pytest.mark.parametrize("trainee", random.Random(19).sample(IDS, 50))
def test_graders_both_ways_on_a_random_id(trainee):
    """Reference full marks, blank 0, each known-wrong answer and alternative its fraction."""
    key = trainee_key(SALT, trainee)
    variant = draw(ASSESSMENT, key)
    items = all_items()
    reference = variant_reference(variant)
    with marking_as(key):
        for item_id, values in reference.items():
            item = items[item_id]
            assert item.score(values).fraction == 1, (trainee, item_id)
            assert item.score({}).fraction == 0
            wrong, accepted = variant_examples(variant)[item_id]
            assert wrong
            for example in (*wrong, *accepted):
                assert item.score(example.answers).fraction == pytest.approx(
                    example.fraction), (trainee, item_id, example)


def test_copied_answers_lose_at_least_half():
    full = CASE_POINTS * len(blueprint(ASSESSMENT).slots)
    shares = []
    for index in range(0, 400, 2):
        source, copier = IDS[index], IDS[index + 1]
        copied = variant_reference(_variant(source))
        shares.append(_score(trainee_key(SALT, copier), copied) / full)
    assert max(shares) <= 0.5, max(shares)
    assert sum(shares) / len(shares) < 0.3


def test_synthetic_trainees_earn_their_expected_scores_on_their_own_variants():
    items = [all_items()[case_item_id(n)] for n in range(1, len(blueprint().slots) + 1)]
    means = {}
    for profile in PROFILES:
        totals = []
        for number in range(40):
            trainee = Trainee(f"{profile}{number}", profile, seed=3)
            key = trainee_key(SALT, trainee.student_id)
            with marking_as(key):
                answers = {item.id: trainee.answer(item) for item in items}
                expected = sum(a.fraction for a in answers.values())
                earned = sum(item.score(answers[item.id].values).fraction for item in items
                             if answers[item.id].values is not None)
            assert earned == pytest.approx(expected)
            totals.append(earned / len(items))
        means[profile] = sum(totals) / len(totals)
    assert means["strong"] > means["average"] > means["weak"]
    assert means["strong"] >= 0.85 and means["strong"] - means["weak"] >= 0.15


def test_report_flags_a_template_markedly_harder_than_its_slot():
    data = ClassData(ASSESSMENT)
    for n in range(6):
        data.clients.append(ClientMark(f"s{n}", 1, "cold_disorder", "c02", "c02", 1.0))
        data.clients.append(ClientMark(f"t{n}", 1, "cold_disorder", "g_cold_disorder",
                                       f"g{n}", 0.2))
        data.clients.append(ClientMark(f"s{n}", 2, "sun_ahead", "c38", "c38", 0.8))
    assert slot_means(data)["cold_disorder"] == pytest.approx(0.6)
    assert [s.template for s in harder_templates(data)] == ["g_cold_disorder"]


def test_every_slot_template_reads_a_modality_the_course_knows():
    kb = load()
    for trainee in IDS[:50]:
        for client in _variant(trainee).clients:
            assert client.case.modality in kb.modalities


def test_lesson_04_practice_clients_share_the_generator():
    from course.models.variants import practice_client

    assert practice_client(7) == practice_client(7)
    clients = [practice_client(seed) for seed in range(60)]
    from_templates = [c for c in clients if c.vignette[:1].isupper() and "asks for" not in
                      c.vignette[:40] and "The form lists" not in c.vignette]
    assert len(from_templates) >= 25 and len({c.vignette for c in clients}) >= 50
    for client in clients:
        assert client.treatment in load().treatments
