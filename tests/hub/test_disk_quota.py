"""The disk quota of the class server (issue 25, "Limits"): with ``CRYOCOURSE_DISK_QUOTA`` the
hub sets each account's quota with ``setquota`` on the file systems of its home and of the
exchange when its server starts (``deploy/hub/cryocourse_hub.py``, ``apply_disk_quota``).

* Where the kernel offers user quotas (an ext4 image with the quota feature, loop-mounted),
  the homes and the exchange live on it: a trainee's writes past the quota fail with the
  system's "Disk quota exceeded", what they saved before is intact, and another trainee
  saves as before.
* Where the file system holds no user quotas (this test machine's kernel has no quota
  format), the hub refuses to start the server and says why: never a server without the
  quota that was asked for.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.hub.hub_harness import (
    REPO,
    Hub,
    require_class_server_tools,
    running_hub,
    system_accounts,
)
from tests.hub.test_class_term import make_course, make_exchange

sys.path.insert(0, str(REPO / "deploy" / "hub"))
from cryocourse_hub import mount_point  # noqa: E402 -- deploy/hub is not a package

pytestmark = pytest.mark.hub

QUOTA = "4M"  # small, so that the test writes little
PIECE = 3 * 1024 * 1024  # one save: under the quota; two: over it


def _setup_or_skip() -> Path:
    require_class_server_tools()
    closed = [p for p in Path(__file__).resolve().parents if not p.stat().st_mode & stat.S_IXOTH]
    if closed:
        pytest.skip(f"{closed[0]} is closed to other accounts; clone into an open folder")
    if shutil.which("setquota", path="/usr/sbin:/sbin:/usr/bin:/bin") is None:
        pytest.skip("the quota tools are missing (apt install quota)")
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-quota-"))
    folder.chmod(0o755)
    return folder


@contextmanager
def quota_file_system(folder: Path) -> Iterator[Path | str]:
    """An ext4 file system with user quotas (kept in the file system, enforced with
    ``usrquota``), loop-mounted at ``folder/fs``; or, where the kernel cannot mount one, the
    reason as text. Unmounted after."""
    image, mount = folder / "fs.img", folder / "fs"
    mount.mkdir()
    with open(image, "wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    made = subprocess.run(["mkfs.ext4", "-q", "-O", "quota", "-E", "quotatype=usrquota",
                           str(image)], capture_output=True, text=True, timeout=60)
    mounted = made.returncode == 0 and subprocess.run(
        ["mount", "-o", "loop,usrquota", str(image), str(mount)], capture_output=True, text=True,
        timeout=60).returncode == 0
    if not mounted:
        yield ("this kernel cannot mount a file system with user quotas (ext4's quota "
               "feature needs CONFIG_QUOTA and CONFIG_QFMT_V2): " + made.stderr.strip())
        return
    try:
        mount.chmod(0o755)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, timeout=60)


def _has_user_quotas(folder: Path) -> bool:
    """Whether the file system of ``folder`` is mounted with user quotas (its options)."""
    where = str(mount_point(folder))
    for line in Path("/proc/mounts").read_text().splitlines():
        _, target, _, options, *_ = line.split()
        if target == where and {"usrquota", "quota", "usrjquota"} & {
                o.split("=")[0] for o in options.split(",")}:
            return True
    return False


def _start(hub: Hub, user: str):
    return hub.request("POST", f"/hub/api/users/{user}/server")


def _save(hub: Hub, user: str, name: str, size: int):
    """Save a file of ``size`` bytes in the trainee's home through their server (what
    JupyterLab's save does)."""
    body = {"type": "file", "format": "base64",
            "content": base64.b64encode(os.urandom(size)).decode("ascii")}
    return hub.request("PUT", f"/user/{user}/api/contents/{name}", hub.token_for(user),
                       body=body, timeout=120)


def _class(folder: Path, homes: Path, exchange_root: Path, tag: str):
    names = {"course": f"cq{tag}course", "trainees": [f"cq{tag}ana", f"cq{tag}ben"]}
    return names, system_accounts([names["course"], *names["trainees"]], homes)


def _settings(names: dict, course: Path, exchange: Path) -> dict[str, str]:
    """The class server's settings of a class with a disk quota (PAM log-in)."""
    return {"CRYOCOURSE_COURSE_USER": names["course"], "CRYOCOURSE_COURSE_DIR": str(course),
            "CRYOCOURSE_EXCHANGE": str(exchange), "CRYOCOURSE_HUB_AUTH": "pam",
            "CRYOCOURSE_DISK_QUOTA": QUOTA}


def test_writes_past_the_quota_fail_clearly_and_other_trainees_save_as_before():
    folder = _setup_or_skip()
    try:
        with quota_file_system(folder) as fs:
            if isinstance(fs, str):
                pytest.skip(fs)
            (fs / "home").mkdir(mode=0o755)
            names, accounts = _class(folder, fs / "home", fs, secrets.token_hex(2))
            with accounts as acc:
                teacher = acc[names["course"]]
                course = make_course(folder, teacher, f"sqlite:///{folder / 'course' / 'gb.db'}")
                exchange = make_exchange(fs, teacher)
                settings = _settings(names, course, exchange)
                with running_hub(folder, settings) as hub:
                    ana, ben = names["trainees"]
                    hub.api("POST", "/users", {"usernames": [ana, ben]})
                    hub.start_servers([ana, ben])
                    assert _save(hub, ana, "first.bin", PIECE).status in (200, 201)
                    refused = _save(hub, ana, "second.bin", PIECE)
                    assert refused.status >= 400
                    assert b"Disk quota exceeded" in refused.body, refused.body[:500]
                    home = Path(acc[ana].pw_dir)
                    assert (home / "first.bin").stat().st_size == PIECE  # nothing lost
                    assert _save(hub, ben, "first.bin", PIECE).status in (200, 201)
                    held = subprocess.run(["dd", "if=/dev/zero", f"of={exchange}/ana-fill",
                                           "bs=1M", "count=8"], user=acc[ana].pw_uid,
                                          group=acc[ana].pw_gid, capture_output=True,
                                          text=True, timeout=60)
                    assert held.returncode != 0 and "quota" in held.stderr.lower()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_quota_the_file_system_cannot_hold_stops_the_server_and_says_why():
    folder = _setup_or_skip()
    homes = folder / "home"
    homes.mkdir(mode=0o755)
    try:
        if _has_user_quotas(homes):
            pytest.skip(f"{homes} has user quotas on: the other test covers this machine")
        names, accounts = _class(folder, homes, folder, secrets.token_hex(2))
        with accounts as acc:
            teacher = acc[names["course"]]
            course = make_course(folder, teacher, f"sqlite:///{folder / 'course' / 'gb.db'}")
            exchange = make_exchange(folder, teacher)
            settings = _settings(names, course, exchange)
            with running_hub(folder, settings) as hub:
                ana = names["trainees"][0]
                hub.api("POST", "/users", {"usernames": [ana]})
                answer = _start(hub, ana)
                reason = f"CRYOCOURSE_DISK_QUOTA is set, but {ana}'s quota could not be set"
                for _ in range(240):  # the hub may answer before the spawn has failed
                    if reason in hub.log_tail(40000):
                        break
                    time.sleep(0.25)
                said = hub.log_tail(40000)
                assert reason in said and f"{ana}'s server is not started" in said, said
                assert f"file system at {mount_point(homes)}" in said
                assert answer.status >= 400 or answer.status == 202, answer.status
                model = hub.api("GET", f"/users/{ana}")
                assert not model["servers"].get("", {}).get("ready")
                assert not any(p.stat().st_uid == acc[ana].pw_uid
                               for p in Path(acc[ana].pw_dir).rglob("*")
                               if p.name.startswith(".jupyter"))  # no server ran as ana
    finally:
        shutil.rmtree(folder, ignore_errors=True)
