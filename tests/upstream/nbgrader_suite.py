"""nbgrader's own test suite (shipped inside the installed package), stock and patched.

The parts the course touches: ``nbgrader.tests.preprocessors``, ``nbgrader.tests.api``,
``nbgrader.tests.nbgraderformat`` and ``nbgrader.tests.test_validator`` (442 tests in
nbgrader 0.9.6), each module run stock and with the course patch that reaches it, plus
``nbgrader.tests.apps.test_nbgrader_collect`` with the course's collect class (which
overrides nbgrader's private ``_path_to_record``).

The other owners of internals in ``course.foundation.third_party`` ship no tests in their packages
(nbclient, nbconvert, jupyter_client; IPython only its terminal's and sphinx extension's).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.upstream.runs import Run, differences, explain, run_upstream

# nbgrader.tests.* modules, by the patch that reaches them.
METADATA_MODULES = [  # cell metadata is checked (nbgraderformat) and no gradebook is opened
    "nbgrader.tests.nbgraderformat",
    "nbgrader.tests.test_validator",
    *(f"nbgrader.tests.preprocessors.test_{name}" for name in (
        "checkcellmetadata", "clearhiddentests", "clearmarkscheme", "clearsolutions",
        "computechecksums", "deduplicateids", "headerfooter", "ignorepattern",
        "instantiatetests", "limitoutput", "lockcells")),
]
GRADEBOOK_MODULES = ["nbgrader.tests.api.test_gradebook"]  # in-memory gradebooks
GRADEBOOK_USER_MODULES = [  # gradebooks in database files (and the models)
    "nbgrader.tests.api.test_models",
    *(f"nbgrader.tests.preprocessors.test_{name}" for name in (
        "getgrades", "overwritecells", "overwritekernelspec", "saveautogrades", "savecells")),
]
COVERED_PACKAGES = ["nbgrader.tests.preprocessors", "nbgrader.tests.api",
                    "nbgrader.tests.nbgraderformat", "nbgrader.tests.test_validator"]

# What nbgrader_config.py applies in every nbgrader process.
CONVERTER_PATCH = """
from course.nbgrader_plugins import nbgrader_patches
assert nbgrader_patches.apply_to_converter(), "check_metadata_schemas_once not applied"
"""
# What a grading worker (course.classroom.parallel_grading) applies on top.
WORKER_PATCHES = CONVERTER_PATCH + """
assert nbgrader_patches.share_gradebook_engines(), "share_gradebook_engines not applied"
"""
# Checks after a run that the patched code did its work (exit 9 if it never did).
SCHEMAS_CHECKED = """
from nbgrader.nbgraderformat import common as _common
if not _common.jsonschema._by_content:
    sys.exit(9)
"""
ENGINES_SHARED = """
from nbgrader import api as _api
if not _api.create_engine._engines:
    sys.exit(9)
"""

COLLECT_MODULES = ["nbgrader.tests.apps.test_nbgrader_collect"]
# The course's collect class, named in configuration as nbgrader_config.py names it (a
# nbgrader_config.py on JUPYTER_CONFIG_PATH); the run fails if it never collected.
PLAIN_COLLECT_CONFIG = (
    'c.ExchangeFactory.collect = '
    '"course.nbgrader_plugins.exchange.regular_file_exchange.PlainCollect"\n')
PLAIN_COLLECT_WATCH = """
from course.nbgrader_plugins.exchange import regular_file_exchange as plain_copies
collected = []
_start = plain_copies.PlainCollect.start
def _counted_start(self):
    collected.append(self)
    return _start(self)
plain_copies.PlainCollect.start = _counted_start
"""
PLAIN_COLLECT_USED = """
if not collected:
    sys.exit(9)
"""

_AUTOTESTS_YML = (
    "reads nbgrader/docs/source/user_guide/autotests.yml relative to the working directory: "
    "a file of nbgrader's source repository (its documentation), which the installed "
    "package does not ship; the test passes only when run from a checkout of nbgrader")
_INSTANTIATE = "nbgrader.tests.preprocessors.test_instantiatetests.TestInstantiateTests"
# Stock failures of the installed nbgrader 0.9.6, for reasons of the package, not the course.
KNOWN_STOCK_FAILURES = {
    f"{_INSTANTIATE}::{test}": _AUTOTESTS_YML
    for test in (
        "test_load_test_template_file", "test_replace_autotest_code",
        "test_consistent_release_version", "test_kernel_right_workingdir",
        "test_kernel_wrong_workingdir", "test_warning_autotest_nongrade",
        "test_error_autotest_nongrade", "test_int_autotest", "test_float_autotest",
        "test_string_autotest", "test_list_autotest")
}


_COLLECT = "nbgrader.tests.apps.test_nbgrader_collect.TestNbGraderCollect"
_WORLD_WRITABLE = (
    "nbgrader copies the mode of the trainee's inbound folder, which its submit made 0777: "
    "collected submissions are world-writable, and any account of a class server could "
    "change one after collect. The course's collect makes folders with the grader's umask "
    "(plus group rwx and set-group-id with groupshared, as nbgrader): only that assertion "
    "of the test, on the collected folder's mode, differs")
# Deliberate differences of a course patch: test id -> (what the patched failure must say,
# why). Any other difference, or a patched failure saying something else, fails the tier.
INTENDED_DIFFERENCES = {
    f"{_COLLECT}::test_permissions[False]": (r"'7[0-7][0-5]' == '777'", _WORLD_WRITABLE),
    f"{_COLLECT}::test_permissions[True]": (r"'277[0-5]' == '2777'", _WORLD_WRITABLE),
    # Issue 25: the time of a hand-in is the server's (when its files arrived), never the
    # timestamp.txt the trainee wrote, so a hand-in made after the time the test writes is
    # stored with the later, true time.
    f"{_COLLECT}::test_collect_before_due_date[yes]": (
        r"assert datetime\.datetime\(.*\) < datetime\.datetime\(",
        "the course stores the server's time of a hand-in, not the trainee's timestamp.txt"),
    # Issue 25: a hand-in whose files another account owns is refused and named for the
    # instructor (a notice), where nbgrader only logs a warning and collects it.
    f"{_COLLECT}::test_owner_check": (
        r"assert 'WARNING' in",
        "a hand-in owned by another account is refused with a notice, not collected with a "
        "warning"),
}


def expected_stock_failures(modules: list[str]) -> set[str]:
    return {test for test in KNOWN_STOCK_FAILURES
            if any(test.startswith(f"{module}.") for module in modules)}


def assert_patch_changes_nothing(modules: list[str], apply: str, work: Path, after: str = "",
                                 env: dict[str, str] | None = None) -> tuple[Run, Run]:
    """Run ``modules`` stock, then patched; fail on any test whose outcome differs."""
    stock = run_upstream(modules, work / "stock")
    failing = stock.with_outcome("failed") | stock.with_outcome("error")
    assert stock.outcomes, f"no test ran:\n{stock.log}"
    assert failing == expected_stock_failures(modules), (
        "stock nbgrader fails other tests than the known ones (the environment, not a "
        f"patch): {sorted(failing ^ expected_stock_failures(modules))}\n{stock.log}")
    patched = run_upstream(modules, work / "patched", apply, after, env)
    print(f"{modules}: stock {stock.counts()}, patched {patched.counts()}")
    intended = {test: says for test, (says, _) in INTENDED_DIFFERENCES.items()
                if test in stock.outcomes}
    unintended = [test for test in differences(stock, patched) if test not in intended or not
                  re.search(intended[test], patched.messages.get(test, ""))]
    assert set(differences(stock, patched)) == set(intended) and not unintended, explain(
        stock, patched)
    return stock, patched
