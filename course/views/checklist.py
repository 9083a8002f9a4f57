"""A searchable list of tick boxes: the course's control for "pick several".

A multi-select list box drops every earlier choice when a trainee clicks a new one without
holding Ctrl; tick boxes never do. ``.value`` is the tuple of ticked values (in list order),
settable and observable like any widget value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

ROW_PX = 30


class Checklist(widgets.VBox):
    """Tick boxes for ``options`` ((label, value) pairs) under a filter box."""

    value = traitlets.Tuple()

    def __init__(self, options: Sequence[tuple[str, str]], description: str = "",
                 rows: int = 8, width: str = "520px", label_width: str = "") -> None:
        """``label_width``: the description width of the form around it (the list lines up
        with the other controls' boxes)."""
        self._labels = dict((value, label) for label, value in options)
        self.boxes = {value: widgets.Checkbox(False, description=label, indent=False,
                                              layout=widgets.Layout(width="auto"))
                      for label, value in options}
        self.search = widgets.Text(placeholder="type to find in the list",
                                   description=description, continuous_update=True,
                                   layout=widgets.Layout(width=width))
        if label_width:
            self.search.style = {"description_width": label_width}
        indent = f"calc({label_width} + 4px)" if label_width else "0px"
        self.listing = widgets.VBox(list(self.boxes.values()), layout=widgets.Layout(
            width=f"calc({width} - {indent})", max_height=f"{rows * ROW_PX}px", overflow="auto",
            border="1px solid #8c8c8c", padding="2px 8px",
            margin=f"0 0 0 {indent}"))
        self.ticked = widgets.HTML(layout=widgets.Layout(margin=f"0 0 0 {indent}"))
        super().__init__([self.search, self.listing, self.ticked])
        self._syncing = False
        for box in self.boxes.values():
            box.observe(self._on_tick, names="value")
        self.search.observe(self._on_search, names="value")
        self.observe(self._on_value, names="value")
        self._show_ticked()

    def _on_tick(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.value = tuple(v for v, box in self.boxes.items() if box.value)

    def _on_value(self, change: dict[str, Any]) -> None:
        unknown = set(change["new"]) - set(self.boxes)
        if unknown:
            raise traitlets.TraitError(f"not in the list: {', '.join(sorted(unknown))}")
        self._syncing = True
        try:
            for value, box in self.boxes.items():
                box.value = value in change["new"]
        finally:
            self._syncing = False
        self._show_ticked()

    def _on_search(self, change: dict[str, Any]) -> None:
        needle = change["new"].strip().lower()
        for value, box in self.boxes.items():
            shown = not needle or needle in box.description.lower() or needle in value.lower()
            box.layout.display = None if shown else "none"

    def _show_ticked(self) -> None:
        names = [self._labels[v] for v in self.value]
        self.ticked.value = ("<small>Ticked: " + (", ".join(names) if names else "none")
                             + "</small>")
