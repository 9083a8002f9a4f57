"""Faults: what went wrong while grading one notebook, in plain words, on the notebook itself.

Every stage of the autograde pipeline records what it had to do about a submission (a dead
kernel, a flood of output, restored cell settings, a grade cell without a question) in
``nb.metadata["cryocourse"]["faults"]`` instead of failing, so one bad file costs one
trainee a clear report, never the class's run.
"""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

FAULTS_KEY = "cryocourse"


def record_fault(nb: NotebookNode, kind: str, message: str, cell_index: int | None = None) -> None:
    """Append a plain-language fault to the notebook's metadata."""
    faults = nb.metadata.setdefault(FAULTS_KEY, {}).setdefault("faults", [])
    faults.append({"kind": kind, "cell": cell_index, "message": message})


def faults_of(nb: NotebookNode) -> list[dict[str, Any]]:
    """The faults recorded on a notebook (empty list if none)."""
    return list(nb.metadata.get(FAULTS_KEY, {}).get("faults", []))


def error_output(title: str, message: str) -> NotebookNode:
    """An error output a trainee can read (no traceback)."""
    return nbformat.v4.new_output(
        "error", ename=title, evalue=message, traceback=[f"{title}: {message}"]
    )
