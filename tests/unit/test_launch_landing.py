"""Where an LMS launch lands a trainee on their own server (course.nbgrader_plugins.pages.
launch_landing): the assignment's notebook once fetched, else JupyterLab."""

from __future__ import annotations

from course.nbgrader_plugins.pages.launch_landing import landing

ASSESSMENT = "05-screening-cases"


def test_a_fetched_assignment_opens_its_notebook(tmp_path):
    folder = tmp_path / ASSESSMENT
    folder.mkdir()
    (folder / "another.ipynb").write_text("{}")
    assert landing(tmp_path, ASSESSMENT) == f"tree/{ASSESSMENT}/another.ipynb"
    (folder / f"{ASSESSMENT}.ipynb").write_text("{}")
    assert landing(tmp_path, ASSESSMENT) == f"tree/{ASSESSMENT}/{ASSESSMENT}.ipynb"


def test_a_folder_without_its_notebook_opens_the_folder(tmp_path):
    (tmp_path / ASSESSMENT / "feedback").mkdir(parents=True)
    assert landing(tmp_path, ASSESSMENT) == f"tree/{ASSESSMENT}"


def test_not_fetched_yet_or_any_other_name_opens_jupyterlab(tmp_path):
    outside = tmp_path / "outside"
    (outside / "secret").mkdir(parents=True)
    (outside / "secret" / "x.ipynb").write_text("{}")
    root = tmp_path / "home"
    root.mkdir()
    (root / "linked").symlink_to(outside / "secret")
    for name in (ASSESSMENT, "..", "../outside/secret", ".hidden", "a/b", "linked", "",
                 "x" * 81, "05%2F.."):
        assert landing(root, name) == "", name
