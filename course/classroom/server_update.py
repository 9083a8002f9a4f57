"""Updating a class server from a newer clone: what ``bash setup.sh hub`` runs every time.

Standard library only: set-up runs it with Debian's Python from the clone (``python3.11 -m
course.classroom.server_update ...``), before the class environment holds the new code.

* ``code``: whether the course code in the clone (``course/``, ``pyproject.toml``) differs
  from what the class environment was installed from, and which files changed. Set-up
  reinstalls the course into the environment when it does, then ``record``s the new state.
* ``folder``: brings the course folder (``/srv/cryocourse/course``) up to the clone: the
  repository's files that the instructor has not edited there are replaced, new ones added,
  removed ones removed; a file the instructor edited in the course folder is kept and named.
  The class's own data (gradebook, submissions, feedback, ``.cryocourse/``) are never
  repository files, so never touched.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# What the class environment is installed from: a change here needs a reinstall.
CODE_PARTS = ("course", "pyproject.toml")
# Never repository files of a course folder (the class's data, tools, caches).
NOT_COURSE_FILES = frozenset({".git", ".venv", ".hub-tools", "my-work", "exchange", "submitted",
                              "autograded", "feedback", ".cryocourse", "backups", "reports",
                              "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache",
                              ".mypy_cache", "gradebook.db", ".ipynb_checkpoints", "build",
                              ".variant-salt", "nbgrader.log", "screenshots", "demo-class"})
SHOWN = 12  # changed files named in full; the rest are counted


GIT = ("git", "-c", "safe.directory=*")  # root reads a clone another account owns


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def repository_files(repo: Path) -> list[str]:
    """The clone's own files (relative paths): git's list when it is a git clone (with files
    not yet committed but not ignored), else every file outside the class's data."""
    try:
        listed = subprocess.run(
            [*GIT, "-C", str(repo), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"], capture_output=True, check=True, timeout=60).stdout
        names = [n for n in listed.decode().split("\0") if n]
    except (OSError, subprocess.SubprocessError):
        names = [str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file()]
    return sorted(n for n in names if (repo / n).is_file() and not (repo / n).is_symlink()
                  and not NOT_COURSE_FILES.intersection(Path(n).parts)
                  and not n.endswith((".pyc", ".egg-info"))
                  and not any(part.endswith(".egg-info") for part in Path(n).parts))


def manifest(root: Path, names: list[str]) -> dict[str, str]:
    """``{relative path: sha256}`` of these files under ``root``."""
    return {name: _digest(root / name) for name in names if (root / name).is_file()}


def code_manifest(repo: Path) -> dict[str, str]:
    """The fingerprint of the course code in the clone (what the environment installs)."""
    return manifest(repo, [n for n in repository_files(repo)
                           if Path(n).parts[0] in CODE_PARTS])


def _version(repo: Path) -> str:
    for line in (repo / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("version"):
            return line.split("=", 1)[1].strip().strip('"')
    return "?"


def _commit(repo: Path) -> str:
    try:
        return subprocess.run([*GIT, "-C", str(repo), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


@dataclass
class Changes:
    """Files added, changed and removed between two manifests (relative paths)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @classmethod
    def between(cls, old: dict[str, str], new: dict[str, str]) -> Changes:
        return cls(added=sorted(set(new) - set(old)),
                   changed=sorted(n for n in set(new) & set(old) if new[n] != old[n]),
                   removed=sorted(set(old) - set(new)))

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def lines(self) -> list[str]:
        """One line per kind of change, naming at most SHOWN files each."""
        said = []
        for words, names in (("changed", self.changed), ("new", self.added),
                             ("removed", self.removed)):
            if names:
                shown = ", ".join(names[:SHOWN])
                more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
                said.append(f"{len(names)} {words}: {shown}{more}")
        return said


def read_record(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def code_changes(repo: Path, record: Path) -> tuple[Changes, list[str]]:
    """What changed in the course code since the environment was installed, and the lines
    that say so (version, commit, commits in between, files)."""
    before = read_record(record)
    changes = Changes.between(before.get("files", {}), code_manifest(repo))
    if not changes:
        return changes, []
    version, commit = _version(repo), _commit(repo)
    if not before:
        return changes, [f"course {version}{f' (commit {commit})' if commit else ''}: "
                         "first installation"]
    said = [f"course {before.get('version', '?')} -> {version}"
            + (f" (commit {before.get('commit') or '?'} -> {commit})" if commit else "")]
    if commit and before.get("commit"):
        try:
            log = subprocess.run([*GIT, "-C", str(repo), "log", "--oneline", "--no-decorate",
                                  "-n", str(SHOWN), f"{before['commit']}..HEAD"],
                                 capture_output=True, text=True, check=True, timeout=30)
            said += [f"  {line}" for line in log.stdout.splitlines()]
        except (OSError, subprocess.SubprocessError):
            pass  # an old commit this clone does not have: the files below say it
    return changes, said + [f"  {line}" for line in changes.lines()]


def record_code(repo: Path, record: Path) -> None:
    """Remember what the environment was installed from (after a successful install)."""
    record.write_text(json.dumps({"version": _version(repo), "commit": _commit(repo),
                                  "files": code_manifest(repo)}, indent=1), encoding="utf-8")


@dataclass
class FolderUpdate:
    """What an update did to the course folder (relative paths)."""

    changes: Changes = field(default_factory=Changes)
    kept: list[str] = field(default_factory=list)  # edited in the course folder: not replaced
    unrecorded: bool = False  # no record of an earlier copy: every difference counts as an edit


def update_course_folder(repo: Path, course_dir: Path, record: Path) -> FolderUpdate:
    """Bring the course folder's repository files up to the clone, keeping local edits.

    ``record`` holds the manifest of what the last set-up put there. A file whose copy in
    the course folder still matches it (or that is missing) is replaced by the clone's; one
    the instructor changed is kept and listed in ``kept``. A course folder set up before
    this record existed counts every differing file as edited (nothing is overwritten).
    """
    installed = read_record(record).get("files", {})
    names = repository_files(repo)
    new = manifest(repo, names)
    done = FolderUpdate(unrecorded=not installed and any(course_dir.iterdir()))
    for name, digest in new.items():
        target = course_dir / name
        current = _digest(target) if target.is_file() and not target.is_symlink() else None
        if current == digest:
            continue
        if current is not None and installed.get(name) != current:
            done.kept.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target)
        (done.changes.changed if current is not None else done.changes.added).append(name)
    for name in sorted(set(installed) - set(new)):
        target = course_dir / name
        if target.is_file() and not target.is_symlink() and _digest(target) == installed[name]:
            target.unlink()
            done.changes.removed.append(name)
    record.parent.mkdir(parents=True, exist_ok=True)
    kept = {name: installed[name] for name in done.kept if name in installed}
    record.write_text(json.dumps({"files": {**new, **kept}}, indent=1), encoding="utf-8")
    return done


def main(argv: list[str] | None = None) -> int:
    """``code`` (exit 1: the environment needs the new code), ``record``, ``folder``."""
    top = argparse.ArgumentParser(prog="python -m course.classroom.server_update")
    top.add_argument("action", choices=("code", "record", "folder"))
    top.add_argument("--repo", type=Path, default=Path.cwd())
    top.add_argument("--record", type=Path, required=True)
    top.add_argument("--course-dir", type=Path)
    args = top.parse_args(argv)
    repo = args.repo.resolve()
    if args.action == "code":
        changes, said = code_changes(repo, args.record)
        print("\n".join(said) if changes else "course code unchanged")
        return 1 if changes else 0
    if args.action == "record":
        record_code(repo, args.record)
        return 0
    if args.course_dir is None:
        top.error("folder needs --course-dir")
    done = update_course_folder(repo, args.course_dir, args.record)
    for line in done.changes.lines():
        print(f"  {line}")
    if done.kept and done.unrecorded:
        print(f"  kept {len(done.kept)} file(s) that differ from the clone: this course folder "
              "was set up before set-up recorded what it copied, so they may be your edits; "
              f"copy the clone's over by hand where they are not: {', '.join(done.kept[:SHOWN])}"
              + (f" and {len(done.kept) - SHOWN} more" if len(done.kept) > SHOWN else ""))
    elif done.kept:
        print(f"  kept {len(done.kept)} file(s) you edited in {args.course_dir} (the clone's "
              f"version differs; compare and merge by hand): {', '.join(done.kept[:SHOWN])}"
              + (f" and {len(done.kept) - SHOWN} more" if len(done.kept) > SHOWN else ""))
    if not done.changes and not done.kept:
        print("  course folder unchanged")
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
