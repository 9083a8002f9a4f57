"""Widgets whose controls are set several at a time (a preset): one refresh per batch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class BatchedRefresh:
    """A widget that re-runs its model when a control changes, and only once when a preset
    sets several controls together. Controls observe ``_on_change``; presets use ``batch``."""

    _holding = False

    def refresh(self) -> None:
        """Re-run the model for the current controls (each widget defines it)."""
        raise NotImplementedError

    @contextmanager
    def batch(self, refresh: bool = True) -> Iterator[None]:
        """Set several controls inside the block; refresh once after it (unless told not)."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if refresh:
            self.refresh()

    def _on_change(self, change: dict) -> None:
        if not self._holding:
            self.refresh()
