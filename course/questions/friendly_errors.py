"""Plain-language messages for the two errors a trainee meets most in an answer cell.

``decision = defer`` (no quotes) is a NameError and ``observation_minutes = 30 minutes`` a
SyntaxError; Python's own messages say neither what went wrong nor how to fix it. Importing
``course.checks`` (every lesson's set-up cell does) installs these messages in the running
IPython; elsewhere nothing happens. The cell still counts as failed, so *Run All* stops
there as before.
"""

from __future__ import annotations

import re
import traceback
from typing import Any

SETUP_NAMES = frozenset({"check", "hint", "grade"})


class PlainError(Exception):
    """An error the course raises with a message for the trainee: shown alone, no traceback."""


def name_error_message(name: str, line: str = "") -> str:
    """What to do about an unknown name (met on ``line``), in plain words."""
    if name in SETUP_NAMES:
        return (f"`{name}` is not loaded yet: run the set-up cell at the top of the notebook "
                "first (click it, then Shift + Enter).")
    if name.lower() in ("true", "false"):
        return f"True and False start with a capital letter and have no quotes: `{name.title()}`."
    if name.lower() in ("none", "nothing"):
        return ("For 'none' in a list answer, write an empty list: `[]` (for example "
                "`findings = []`). For a word answer, put the word in quotes.")
    assigned = re.match(rf"\s*([A-Za-z_]\w*)\s*=\s*{re.escape(name)}\s*$", line)
    example = f'{assigned.group(1)} = "{name}"' if assigned else f'"{name}"'
    return (f"Python does not know `{name}`. If it is a word answer, put it in quotes: "
            f"`{example}`. If it is something a cell above makes, run the cells above first "
            "(menu Run → Run All Above Selected Cell).")


def syntax_error_message(error: SyntaxError) -> str:
    """What to do about a line Python cannot read, in plain words."""
    line = (error.text or "").strip()
    where = f"line {error.lineno}: `{line}`" if line and error.lineno else "this cell"
    if isinstance(error, IndentationError):
        return (f"Python could not read {where}. Remove the spaces at the start of the line "
                "(answers start at the left edge).")
    return (f"Python could not read {where}. Words go in quotes (`\"defer\"`), numbers have "
            "no units (`30`, not `30 minutes`), decimals use a point (`1.8`), lists use square "
            'brackets (`["C", "F"]`) and True/False have no quotes.')


def _show_plainly(shell: Any, etype: type, value: BaseException, tb: Any,
                  tb_offset: int | None = None) -> list[str]:
    if isinstance(value, PlainError):
        message = str(value)
    elif isinstance(value, SyntaxError):
        message = syntax_error_message(value)
    else:
        frames = [frame.line for frame in traceback.extract_tb(tb) if frame.line]
        message = name_error_message(getattr(value, "name", None) or str(value),
                                     frames[-1] if frames else "")
    stb = [message if isinstance(value, PlainError) else f"{etype.__name__}: {message}"]
    shell._showtraceback(etype, value, stb)
    return stb


def running_shell() -> Any:
    """The running IPython shell (a notebook's kernel), or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def install() -> bool:
    """Use the plain messages in the running IPython; False outside IPython."""
    shell = running_shell()
    if shell is None:
        return False
    shell.set_custom_exc((NameError, SyntaxError, PlainError), _show_plainly)
    return True
