"""The ledger of third-party internals (course.foundation.third_party) holds, and covers what
course/ uses."""

from __future__ import annotations

import ast
import asyncio
import builtins
import fnmatch
import importlib
import inspect
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from course.foundation import third_party
from course.foundation.third_party import ASSIGNED, ATTRIBUTE, LEDGER, PINNED, TEXT, Internal
from course.nbgrader_plugins.autograde.execute import SandboxedExecute
from course.sandbox.kernels import SandboxedKernelManager

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "course"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_every_internal_in_the_ledger_holds_in_the_pinned_releases() -> None:
    assert third_party.problems() == []


@pytest.mark.parametrize("entry", [
    Internal("nbclient", "nbclient.client:NotebookClient", "_renamed_cleanup", ATTRIBUTE,
             "x", "x"),
    Internal("nbgrader", "nbgrader.api", "Base.metadata.create_everything", ATTRIBUTE,
             "x", "x"),
    Internal("jupyter_client", "jupyter_client.manager:KernelManager", "_renamed", ASSIGNED,
             "x", "x"),
    Internal("nbgrader", "nbgrader.converters.base", "a message nbgrader never logs", TEXT,
             "x", "x"),
    Internal("jupyterlab", "share/jupyter/lab/static/*.js", "jp-Cell-noSuchClass", TEXT,
             "x", "x"),
    Internal("nbgrader", "nbgrader.no_such_module:Thing", "_name", ATTRIBUTE, "x", "x"),
])
def test_a_name_the_owner_no_longer_has_is_reported(entry: Internal) -> None:
    assert third_party.name_problem(entry)


def test_another_release_than_the_pinned_one_is_reported(monkeypatch) -> None:
    monkeypatch.setitem(PINNED, "nbclient", "0.0.1")
    assert any("nbclient" in problem for problem in third_party.problems())


def _dependencies() -> dict[str, str]:
    """Declared distributions (normalised name) and their specifiers, extras included."""
    declared = list(PYPROJECT["project"]["dependencies"])
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        declared += extra
    found = {}
    for line in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", line).group(0)
        found[_normalised(name)] = line[len(name):].strip()
    return found


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_owner_of_an_internal_is_pinned_exactly_in_pyproject() -> None:
    declared = _dependencies()
    owners = {entry.distribution for entry in LEDGER if entry.kind != third_party.DOCUMENTED}
    assert owners <= set(PINNED)
    for distribution, version in PINNED.items():
        assert declared.get(_normalised(distribution)) == f"=={version}", distribution
        assert metadata.version(distribution) == version


def _course_files() -> list[Path]:
    return sorted(COURSE.rglob("*.py"))


def test_every_third_party_module_course_imports_is_declared() -> None:
    top_level = set()
    for path in [*_course_files(), REPO / "nbgrader_config.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                top_level |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top_level.add(node.module.split(".")[0])
    top_level -= set(sys.stdlib_module_names) | {"course"}
    providers = metadata.packages_distributions()
    declared = set(_dependencies())
    missing = {module: providers.get(module) for module in top_level
               if not {_normalised(d) for d in providers.get(module, [])} & declared}
    assert missing == {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_course(cls: type) -> bool:
    return cls.__module__.split(".")[0] == "course"


def _defined_by(cls: type, name: str) -> bool:
    """Whether a class's own code defines or sets ``name``."""
    if name in vars(cls):
        return True
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return False
    return re.search(rf"\bself\.{re.escape(name)}\s*(=|:)", source) is not None


def _names_course_defines() -> set[str]:
    """Every name course/ defines: functions, classes, assignments, attribute stores."""
    names = set()
    for path in _course_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return names


def _receiver(node: ast.Attribute) -> str:
    value = node.value
    if isinstance(value, ast.Name) and value.id in ("self", "cls"):
        return "self"
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "super"):
        return "super"
    return "other"


def _third_party_names_in_class(node: ast.ClassDef, cls: type) -> set[str]:
    bases = [c for c in cls.__mro__[1:] if not _is_course(c) and c is not object]
    ours = [c for c in cls.__mro__ if _is_course(c)]
    if not bases:
        return set()

    def theirs(name: str) -> bool:
        return any(_defined_by(base, name) for base in bases)

    found = {item.name for item in node.body  # overrides of a third-party private method
             if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
             and _private(item.name) and theirs(item.name)}
    for attribute in ast.walk(node):
        if not (isinstance(attribute, ast.Attribute) and _private(attribute.attr)):
            continue
        where = _receiver(attribute)
        if where == "super" or (where == "self" and theirs(attribute.attr) and not any(
                attribute.attr in vars(c) for c in ours)):
            found.add(attribute.attr)
    return found


# Documented, public names of the standard library that happen to start with "_" (os._exit:
# "the standard way to exit ... in the child process after a fork"): not third-party internals.
STANDARD_LIBRARY_PUBLIC = {"_exit"}


def private_third_party_names() -> set[tuple[str, str]]:
    """(file, name) for every private third-party attribute course/ uses (an AST scan).

    * in a class with third-party bases: ``super()._x``; ``self._x`` (read or set) where
      ``_x`` is the bases' (in their class or set by their code) and no course class of the
      hierarchy defines it; a method ``_x`` overriding the bases' own;
    * anywhere: ``obj._x`` for a name that course/ never defines (a third-party object's).
    """
    ours = _names_course_defines()
    found = set()
    for path in _course_files():
        relative = str(path.relative_to(REPO))
        tree = ast.parse(path.read_text())
        module_name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        module = importlib.import_module(module_name.removesuffix(".__init__"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and isinstance(
                    cls := getattr(module, node.name, None), type):
                found |= {(relative, name) for name in _third_party_names_in_class(node, cls)}
            elif (isinstance(node, ast.Attribute) and _private(node.attr)
                  and _receiver(node) == "other" and node.attr not in ours
                  and not hasattr(builtins, node.attr)
                  and node.attr not in STANDARD_LIBRARY_PUBLIC):
                found.add((relative, node.attr))
    return found


def _ledger_has(relative: str, name: str) -> bool:
    return any(entry.name.rsplit(".", 1)[-1] == name and fnmatch.fnmatch(relative, entry.used_in)
               for entry in LEDGER)


def test_the_ledger_covers_every_private_third_party_name_used_in_course() -> None:
    used = private_third_party_names()
    # the scan sees overrides, and other objects' names
    assert ("course/nbgrader_plugins/autograde/execute.py", "_get_timeout") in used
    assert ("course/questions/friendly_errors.py", "_showtraceback") in used
    assert sorted(u for u in used if not _ledger_has(*u)) == []


def test_every_private_name_in_the_ledger_is_still_used_where_it_says() -> None:
    for entry in LEDGER:
        if entry.private and entry.used_in.startswith("course/"):
            files = [p for p in _course_files()
                     if fnmatch.fnmatch(str(p.relative_to(REPO)), entry.used_in)]
            last = entry.name.rsplit(".", 1)[-1]
            assert any(last in p.read_text() for p in files), entry


class _RenamedCleanup(SandboxedExecute):
    """nbclient as if a release had renamed ``_async_cleanup_kernel``."""

    def __getattribute__(self, name: str) -> object:
        if name == "_async_cleanup_kernel":
            raise AttributeError(name)
        return super().__getattribute__(name)


class _DyingKernel(SandboxedExecute):
    async def _async_cleanup_kernel(self) -> None:
        raise RuntimeError("the kernel is already gone")


def test_a_missing_nbclient_name_is_raised_not_downgraded_to_a_warning() -> None:
    execute = _RenamedCleanup()
    execute.km = SandboxedKernelManager(kernel_name="python3")  # not started
    with pytest.raises(AttributeError, match="_async_cleanup_kernel"):
        asyncio.run(execute._async_stop_kernel())


def test_a_dying_kernel_still_only_costs_a_warning(caplog) -> None:
    execute = _DyingKernel()
    execute.km = SandboxedKernelManager(kernel_name="python3")
    asyncio.run(execute._async_stop_kernel())
    assert execute.km is None and "already gone" in caplog.text
