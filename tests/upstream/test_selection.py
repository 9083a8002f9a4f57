"""The upstream runs cover every nbgrader test module of the parts the course touches."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from tests.upstream.nbgrader_suite import (
    COVERED_PACKAGES,
    GRADEBOOK_MODULES,
    GRADEBOOK_USER_MODULES,
    KNOWN_STOCK_FAILURES,
    METADATA_MODULES,
)

pytestmark = pytest.mark.upstream


def _test_modules(name: str) -> set[str]:
    package = importlib.import_module(name)
    if not hasattr(package, "__path__"):
        return {name}
    return {info.name for info in pkgutil.walk_packages(package.__path__, f"{name}.")
            if info.name.rsplit(".", 1)[-1].startswith("test_")}


def test_every_module_of_the_touched_packages_is_run_once() -> None:
    selected = [*METADATA_MODULES, *GRADEBOOK_MODULES, *GRADEBOOK_USER_MODULES]
    expanded = [module for name in selected for module in sorted(_test_modules(name))]
    assert len(expanded) == len(set(expanded))
    assert set(expanded) == set().union(*map(_test_modules, COVERED_PACKAGES))


def test_every_known_stock_failure_has_its_reason() -> None:
    assert len(KNOWN_STOCK_FAILURES) == 11
    assert all("not ship" in reason for reason in KNOWN_STOCK_FAILURES.values())
