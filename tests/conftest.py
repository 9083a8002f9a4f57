"""Shared test set-up: the harness module is importable from every test file."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
