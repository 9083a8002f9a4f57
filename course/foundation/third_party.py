"""The ledger of third-party internals the course relies on, checked against the pinned releases.

The course uses public extension points first (traitlets configuration, nbgrader's
``ExchangeFactory`` and converter hooks, jupyter_client's ``kernel_provisioners`` entry
point, a Jupyter server extension, IPython's ``set_custom_exc``). Where none exists, it uses
a name its owner does not promise to keep. Every such name is an ``Internal`` in
``LEDGER``: its owner (distribution and object), the name, where the course uses it and
why. Each owner is pinned exactly in pyproject.toml to the release in ``PINNED``.

``problems()`` says what is wrong here: a release other than the pinned one, or a name its
owner no longer has (tests/grading/test_third_party.py fails on any, and checks that every
private attribute of a third-party object that ``course/`` uses is in the ledger). A missing
name is an error where it is used too, never a warning.

How each kind of use is checked:

* ``ATTRIBUTE``: the owner object has the (dotted) attribute: a method the course calls or
  overrides, or a module attribute ``course.nbgrader_plugins.nbgrader_patches`` replaces;
* ``ASSIGNED``: an instance attribute that the owner class's own code sets (``self.NAME``);
* ``TEXT``: text the owner writes (a log message the course reads, a CSS class the answer
  controls look for) is in the owner's module source, or in the files ``owner`` names
  (a glob under ``sys.prefix``);
* ``BY_TEST``: TypeScript against JupyterLab's objects, which Python cannot inspect;
  ``proven_by`` names the test that fails if it breaks;
* ``DOCUMENTED``: an underscored name that is its owner's documented protocol (IPython's
  rich display); listed so the scan finds it, not pinned for it.

Upgrading an owner: install the new release, change ``PINNED`` and pyproject.toml together,
run tests/grading/test_third_party.py, tests/upstream, tests/grading and tests/sandbox.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import types
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ATTRIBUTE = "attribute"
ASSIGNED = "assigned"
TEXT = "text"
BY_TEST = "by test"
DOCUMENTED = "documented"

# Exact releases of every distribution whose internals the course uses (pyproject.toml).
PINNED = {
    "nbgrader": "0.9.6",
    "nbclient": "0.11.0",
    "nbconvert": "7.17.2",
    "jupyter_client": "8.10.0",
    "ipython": "9.19.1",
    "ipykernel": "7.4.0",
    "jupyterlab": "4.6.6",
}


@dataclass(frozen=True)
class Internal:
    """One third-party name the course uses that its owner does not promise to keep."""

    distribution: str
    owner: str  # "module" or "module:Class"; for TEXT in files: a glob under sys.prefix
    name: str  # an attribute (dotted for nested ones), or the text for TEXT and BY_TEST
    kind: str
    used_in: str
    why: str
    proven_by: str = ""

    @property
    def private(self) -> bool:
        """An underscored attribute (what the scan of ``course/`` looks for)."""
        last = self.name.rsplit(".", 1)[-1]
        return self.kind != TEXT and last.startswith("_") and not last.startswith("__")


LEDGER = (
    # nbgrader: module attributes replaced by course.nbgrader_plugins.nbgrader_patches
    Internal("nbgrader", "nbgrader.nbgraderformat.common", "jsonschema", ATTRIBUTE,
             "course/nbgrader_plugins/nbgrader_patches.py",
             "check_metadata_schemas_once replaces the jsonschema module nbgrader validates "
             "cell metadata with (one schema check per schema, not per cell)"),
    Internal("nbgrader", "nbgrader.api", "create_engine", ATTRIBUTE,
             "course/nbgrader_plugins/nbgrader_patches.py",
             "share_gradebook_engines: one SQLAlchemy engine per database file in a grading "
             "worker instead of one per Gradebook"),
    Internal("nbgrader", "nbgrader.api", "Base.metadata.create_all", ATTRIBUTE,
             "course/nbgrader_plugins/nbgrader_patches.py",
             "share_gradebook_engines: nbgrader's table check in one query"),
    Internal("nbgrader", "nbgrader.exchange.default.collect:ExchangeCollect", "_path_to_record",
             ATTRIBUTE, "course/nbgrader_plugins/exchange/regular_file_exchange.py",
             "PlainCollect skips an inbound folder whose name is not trainee+assignment+time "
             "with a plain trainee id; nbgrader parses the name here and has no hook for it"),
    Internal("nbgrader", "nbgrader.converters.base",
             "There was an error processing assignment '{}' for student '{}'", TEXT,
             "course/classroom/assignment_steps.py",
             "_FEEDBACK_FAILED reads which trainees' feedback failed from nbgrader's log: the "
             "API returns only the log text (_NOT_RELEASED reads the course's own message)"),
    # nbclient / nbconvert: SandboxedExecute re-implements preprocess() and the run loop
    Internal("nbclient", "nbclient.client:NotebookClient", "_async_cleanup_kernel", ATTRIBUTE,
             "course/nbgrader_plugins/autograde/execute.py",
             "stops a kernel and closes its client in nbclient's own order after a crash, a "
             "hang or the end of the notebook"),
    Internal("nbclient", "nbclient.client:NotebookClient", "_get_timeout", ATTRIBUTE,
             "course/nbgrader_plugins/autograde/execute.py",
             "overridden: a cell's time limit is capped by what is left of the notebook's"),
    Internal("nbconvert", "nbconvert.preprocessors.execute:ExecutePreprocessor",
             "_check_assign_resources", ATTRIBUTE, "course/nbgrader_plugins/autograde/execute.py",
             "SandboxedExecute.preprocess sets up its resources as nbconvert's preprocess does"),
    # jupyter_client: a kernel started in one event loop is used from another
    Internal("jupyter_client", "jupyter_client.manager:KernelManager", "_close_control_socket",
             ATTRIBUTE, "course/sandbox/kernels.py",
             "release_event_loop closes the loop-bound control socket (reopened on demand)"),
    Internal("jupyter_client", "jupyter_client.manager:KernelManager", "_ready", ASSIGNED,
             "course/sandbox/kernels.py",
             "release_event_loop drops the loop-bound 'ready' future of a started kernel"),
    # IPython / ipykernel: the plain error messages trainees see
    Internal("ipython", "IPython.core.interactiveshell:InteractiveShell", "_showtraceback",
             ATTRIBUTE, "course/questions/friendly_errors.py",
             "a set_custom_exc handler shows its plain message as the cell's error output "
             "(showtraceback would format a traceback)"),
    Internal("ipykernel", "ipykernel.zmqshell:ZMQInteractiveShell", "_showtraceback", ATTRIBUTE,
             "course/questions/friendly_errors.py",
             "the shell of a notebook kernel: sends those lines as the error message"),
    Internal("ipywidgets", "ipywidgets.widgets.widget:Widget", "_repr_mimebundle_", DOCUMENTED,
             "course/views/*.py",
             "IPython's documented rich-display protocol: a view displays as its widget"),
    # JupyterLab: the answer controls (answer-controls/src/index.ts), as text
    Internal("jupyterlab", "share/jupyter/lab/static/*.js", "jp-Cell-inputWrapper", TEXT,
             "answer-controls/src/index.ts",
             "the answer controls are placed after the cell's input area, found by this "
             "CSS class of @jupyterlab/cells (not a public API)",
             "tests/browser/test_answer_controls.py"),
    Internal("jupyterlab", "@jupyterlab/cells:Cell", "cell.layout as PanelLayout", BY_TEST,
             "answer-controls/src/index.ts",
             "the controls are inserted among the cell's layout widgets: the layout of a "
             "Cell being a lumino PanelLayout is not part of its typed API",
             "tests/browser/test_answer_controls.py"),
)


def resolve(owner: str) -> object:
    """The module or class named ``module`` or ``module:Class``."""
    module_name, _, qualname = owner.partition(":")
    found: object = importlib.import_module(module_name)
    for part in filter(None, qualname.split(".")):
        found = getattr(found, part)
    return found


def _has_attribute(owner: object, dotted: str) -> bool:
    for part in dotted.split("."):
        if not hasattr(owner, part):
            return False
        owner = getattr(owner, part)
    return True


def _assigned_by_owner(owner: type, name: str) -> bool:
    assignment = re.compile(rf"\bself\.{re.escape(name)}\s*(=|:)")
    return any(assignment.search(_source_or_empty(cls)) for cls in owner.__mro__)


def _source_or_empty(obj: object) -> str:
    """The source of a module, class or function ("" for anything else, or none found)."""
    if not (isinstance(obj, types.ModuleType) or callable(obj)):
        return ""
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _text_found(entry: Internal) -> bool:
    if "/" in entry.owner:
        return any(entry.name in path.read_text(errors="replace")
                   for path in Path(sys.prefix).glob(entry.owner))
    return entry.name in _source_or_empty(resolve(entry.owner))


def name_problem(entry: Internal) -> str | None:
    """Why ``entry`` does not hold in the installed release (None if it does)."""
    try:
        if entry.kind in (ATTRIBUTE, DOCUMENTED):
            found = _has_attribute(resolve(entry.owner), entry.name)
        elif entry.kind == ASSIGNED:
            owner = resolve(entry.owner)
            found = isinstance(owner, type) and _assigned_by_owner(owner, entry.name)
        elif entry.kind == TEXT:
            found = _text_found(entry)
        else:
            found = True  # BY_TEST: proven by entry.proven_by
    except (ImportError, AttributeError) as problem:
        return f"{entry.owner} cannot be loaded ({problem})"
    if found:
        return None
    return f"{entry.distribution}: {entry.owner} has no {entry.name!r} (used in {entry.used_in})"


def version_problems(distributions: set[str] | None = None) -> list[str]:
    """Installed releases that differ from ``PINNED``."""
    problems = []
    for distribution, pinned in PINNED.items():
        if distributions is not None and distribution not in distributions:
            continue
        try:
            installed = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            installed = "none"
        if installed != pinned:
            problems.append(f"{distribution} {installed} is installed; the course uses its "
                            f"internals as of {pinned}")
    return problems


def problems(used_in: str | None = None) -> list[str]:
    """Everything in the ledger (or its entries used in one file) that does not hold here."""
    entries = [entry for entry in LEDGER if used_in is None or entry.used_in == used_in]
    found = version_problems({entry.distribution for entry in entries
                              if entry.kind != DOCUMENTED})
    return found + [problem for entry in entries if (problem := name_problem(entry))]
