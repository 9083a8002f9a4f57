"""The nbgrader patches apply to the pinned nbgrader, and only by being called."""

from __future__ import annotations

import subprocess
import sys

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
