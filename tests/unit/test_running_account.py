"""A role or a signature counts for the account behind the process, not for what $USER says."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit


def test_the_running_account_ignores_user_and_logname():
    own = pwd.getpwuid(os.geteuid()).pw_name
    env = {**os.environ, "USER": "verifier", "LOGNAME": "verifier", "LNAME": "verifier",
           "USERNAME": "verifier"}
    done = subprocess.run(
        [sys.executable, "-c", "from course.foundation.accounts import running_account; "
         "print(running_account())"], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip() == own, done.stderr


def test_no_module_takes_its_signer_from_the_environment():
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "course"
    users = [str(path.relative_to(package)) for path in package.rglob("*.py")
             if "getpass.getuser" in path.read_text(encoding="utf-8")]
    # accounts.py names it in its docstring; database.py writes who holds the gradebook's
    # lock into a note for people: no role rests on it.
    assert sorted(users) == ["foundation/accounts.py", "storage/database.py"], users
