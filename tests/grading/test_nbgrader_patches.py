"""The nbgrader patches apply to the pinned nbgrader, and only by being called."""

from __future__ import annotations

import subprocess
import sys

import pytest

from course.nbgrader_plugins import nbgrader_patches
from tests.nbgrader_harness import REPO, tool_env


def test_every_patched_name_exists_in_the_pinned_nbgrader() -> None:
    assert nbgrader_patches.patch_problems() == []


def test_patches_are_applied_by_the_course_configuration_not_by_an_import() -> None:
    code = (
        "from nbgrader.nbgraderformat import common\n"
        "import course.nbgrader_plugins.autograde.execute\n"
        "import course.nbgrader_plugins.autograde.trusted_scores\n"
        "print(type(common.jsonschema).__name__)\n"
        "from nbgrader.apps import NbGraderAPI\n"
        "from nbgrader.coursedir import CourseDirectory\n"
        "from traitlets.config.loader import PyFileConfigLoader\n"
        f"PyFileConfigLoader('nbgrader_config.py', path={str(REPO)!r}).load_config()\n"
        "print(type(common.jsonschema).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=tool_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.split() == ["module", "_SchemaCheckedOnce"], done.stderr


def test_generating_an_assignment_writes_the_items_points_first() -> None:
    from traitlets.config.loader import PyFileConfigLoader

    from course.nbgrader_plugins.autograde.trusted_scores import ItemPoints

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    steps = config.GenerateAssignment.preprocessors
    assert steps[0] is ItemPoints and len(steps) > 5


@pytest.mark.parametrize(("url", "shared"), [
    ("sqlite:////srv/course/gradebook.db", True),
    ("sqlite:////srv/course/gradebook.db?timeout=30", True),
    ("postgresql://grader@127.0.0.1:5432/gradebook", True),
    ("postgresql:///gradebook", True),
    ("sqlite:///:memory:", False),
    ("sqlite://", False),
    ("sqlite:///gradebook.db", False),  # relative: depends on the working directory
    ("sqlite:///file:gradebook?mode=memory&cache=shared&uri=true", False),
    ("sqlite:////srv/gradebook.db?mode=memory", False),
    ("not a url", False),
])
def test_only_databases_named_the_same_everywhere_are_shared(url: str, shared: bool) -> None:
    assert nbgrader_patches.shareable_database(url) is shared


# Run in a subprocess: the patch must not reach other tests. Each line: a check and its result.
_GRADEBOOKS_AS_NBGRADER_OPENS_THEM = """
import os, sys
from nbgrader.api import Gradebook
from course.nbgrader_plugins import nbgrader_patches
assert nbgrader_patches.share_gradebook_engines()
work = sys.argv[1]

def students(url):
    with Gradebook(url) as gradebook:
        return [s.id for s in gradebook.students]

def add(url, student):
    with Gradebook(url) as gradebook:
        gradebook.add_student(student)

for url in ("sqlite:///:memory:", "sqlite://"):
    add(url, "ada")
    print("in-memory is new each time", url, students(url) == [])
absolute = f"sqlite:///{work}/gradebook.db"
add(absolute, "ada")
print("file shared", students(absolute) == ["ada"])
first, second = Gradebook(absolute), Gradebook(absolute)
print("one engine per file", first.engine is second.engine)
first.close(); second.close()
os.remove(f"{work}/gradebook.db")
print("deleted file gets its tables again", students(absolute) == [])
for folder in ("a", "b"):
    os.makedirs(f"{work}/{folder}"); os.chdir(f"{work}/{folder}")
    add("sqlite:///relative.db", folder)
    print("relative path is per folder", folder, students("sqlite:///relative.db") == [folder])
"""


def test_gradebooks_open_as_in_nbgrader_for_every_kind_of_database(tmp_path) -> None:
    done = subprocess.run([sys.executable, "-c", _GRADEBOOKS_AS_NBGRADER_OPENS_THEM,
                           str(tmp_path)], cwd=tmp_path, env=tool_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 7, done.stdout + done.stderr
    assert all(line.endswith(" True") for line in lines), done.stdout
