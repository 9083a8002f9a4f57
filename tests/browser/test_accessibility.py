"""Accessibility audit (axe-core) of what the course puts on screen: every lesson as a trainee
sees it after Run All: the lesson text, every output (tables, figures, widgets) and the answer
controls. Serious and critical violations fail. JupyterLab's own parts (code editors, menus,
toolbars, heading buttons) are JupyterLab's and not audited here.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import REPO, Notebook, Scenario

pytestmark = pytest.mark.browser

LESSONS = sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("release/*/*.ipynb"))
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
COURSE_CONTENT = tuple(f"{PANEL} {part}" for part in (
    ".jp-RenderedMarkdown", ".jp-OutputArea-output", ".cryo-answers", ".cryo-written"))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.split("/")[1])
def test_lesson_has_no_serious_accessibility_violations(scenario: Scenario, open_notebook,
                                                       path: str) -> None:
    notebook: Notebook = open_notebook(path)
    notebook.run_all(timeout_ms=240_000)  # the longest lessons, on a busy 2-core machine
    violations = scenario.accessibility_violations(*COURSE_CONTENT)
    assert not violations, "\n".join(violations)
