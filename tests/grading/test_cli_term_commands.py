"""``cryocourse release``, ``variant`` and ``supervise`` on a temporary course, in-process:
what each prints and what it leaves behind (the class-server tests run them on a hub,
tests/hub/test_supervised.py and tests/hub/test_class_term.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.cli import main
from course.demo.class_demo import copy_course
from course.models.variants import ASSESSMENT
from course.storage import deadlines, supervision
from tests.nbgrader_harness import REPO

pytestmark = pytest.mark.nbgrader

LESSON = "00-orientation"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return copy_course(REPO, tmp_path_factory.mktemp("term") / "course", [LESSON, ASSESSMENT])


def _run(course: Path, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--course", str(course), *args])
    said = capsys.readouterr()
    return code, said.out, said.err


def test_release_generates_releases_and_refuses_a_second_time(course, capsys):
    code, out, _ = _run(course, capsys, "release", "00")
    assert code == 0
    assert out.startswith(f"{LESSON} released to ") and "Assignments tab" in out
    outbound = course / "exchange" / "cosmetic-cryotherapy" / "outbound" / LESSON
    assert (outbound / f"{LESSON}.ipynb").is_file()
    code, _, err = _run(course, capsys, "release", LESSON)
    assert code == 2
    assert f"cryocourse release {LESSON} --force" in err
    assert _run(course, capsys, "release", LESSON, "--force")[0] == 0


def test_variant_shows_a_trainees_clients(course, capsys):
    code, out, _ = _run(course, capsys, "variant", "ana", ASSESSMENT, "--answers", "--key")
    assert code == 0
    assert "the clients of ana (set " in out
    assert "Personal key (for ~/.cryocourse/variant-key" in out
    assert " 1. [" in out and "Treatment asked for:" in out and "Reference: treatment" in out
    code, _, err = _run(course, capsys, "variant", "ana", LESSON)
    assert code == 2 and "the same for every trainee" in err
    code, _, err = _run(course, capsys, "variant", "--new-salt")
    assert code == 2 and "cryocourse variant --new-salt --yes" in err


def test_a_supervised_window_opened_extended_and_closed(course, capsys):
    code, out, _ = _run(course, capsys, "supervise", "status", ASSESSMENT)
    assert (code, out) == (0, f"{ASSESSMENT}: practice mode (open-book; no supervised "
                              "window).\n")
    code, _, err = _run(course, capsys, "supervise", "open", ASSESSMENT, "--trainee", "ana")
    assert code == 2 and "--minutes 60" in err
    code, out, _ = _run(course, capsys, "supervise", "open", ASSESSMENT, "--minutes", "30",
                        "--trainee", "ana", "--trainee", "ben")
    assert code == 0
    assert out.startswith(f"{ASSESSMENT}: supervised. trainee")
    assert "  ana " in out and "  ben " in out and "left" in out
    book = deadlines.load(course)
    assert {w.trainee for w in supervision.windows(book, ASSESSMENT)} == {"ana", "ben"}
    code, out, _ = _run(course, capsys, "supervise", "extend", ASSESSMENT, "--trainee", "ana",
                        "--minutes", "15")
    assert code == 0
    assert deadlines.load(course).extensions[ASSESSMENT] == {"ana": 15}
    code, out, _ = _run(course, capsys, "supervise", "close", ASSESSMENT, "--trainee", "ben")
    assert code == 0
    assert out.startswith("Closed now for ben; the class server hands their work in")
    assert "(closed early)" in out
