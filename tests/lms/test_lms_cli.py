"""`cryocourse lms` as an instructor types it, against the test LMS."""

from __future__ import annotations

from course import cli
from course.storage import lms_settings
from tests.lms.conftest import hand_in
from tests.lms.lms_platform import INSTRUCTOR, LEARNER


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_lms_commands_from_setup_to_grades(course, lms, capsys):
    where = ("--course", str(course))
    code, _, err = _run(capsys, "lms", "send", "00-orientation", *where)
    assert code == 2 and "not connected to an LMS yet: run `cryocourse lms setup`" in err
    values = lms.endpoints()
    code, _, err = _run(capsys, "lms", "setup", "--issuer", values["issuer"], *where)
    assert code == 2 and "needs client_id, deployment_id" in err

    code, out, _ = _run(capsys, "lms", "setup", *where, "--hub-url", "https://hub.school",
                        "--page-size", "2",
                        *[f"--{k.replace('_', '-')}={values[k]}"
                          for k in lms_settings.PlatformSettings.REQUIRED])
    assert code == 0 and "https://hub.school/hub/cryocourse/deep-link" in out
    assert "https://hub.school/hub/cryocourse/jwks" in out
    lms.register_tool(key_set=lms_settings.public_key_set(course))
    code, out, _ = _run(capsys, "lms", "key", *where)
    assert code == 0 and "BEGIN PUBLIC KEY" in out and "PRIVATE" not in out

    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    lms.enrol("u-tom", [INSTRUCTOR], "Tom", "Teacher")
    code, out, _ = _run(capsys, "lms", "roster", "--dry-run", *where)
    assert code == 0 and "Dry run" in out and "added: Ana Silva" in out
    code, out, _ = _run(capsys, "lms", "roster", *where)
    assert code == 0 and "added: Ana Silva" in out and "grader: Tom Teacher" in out

    hand_in(course, lms, "00-orientation", "u-ana", 1.0)
    code, out, _ = _run(capsys, "lms", "send", "00", "--dry-run", *where)
    assert code == 0 and "would send: Ana Silva" in out and not lms.score_posts
    code, out, _ = _run(capsys, "lms", "send", "00", *where)
    assert code == 0 and "1 grades sent" in out and "PendingManual" in out, out

    # A rotation the LMS has not heard of: a plain refusal, the grade kept.
    code, out, _ = _run(capsys, "lms", "key", "--new", *where)
    assert code == 0 and "previous one stays published" in out
    lms.register_tool(key_set={"keys": lms_settings.public_key_set(course)["keys"][1:]})
    code, _, err = _run(capsys, "lms", "roster", *where)
    assert code == 2 and "refused the tool's token request" in err, err
    lms.register_tool(key_set=lms_settings.public_key_set(course))
    code, out, _ = _run(capsys, "lms", "key", "--drop-previous", *where)
    assert code == 0 and len(lms_settings.public_key_set(course)["keys"]) == 1
