"""Writing a generated document: ``cryocourse document NAME [PATH]``, or
``python -m <generator> [PATH]``, for every generator."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def write_generated(render: Callable[[], str], default: Path,
                    argv: list[str] | None = None) -> int:
    """Write ``render()`` to the path given (default ``default``); ``-h`` says how."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0].startswith("-"):
        print(f"usage: python -m <generator> [PATH]  (default {default})")
        return 0 if args[0] in ("-h", "--help") else 2
    print(write_document(render, Path(args[0]) if args else default))
    return 0


def write_document(render: Callable[[], str], path: Path) -> str:
    """Write ``render()`` to ``path`` (its folder made if need be); what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return f"Wrote {path}"


# The generated documents, by the name `cryocourse document NAME` takes: the module that
# renders each (its ``render()`` and default ``DOCUMENT`` path).
GENERATORS = {"clinical-rules": "course.authoring.clinical_rules_doc",
              "physiology-model": "course.authoring.physiology_doc"}


def write_named(name: str, path: Path | None = None, root: Path = Path()) -> str:
    """Write the document ``name`` (one of ``GENERATORS``) to ``path`` (default its own
    place in the course folder ``root``); what was written."""
    import importlib

    generator = importlib.import_module(GENERATORS[name])
    return write_document(generator.render, path or root / generator.DOCUMENT)
