"""Writing a generated document: ``python -m <generator> [PATH]`` for every generator."""

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
    path = Path(args[0]) if args else default
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    print(f"Wrote {path}")
    return 0
