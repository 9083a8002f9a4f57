"""The Formgrader's file links in the grading service, and the course's sheet on its pages."""

import pytest

from course.nbgrader_plugins.pages.formgrader_style import FORMGRADER_CSS, with_style
from course.nbgrader_plugins.pages.grading_service import link_target

BASE = "/services/cosmetic-cryotherapy/"


@pytest.mark.parametrize(("path", "target"), [
    ("source/00-orientation", "formgrader/manage_submissions/00-orientation"),
    ("./source/05-screening-cases/", "formgrader/manage_submissions/05-screening-cases"),
    ("course/release/01-physiology", "formgrader-preview/01-physiology"),
    ("release/../../etc", "formgrader"),
    ("", "formgrader"),
    ("notes.txt", "formgrader"),
])
def test_an_assignment_link_opens_its_submissions_or_its_preview(path, target):
    assert link_target(BASE, path) == BASE + target


def test_the_sheet_goes_once_at_the_end_of_the_head():
    page = b"<html><head><title>x</title></head><body></body></html>"
    styled = with_style(page)
    assert styled.index(FORMGRADER_CSS) < styled.index(b"</head>")
    assert with_style(styled) == styled
    assert with_style(b"{}") == b"{}"
