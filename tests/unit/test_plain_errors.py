"""A trainee's most common slips get plain words in a real kernel, not Python's messages."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel


@pytest.fixture(scope="module")
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    client.execute_interactive("from course.checks import check, grade, hint", timeout=60)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def shown(client, code: str) -> tuple[str, str]:
    """The cell's status and the text of its error output."""
    errors: list[str] = []

    def keep(message: dict) -> None:
        if message["msg_type"] == "error":
            errors.append("\n".join(message["content"]["traceback"]))

    reply = client.execute_interactive(code, timeout=30, output_hook=keep)
    return reply["content"]["status"], "\n".join(errors)


@pytest.mark.parametrize(("code", "expected"), [
    ("decision = defer", 'put it in quotes: `decision = "defer"`'),
    ("is_medical_advice = false", "capital letter and have no quotes: `False`"),
    ("observation_minutes = 30 minutes", "numbers have no units"),
    ("peak_flow = 1.8x", "Words go in quotes"),
    ("findings = none", "write an empty list: `[]`"),
])
def test_slips_in_answer_cells_are_explained(kernel, code, expected):
    status, text = shown(kernel, code)
    assert status == "error"  # the cell still fails, so Run All stops at it
    assert expected in text and "Traceback" not in text and "File " not in text


def test_other_errors_keep_their_usual_traceback(kernel):
    status, text = shown(kernel, "1 / 0")
    assert status == "error" and "ZeroDivisionError" in text


def checked(client, code: str) -> str:
    """The text a check cell shows after ``code`` ran (successfully or not)."""
    shown(client, code)
    texts: list[str] = []

    def keep(message: dict) -> None:
        if message["msg_type"] in ("execute_result", "display_data"):
            texts.append(message["content"]["data"].get("text/plain", ""))

    client.execute_interactive('check("orientation_decision_herpes")', timeout=30,
                               output_hook=keep)
    return "\n".join(texts)


@pytest.mark.parametrize(("code", "expected"), [
    ("treatment = refuse", 'words go in quotes: `treatment = \"refuse\"`'),
    ("treatment = false", "capital letter"),
    ('treatment = "defer', "did not run"),
])
def test_the_check_after_a_failed_answer_cell_speaks_of_that_cell(kernel, code, expected):
    """After a NameError or a syntax error the check judges the failed line, in plain words,
    never an earlier value nor "worked out with code"."""
    shown(kernel, 'treatment = "proceed"')
    text = checked(kernel, code)
    assert expected.replace("\\", "") in text.replace("\\", "")
    assert "worked out with code" not in text and "right form" not in text


def test_ready_to_submit_is_silent_except_while_validating(kernel):
    status, _text = shown(kernel, 'from course.checks import ready_to_submit\n'
                                  'treatment = ...\nready_to_submit("orientation_decision_herpes")')
    assert status == "ok"
    status, text = shown(kernel, 'import os; os.environ["NBGRADER_EXECUTION"] = "validate"\n'
                                 'ready_to_submit("orientation_decision_herpes")')
    shown(kernel, 'del os.environ["NBGRADER_EXECUTION"]')
    assert status == "error" and "Not attempted yet" in text and "Traceback" not in text
