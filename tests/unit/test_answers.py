"""Answer checking for non-programmers: three outcomes, plain messages, no tricks."""

import pytest

from course.checks import check, grade, hint
from course.questions.kinds import (
    NONE_WORDS,
    AnswerFormatError,
    Choice,
    Item,
    Names,
    NotPlainValue,
    Number,
    Wrong,
    YesNo,
    answers_in_source,
)

DECISION = Choice(("refuse", "refer", "clearance", "defer", "modify", "proceed"))
CONDITIONS = Names(lambda: {"epilepsy": "epilepsy", "Raynaud's": "raynauds",
                            "raynauds": "raynauds", "rosacea": "rosacea"}, "condition")


def _item(**kwargs):
    base = dict(id="demo", answers={"decision": DECISION}, expected=lambda: {"decision": "defer"})
    base.update(kwargs)
    return Item(**base)


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class SneakyStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


class SneakyList(list):
    def __eq__(self, other):
        return True


def test_three_outcomes():
    item = _item()
    assert item.score({"decision": "defer"}).status == "correct"
    assert item.score({"decision": "proceed"}).status == "incorrect"
    assert item.score({"decision": ...}).status == "not attempted"


def test_typo_gets_did_you_mean():
    with pytest.raises(AnswerFormatError, match="did you mean 'defer'"):
        DECISION.normalise("decision", "defr")
    score = _item().score({"decision": "defr"})
    assert score.status == "malformed" and "one of: refuse, refer" in score.message


def test_case_and_aliases_are_forgiven():
    assert CONDITIONS.normalise("c", ["RAYNAUD'S", "Epilepsy"]) == ("epilepsy", "raynauds")
    assert DECISION.normalise("d", " Defer ".strip()) == "defer"


def test_numbers_need_no_quotes_and_a_plausible_range():
    minutes = Number("minutes", 0, 60, whole=True)
    assert minutes.normalise("m", 3) == 3.0
    with pytest.raises(AnswerFormatError, match="without quotes"):
        minutes.normalise("m", "3")
    with pytest.raises(AnswerFormatError, match="whole number"):
        minutes.normalise("m", 2.5)
    with pytest.raises(AnswerFormatError, match="outside the range"):
        minutes.normalise("m", 180)
    with pytest.raises(AnswerFormatError):
        minutes.normalise("m", True)


def test_yes_no():
    assert YesNo().normalise("x", "yes") is True
    with pytest.raises(AnswerFormatError, match="True or False"):
        YesNo().normalise("x", 1)


@pytest.mark.parametrize("cheat", [AlwaysEqual(), SneakyStr("proceed")])
def test_objects_that_always_compare_equal_earn_nothing(cheat):
    assert _item().score({"decision": cheat}).fraction == 0


def test_list_subclass_earns_nothing():
    item = _item(answers={"found": CONDITIONS}, expected=lambda: {"found": ["epilepsy"]})
    assert item.score({"found": SneakyList(["rosacea"])}).fraction == 0
    assert item.score({"found": ["epilepsy"]}).fraction == 1


def test_grade_raises_with_a_plain_message_and_returns_points(monkeypatch):
    from course import exercises

    item = _item(points=2)
    monkeypatch.setitem(exercises.all_items(), "demo", item)
    assert grade("demo", decision="defer") == 2
    with pytest.raises(AssertionError, match="Not correct"):
        grade("demo", decision="refuse")


def test_graded_check_reveals_form_only_practice_check_reveals_correctness(monkeypatch):
    from course import exercises

    monkeypatch.setitem(exercises.all_items(), "demo", _item())
    assert check("demo", decision="refuse").status == "well formed"
    practice = _item(id="practice", graded=False, hints=("one", "two"), explanation="Because.")
    monkeypatch.setitem(exercises.all_items(), "practice", practice)
    assert check("practice", decision="refuse").status == "incorrect"
    assert "Correct! Because." in repr(check("practice", decision="defer"))
    assert "Hint 1 of 2: one (Run this cell again for hint 2.)" in repr(hint("practice"))
    assert "Hint 2 of 2: two (That was the last hint" in repr(hint("practice"))
    # the hints cycle: a Run All that showed hint 1 never leaves the cell stuck on the last
    assert "Hint 1 of 2: one" in repr(hint("practice"))


def test_unknown_question_id_suggests_the_closest():
    from course.exercises import UnknownItemError

    with pytest.raises(UnknownItemError, match="Did you mean"):
        check("orientation_decision_herpez", decision="defer")


def test_answers_are_read_from_text_without_running_it():
    source = 'decision = ...\ndecision = "defer"\nminutes = 2 + 1\nx = open("/etc/passwd")'
    found = answers_in_source(source, ["decision", "minutes", "x"])
    assert found["decision"] == "defer" and found["minutes"] == 3
    assert isinstance(found["x"], NotPlainValue)


def test_computed_answer_is_explained_not_marked():
    found = answers_in_source("decision = choose()", ["decision"])
    score = _item().score(found)
    assert score.fraction == 0 and "plain value" in score.message


def test_wrong_examples_are_declared_with_expected_fractions():
    item = _item(wrong=(Wrong({"decision": "proceed"}),))
    for wrong in item.wrong:
        assert item.score(wrong.answers).fraction == wrong.fraction


def test_format_messages_show_the_fix_in_the_trainees_own_words():
    names = Names(lambda: {"C": "C", "F": "F"}, "line")
    with pytest.raises(AnswerFormatError, match=r'like \["C", "F"\] \(or \[\] for none\)'):
        names.normalise("wrong_lines", "C, F")
    with pytest.raises(AnswerFormatError, match=r"decimals use a point, like `peak_flow = 1.8`"):
        Number("times resting", 0, 10).normalise("peak_flow", (1, 8))
    with pytest.raises(AnswerFormatError, match='like "A"'):
        Choice(("A", "B")).normalise("wrong_line", ["A"])


@pytest.mark.parametrize("none", [None, "none", "None", "nothing", ["none"], [], ("none",)])
def test_no_findings_is_understood_however_it_is_written(none):
    assert CONDITIONS.normalise("findings", none) == ()


@pytest.mark.parametrize("word", sorted(NONE_WORDS))
def test_every_none_word_the_course_lists_is_accepted(word):
    """Issue 31: "n/a" is listed but once folded to "n a" and was refused."""
    for written in (word, word.upper(), f" {word} ", [word], (word.title(),)):
        assert CONDITIONS.normalise("findings", written) == ()
    assert CONDITIONS.normalise("findings", [word, "rosacea"]) == ("rosacea",)


@pytest.mark.parametrize("nothing", ["?", "", "  ", "...", "!!", "\u00af\\_(\u30c4)_/\u00af",
                                     "\U0001f937", "\u2014", ["?"], ["rosacea", "?"], [""]])
def test_a_text_that_names_nothing_is_malformed_never_none(nothing):
    """Issue 31: "?" or a shrug folded to the empty word, a "none" word, and earned the part."""
    with pytest.raises(AnswerFormatError, match="names no condition"):
        CONDITIONS.normalise("findings", nothing)


def test_no_findings_is_refused_where_at_least_one_is_needed_and_says_how():
    at_least_one = Names(CONDITIONS.vocabulary, "condition", allow_empty=False)
    with pytest.raises(AnswerFormatError, match=r'at least one condition, like \["epilepsy"\]'):
        at_least_one.normalise("physician_only", "none")
    assert "or [] for none" in CONDITIONS.describe()


@pytest.mark.parametrize(("source", "expected"), [
    ("decision = refuse", 'words go in quotes: `decision = "refuse"`'),
    ("decision = false", "capital letter"),
    ("decision = none", "write an empty list, `decision = []`"),
    ("decision = choose()", "not worked out with code"),
])
def test_a_word_without_quotes_is_explained_as_such(source, expected):
    found = answers_in_source(source, ["decision"])
    assert expected in str(found["decision"])


def test_a_cell_python_cannot_read_is_judged_not_an_earlier_value():
    from course.questions.reader import answers_in_cells

    found = answers_in_cells(['decision = "proceed"', 'decision = "defer\n'],
                             ["decision", "other"])
    assert set(found) == {"decision"}
    assert "did not run" in str(found["decision"])
    assert "Python could not read" in str(found["decision"])
    assert answers_in_cells(['decision = "proceed"', "x = ("], ["decision"]) == {
        "decision": "proceed"}


def test_a_partly_right_answer_says_which_part_was_right_and_which_was_not():
    item = _item(answers={"decision": DECISION, "found": CONDITIONS},
                 expected=lambda: {"decision": "defer", "found": ["epilepsy", "rosacea"]})
    score = item.score({"decision": "defer", "found": ["Raynaud's", "epilepsy"]})
    assert score.fraction == 0.5 and score.status == "partly correct"
    assert score.message == ("Right: decision. Not correct: found. In found: Right: "
                             "epilepsy. Should not be there: Raynaud's. Missing: 1 more "
                             "condition.")


def test_a_reason_may_be_read_from_the_data_when_it_is_needed():
    read = []
    item = _item(explanation=lambda: read.append(1) or "Because  the\n data says so.")
    assert not read
    assert item.reason() == "Because the data says so." and read == [1]
    assert _item(explanation="Plain.").reason() == "Plain." and _item().reason() == ""
