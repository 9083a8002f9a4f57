"""A trainee's most common slips get plain words in a real kernel, not Python's messages."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel


@pytest.fixture(scope="module")
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    client.execute_interactive("from course.grading import check, grade, hint", timeout=60)
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
])
def test_slips_in_answer_cells_are_explained(kernel, code, expected):
    status, text = shown(kernel, code)
    assert status == "error"  # the cell still fails, so Run All stops at it
    assert expected in text and "Traceback" not in text and "File " not in text


def test_other_errors_keep_their_usual_traceback(kernel):
    status, text = shown(kernel, "1 / 0")
    assert status == "error" and "ZeroDivisionError" in text
