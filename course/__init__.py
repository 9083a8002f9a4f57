"""Cosmetic cryotherapy: a Jupyter training course for trainee cosmetologists.

Training material, not medical advice. See README.md and docs/architecture.md.

The package is laid out along the pipeline, lowest layer first (import-linter contracts in
pyproject.toml keep imports pointing down):

foundation/       name matching and regular-file reading: no course imports
facts/            the knowledge base (course/data/*.toml) and its one reader
models/           physiology, screening, cases, timing, oxygen, variants, the session record
questions/        answer kinds, items, the one reader of an answer's text, friendly errors
exercises/        each lesson's questions, declared as data
views/, checks    the lessons' figures and widgets; check(), hint() and grade() in the kernel
lessons/          one facade per lesson: what its setup cell imports
storage/          the course folder, the gradebook database, the grading lock, variant keys
sandbox/          the grading sandbox (a jupyter_client kernel provisioner)
nbgrader_plugins/ what nbgrader_config.py puts in nbgrader's pipelines
classroom/, authoring/  the term over nbgrader's API; checks and generators for authors
demo/             synthetic classes
cli.py            ``cryocourse``
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import CodeType, ModuleType

from course._moved import MOVED


class _MovedModuleLoader(importlib.abc.Loader):
    """Loads an old module path as the module that lives at its new path."""

    def __init__(self, new_name: str) -> None:
        self.new_name = new_name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.new_name)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module at the new path is already loaded."""

    def get_code(self, fullname: str) -> CodeType | None:
        """For ``python -m <old path>``: the new module's code."""
        spec = importlib.util.find_spec(self.new_name)
        if spec is None or not isinstance(spec.loader, importlib.abc.InspectLoader):
            return None
        return spec.loader.get_code(self.new_name)


class _MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Answers the old paths of ``course._moved.MOVED``."""

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        new_name = MOVED.get(fullname)
        if new_name is None:
            return None
        is_package = importlib.util.find_spec(new_name) is not None and \
            hasattr(importlib.import_module(new_name), "__path__")
        return importlib.util.spec_from_loader(fullname, _MovedModuleLoader(new_name),
                                               is_package=is_package)


if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _MovedModuleFinder())
