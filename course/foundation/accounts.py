"""Who is running this process: the operating system's account, not what the environment says.

``getpass.getuser()`` reads ``LOGNAME`` and ``USER`` first, which anyone can set
(``USER=verifier cryocourse competence countersign 3``); a role or a signature is only worth
the account behind the process.
"""

from __future__ import annotations

import os
import pwd


def running_account() -> str:
    """The name of the account whose effective user id runs this process."""
    return pwd.getpwuid(os.geteuid()).pw_name
