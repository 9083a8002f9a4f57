"""The answer controls trust only the course's declarations (issue 31).

A cell's ``metadata.cryocourse`` decides what its controls show and what a click writes into the
cell and runs. Generation writes it by a versioned schema
(course/questions/control_metadata.py); the extension (answer-controls/src/metadata.ts) shows
controls only for metadata that passes the same schema and rules, and both sides are held to one
list of cases here: every released cell passes, and every hostile form (a name carrying code,
a label that is not its value,
markup, an unknown kind or version, huge lists, another question's answers) is refused by
both. The browser test tests/browser/test_answer_controls.py shows the refusal on screen.
"""

from __future__ import annotations

import copy
import json

import pytest

from course.questions.control_metadata import SCHEMA_VERSION, problems, schema
from course.questions.kinds import Choice
from tests.nbgrader_harness import ASSIGNMENTS, REPO
from tests.unit.typescript_runner import run_typescript

CHOICE = {"name": "treatment", "kind": "choice", "options": ["refuse", "defer", "proceed"]}
YESNO = {"name": "is_medical_advice", "kind": "yesno"}
NUMBER = {"name": "more_minutes", "kind": "number", "unit": "minutes", "min": 0, "max": 240,
          "whole": True}
NAMES = {"name": "findings", "kind": "names", "label": "condition", "allow_empty": True,
         "options": [["epilepsy", "Epilepsy"], ["raynauds", "Raynaud's phenomenon"]]}
GOOD = {"schema_version": 1, "item": "case01", "answers": [CHOICE, YESNO, NUMBER, NAMES]}
GRADE_ID = "case01_answer"


def changed(path: tuple, value: object = None, *, drop: bool = False) -> dict:
    """GOOD with one field (a path of keys and indexes) set to ``value`` or removed."""
    meta = copy.deepcopy(GOOD)
    here = meta
    for key in path[:-1]:
        here = here[key]
    if drop:
        del here[path[-1]]
    else:
        here[path[-1]] = value
    return meta


def answer(index: int, **fields: object) -> dict:
    meta = copy.deepcopy(GOOD)
    meta["answers"][index].update(fields)
    return meta


HOSTILE: dict[str, tuple[object, object]] = {
    # answer names that would write (and run) more than an answer
    "name with a newline": (answer(0, name="treatment\nimport os"), GRADE_ID),
    "name with code after a newline": (answer(0, name='x = 1\n__import__("os").system("id")\nx'),
                                       GRADE_ID),
    "name with a semicolon": (answer(0, name="treatment; import os"), GRADE_ID),
    "name with a space": (answer(0, name="my treatment"), GRADE_ID),
    "name with an equals sign": (answer(0, name="treatment=1"), GRADE_ID),
    "name with a Cyrillic look-alike": (answer(0, name="treatm\u0435nt"), GRADE_ID),
    "name in full-width letters": (answer(0, name="\uff54reatment"), GRADE_ID),
    "name with a zero-width space": (answer(0, name="treat\u200bment"), GRADE_ID),
    "name in capitals": (answer(0, name="Treatment"), GRADE_ID),
    "name starting with a digit": (answer(0, name="1treatment"), GRADE_ID),
    "name that is a keyword": (answer(0, name="import"), GRADE_ID),
    "name that is another keyword": (answer(1, name="lambda"), GRADE_ID),
    "empty name": (answer(0, name=""), GRADE_ID),
    "very long name": (answer(0, name="a" * 65), GRADE_ID),
    "name not a string": (answer(0, name=["treatment"]), GRADE_ID),
    "name missing": (changed(("answers", 0, "name"), drop=True), GRADE_ID),
    "same name twice": (answer(1, name="treatment"), GRADE_ID),
    # labels where none may be given, or not plain text
    "choice name with HTML": (answer(0, options=[["refuse", "<b>Refuse</b>"], "defer"]),
                              GRADE_ID),
    "choice name with a newline": (answer(0, options=[["refuse", "Re\nfuse"], "defer"]),
                                   GRADE_ID),
    "choice with three parts": (answer(0, options=[["refuse", "Refuse", "x"], "defer"]),
                                GRADE_ID),
    "choice code closing its quotes": (answer(0, options=[['defer"; import os; "', "Defer"],
                                                          "refuse"]), GRADE_ID),
    "the same choice code twice with two names": (
        answer(0, options=[["refuse", "Refuse"], ["refuse", "Never"]]), GRADE_ID),
    "choice with a label field": (answer(0, label="proceed"), GRADE_ID),
    "yes/no with its own labels": (answer(1, options=[[True, "No"], [False, "Yes"]]), GRADE_ID),
    "number with a label": (answer(2, label="seconds"), GRADE_ID),
    # values and texts that are code, markup or invisible
    "choice value closing its quotes": (answer(0, options=['defer"; import os; "', "refuse"]),
                                        GRADE_ID),
    "choice value with a newline": (answer(0, options=["defer\nimport os", "refuse"]), GRADE_ID),
    "choice value with HTML": (answer(0, options=["<img src=x onerror=alert(1)>", "refuse"]),
                               GRADE_ID),
    "choice value with a backslash": (answer(0, options=["defer\\", "refuse"]), GRADE_ID),
    "choice value with a right-to-left override": (answer(0, options=["\u202erefuse", "defer"]),
                                                   GRADE_ID),
    "empty choice value": (answer(0, options=["", "refuse"]), GRADE_ID),
    "choice value not a string": (answer(0, options=[1, "refuse"]), GRADE_ID),
    "the same choice twice": (answer(0, options=["refuse", "refuse"]), GRADE_ID),
    "a single choice": (answer(0, options=["refuse"]), GRADE_ID),
    "checklist label with HTML": (answer(3, label="<script>alert(1)</script>"), GRADE_ID),
    "checklist option label with HTML": (
        answer(3, options=[["epilepsy", "<b onmouseover=alert(1)>Epilepsy</b>"]]), GRADE_ID),
    "checklist option label with an ampersand entity": (
        answer(3, options=[["epilepsy", "Epilepsy &lt;"]]), GRADE_ID),
    "checklist option label with a newline": (answer(3, options=[["epilepsy", "Epi\nlepsy"]]),
                                              GRADE_ID),
    "checklist option label with a zero-width joiner": (
        answer(3, options=[["epilepsy", "Epi\u200dlepsy"]]), GRADE_ID),
    "checklist code closing its quotes": (answer(3, options=[['a"]; import os; x = ["', "A"]]),
                                          GRADE_ID),
    "checklist code with a space": (answer(3, options=[["epi lepsy", "Epilepsy"]]), GRADE_ID),
    "checklist option with three parts": (answer(3, options=[["epilepsy", "Epilepsy", "x"]]),
                                          GRADE_ID),
    "checklist option with one part": (answer(3, options=[["epilepsy"]]), GRADE_ID),
    "the same checklist code twice": (
        answer(3, options=[["epilepsy", "Epilepsy"], ["epilepsy", "Rosacea"]]), GRADE_ID),
    "checklist allow_empty not a boolean": (answer(3, allow_empty="yes"), GRADE_ID),
    "unit with HTML": (answer(2, unit="<i>minutes</i>"), GRADE_ID),
    "unit with a newline": (answer(2, unit="minutes\nimport os"), GRADE_ID),
    "very long unit": (answer(2, unit="m" * 31), GRADE_ID),
    "min above max": (answer(2, min=10, max=5), GRADE_ID),
    "min as text": (answer(2, min="0"), GRADE_ID),
    "max far out of range": (answer(2, max=1e300), GRADE_ID),
    "whole not a boolean": (answer(2, whole=1), GRADE_ID),
    # huge lists
    "huge choice list": (answer(0, options=[f"option {i}" for i in range(21)]), GRADE_ID),
    "huge checklist": (answer(3, options=[[f"c{i}", f"Condition {i}"] for i in range(201)]),
                       GRADE_ID),
    "too many answers": (changed(("answers",), [dict(YESNO, name=f"a{i}") for i in range(9)]),
                         GRADE_ID),
    "very long label": (answer(3, options=[["epilepsy", "E" * 121]]), GRADE_ID),
    # unknown kinds, fields and versions
    "unknown kind": (answer(0, kind="script"), GRADE_ID),
    "kind missing": (changed(("answers", 0, "kind"), drop=True), GRADE_ID),
    "an unknown field in an answer": (answer(1, onclick="alert(1)"), GRADE_ID),
    "an unknown field in the cell": (changed(("html",), "<b>hi</b>"), GRADE_ID),
    "a prototype key": (json.loads('{"schema_version": 1, "item": "case01", "__proto__": '
                                   '{"x": 1}, "answers": [{"name": "a", "kind": "yesno"}]}'),
                        GRADE_ID),
    "schema version 2": (changed(("schema_version",), 2), GRADE_ID),
    "schema version 0": (changed(("schema_version",), 0), GRADE_ID),
    "schema version as text": (changed(("schema_version",), "1"), GRADE_ID),
    "schema version null": (changed(("schema_version",), None), GRADE_ID),
    "no answers": (changed(("answers",), []), GRADE_ID),
    "answers not a list": (changed(("answers",), {"0": CHOICE}), GRADE_ID),
    "an answer that is null": (changed(("answers", 1), None), GRADE_ID),
    "metadata a string": ("choice", GRADE_ID),
    "metadata a list": ([GOOD], GRADE_ID),
    "metadata null": (None, GRADE_ID),
    "metadata deeply nested": (changed(("answers", 0, "options"), [[[[[["x"]]]]]] * 2), GRADE_ID),
    "written with more fields": ({"schema_version": 1, "kind": "written", "item": "case01"},
                                 GRADE_ID),
    "written of another kind": ({"schema_version": 1, "kind": "script"}, GRADE_ID),
    # another question's answers
    "the answers of another question": (changed(("item",), "case02"), GRADE_ID),
    "no grade id": (GOOD, None),
    "grade id not a string": (GOOD, 7),
    "grade id of another cell": (GOOD, "case011_answer"),
    "item with a look-alike letter": (changed(("item",), "cas\u043501"), "cas\u043501_answer"),
}

ACCEPTED: dict[str, tuple[object, object]] = {
    "every kind": (GOOD, GRADE_ID),
    "released before the version was written": (changed(("schema_version",), drop=True),
                                                GRADE_ID),
    "a grade id without the suffix": (GOOD, "case01"),
    "written": ({"schema_version": 1, "kind": "written"}, "q4_written"),
    "checklist labels with punctuation": (
        answer(3, options=[["cold_urticaria", "Cold urticaria (hives from cold)"],
                           ["raynauds", "Raynaud's — secondary, 2°"]]), GRADE_ID),
    "choice words with spaces and capitals": (answer(0, options=["how it feels", "A", "B"]),
                                              GRADE_ID),
    # a button shows the data's plain name of the value it writes (as a checklist does)
    "choice with plain names": (answer(0, options=[["refuse", "Refuse"],
                                                   ["gp", "GP (the client's own doctor)"]]),
                                GRADE_ID),
}


def _released_cells():
    for assignment in ASSIGNMENTS:
        for path in sorted((REPO / "release" / assignment).glob("*.ipynb")):
            for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
                if "cryocourse" in cell["metadata"]:
                    yield cell["metadata"]["cryocourse"], cell["metadata"]["nbgrader"].get(
                        "grade_id")


RELEASED = list(_released_cells())
CASES = {**{f"refused: {k}": v for k, v in HOSTILE.items()},
         **{f"accepted: {k}": v for k, v in ACCEPTED.items()},
         **{f"released {gid}": (meta, gid) for meta, gid in RELEASED}}


@pytest.fixture(scope="module")
def extension_says() -> dict[str, dict]:
    results = run_typescript("metadata", [{"metadata": m, "grade_id": g}
                                          for m, g in CASES.values()])
    return dict(zip(CASES, results, strict=True))


def test_every_released_answer_cell_is_versioned_and_passes():
    assert len(RELEASED) > 50
    for meta, grade_id in RELEASED:
        assert meta["schema_version"] == SCHEMA_VERSION, grade_id
        assert problems(meta, grade_id) == [], grade_id


def test_the_schema_is_valid_json_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("case", sorted(CASES))
def test_course_and_extension_agree_on_what_may_be_shown(case, extension_says):
    meta, grade_id = CASES[case]
    refused = case.startswith("refused")
    assert bool(problems(meta, grade_id)) is refused, problems(meta, grade_id)
    said = extension_says[case]
    assert said["ok"] is not refused, said


@pytest.mark.parametrize("case", [c for c in sorted(CASES) if not c.startswith("refused")])
def test_what_is_drawn_is_the_checked_declaration_and_nothing_more(case, extension_says):
    meta, _ = CASES[case]
    expected = {k: v for k, v in meta.items() if k != "schema_version"}
    assert extension_says[case]["spec"] == expected


def _answer_cell(grade_id: str):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell("treatment = ...\n")
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                 "grade_id": grade_id}
    return cell


def test_generation_writes_versioned_metadata_that_passes():
    from course.nbgrader_plugins.generate.release_cells import METADATA_KEY, TraineeView
    from course.questions.kinds import Item

    item = Item("demo_q", {"treatment": Choice(("refuse", "defer_now"),
                                               names={"refuse": "Refuse"})}, expected=dict)
    cell = _answer_cell("demo_q_answer")
    TraineeView._describe_answer(cell, {"demo_q": item})
    written = cell.metadata[METADATA_KEY]
    assert written == {"schema_version": SCHEMA_VERSION, "item": "demo_q",
                       "answers": [{"name": "treatment", "kind": "choice",
                                    "options": [["refuse", "Refuse"],
                                                ["defer_now", "defer now"]]}]}
    assert problems(written, "demo_q_answer") == []


@pytest.mark.parametrize("answers", [
    {"treatment": Choice(("refuse", 'de"fer'))},
    {"Treatment": Choice(("refuse", "defer"))},
    {"treatm\u0435nt": Choice(("refuse", "defer"))},
    {"treatment": Choice(("refuse",))},
], ids=["a quote in a value", "a capital in a name", "a look-alike letter", "one option"])
def test_generation_refuses_what_the_controls_would_refuse(answers):
    """A declaration the extension would refuse is the course's mistake, caught when the lesson
    is generated rather than found by a trainee as a cell without buttons."""
    from course.nbgrader_plugins.generate.release_cells import TraineeView
    from course.questions.kinds import AuthoringError, Item

    item = Item("demo_q", answers, expected=dict)
    with pytest.raises(AuthoringError, match="demo_q_answer"):
        TraineeView._describe_answer(_answer_cell("demo_q_answer"), {"demo_q": item})
