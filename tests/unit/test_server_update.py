"""Updating a class server from a newer clone, and the roster's edits (no hub needed)."""

import subprocess
import sys
from pathlib import Path

from course.classroom.class_members import changed_roster
from course.classroom.server_update import (
    Changes,
    code_changes,
    record_code,
    repository_files,
    update_course_folder,
)

REPO = Path(__file__).resolve().parents[2]


def _clone(folder: Path) -> Path:
    """A small repository of the course's shape, committed (git)."""
    repo = folder / "repo"
    (repo / "course").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nversion = "1.0.0"\n')
    (repo / "course" / "a.py").write_text("A = 1\n")
    (repo / "nbgrader_config.py").write_text("c = 1\n")
    (repo / "source").mkdir()
    (repo / "source" / "lesson.ipynb").write_text("{}\n")
    (repo / ".gitignore").write_text("gradebook.db\nsubmitted/\n")
    (repo / "gradebook.db").write_text("grades")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@x"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    return repo


def test_a_code_change_is_found_and_named_even_when_pyproject_is_unchanged(tmp_path):
    repo = _clone(tmp_path)
    record = tmp_path / "code.json"
    changes, said = code_changes(repo, record)
    assert changes and "first installation" in said[0]
    record_code(repo, record)
    assert not code_changes(repo, record)[0]
    (repo / "course" / "a.py").write_text("A = 2\n")
    (repo / "course" / "b.py").write_text("B = 1\n")
    changes, said = code_changes(repo, record)
    assert changes.changed == ["course/a.py"] and changes.added == ["course/b.py"]
    assert any("1 changed: course/a.py" in line for line in said), said
    assert "gradebook.db" not in repository_files(repo)


def test_the_course_folder_follows_the_clone_and_keeps_what_the_instructor_edited(tmp_path):
    repo = _clone(tmp_path)
    course = tmp_path / "course"
    record = tmp_path / "folder.json"
    course.mkdir()
    first = update_course_folder(repo, course, record)
    assert sorted(first.changes.added) == sorted(repository_files(repo))
    (course / "submitted").mkdir()
    (course / "submitted" / "ana.ipynb").write_text("work")
    (course / "source" / "lesson.ipynb").write_text('{"edited": 1}\n')  # the instructor's
    (repo / "source" / "lesson.ipynb").write_text('{"newer": 1}\n')
    (repo / "nbgrader_config.py").write_text("c = 2\n")
    (repo / "course" / "a.py").unlink()
    again = update_course_folder(repo, course, record)
    assert again.changes.changed == ["nbgrader_config.py"]
    assert again.changes.removed == ["course/a.py"]
    assert again.kept == ["source/lesson.ipynb"]
    assert (course / "source" / "lesson.ipynb").read_text() == '{"edited": 1}\n'
    assert (course / "submitted" / "ana.ipynb").read_text() == "work"
    assert (course / "nbgrader_config.py").read_text() == "c = 2\n"
    # the edit stays the instructor's at the next update too
    assert update_course_folder(repo, course, record).kept == ["source/lesson.ipynb"]


def test_the_update_command_says_what_changed(tmp_path):
    repo = _clone(tmp_path)
    record = tmp_path / "code.json"
    run = [sys.executable, "-m", "course.classroom.server_update", "code", "--repo", str(repo),
           "--record", str(record)]
    assert subprocess.run(run, cwd=REPO, capture_output=True).returncode == 1
    record_code(repo, record)
    unchanged = subprocess.run(run, cwd=REPO, capture_output=True, text=True)
    assert unchanged.returncode == 0 and "unchanged" in unchanged.stdout


def test_changes_name_a_few_files_and_count_the_rest():
    many = Changes(changed=[f"course/m{i:02}.py" for i in range(20)])
    assert many.lines() == [f"20 changed: {', '.join(many.changed[:12])} and 8 more"]


def test_the_roster_gets_a_person_once_and_loses_only_that_line():
    text = "# class of 2027\ntrainee ana\ngrader gia  # the instructor\n"
    added = changed_roster(text, "trainee", "ben", present=True)
    assert added.splitlines()[-1] == "trainee ben"
    assert changed_roster(added, "trainee", "ben", present=True) == added
    removed = changed_roster(added, "trainee", "ana", present=False)
    assert removed == "# class of 2027\ngrader gia  # the instructor\ntrainee ben\n"
    assert changed_roster(text, "trainee", "gia", present=False) == text  # role matters


def test_a_course_folder_copied_before_the_record_existed_loses_no_edit(tmp_path):
    repo = _clone(tmp_path)
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    (course / "source" / "lesson.ipynb").write_text('{"maybe edited": 1}\n')
    done = update_course_folder(repo, course, tmp_path / "folder.json")
    assert done.unrecorded and done.kept == ["source/lesson.ipynb"]
    assert (course / "source" / "lesson.ipynb").read_text() == '{"maybe edited": 1}\n'
    assert (course / "nbgrader_config.py").read_text() == "c = 1\n"  # missing ones are added
