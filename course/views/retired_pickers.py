"""The answer pickers of lesson 07 as released in version 0.1.0 (retired in 0.2.0).

Version 0.2.0 answers lesson 07's steps and lists in the answer controls (the cell itself is
the control, nothing to copy). A lesson 07 notebook fetched under 0.1.0 still calls these in
its cells, so they keep working there, unchanged: each shows the answer line to copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets

from course.facts.safe_practice import record_fields, safe_practice


def _answer_line(variable: str, codes: Sequence[str]) -> str:
    return f"{variable} = [" + ", ".join(f'"{code}"' for code in codes) + "]"


class TickList:
    """Tick the items that apply; ``.answer`` shows the answer line to copy into the cell below.

    It marks nothing (the question is marked after you submit): it only writes the list.
    ``.boxes`` maps each code to its Checkbox, whose ``.value`` can be set.
    """

    def __init__(self, codes: Sequence[str], variable: str, labels: dict[str, str]) -> None:
        self.variable = variable
        self.boxes = {code: widgets.Checkbox(value=False, description=labels[code],
                                             indent=False,
                                             layout=widgets.Layout(width="640px"))
                      for code in codes}
        self.answer = widgets.HTML()
        for box in self.boxes.values():
            box.observe(lambda change: self.refresh(), names="value")
        self.widget = widgets.VBox([*self.boxes.values(), self.answer])
        self.refresh()

    @property
    def ticked(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.value]

    def refresh(self) -> None:
        """Show the answer line for the ticked items."""
        line = _answer_line(self.variable, self.ticked)
        self.answer.value = (f"Copy this line into the answer cell below: <code>{escape(line)}"
                             "</code>")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class StepPicker:
    """Click steps in the order you would do them; ``.answer`` shows the line to copy.

    ``.buttons`` maps each code to its Button (``.click()`` adds it); ``.undo`` and ``.clear``
    take steps back off; ``.chosen`` is the order so far.
    """

    def __init__(self, codes: Sequence[str], variable: str) -> None:
        steps = safe_practice().steps
        self.variable = variable
        self.chosen: list[str] = []
        self.buttons = {code: widgets.Button(description=steps[code].name, tooltip=code,
                                             layout=widgets.Layout(width="640px"))
                        for code in sorted(codes)}
        for code, button in self.buttons.items():
            button.on_click(lambda _, code=code: self._add(code))
        self.undo = widgets.Button(description="Undo last step")
        self.clear = widgets.Button(description="Start again")
        self.undo.on_click(lambda _: self._take_back(1))
        self.clear.on_click(lambda _: self._take_back(len(self.chosen)))
        self.order = widgets.HTML()
        self.answer = widgets.HTML()
        self.widget = widgets.VBox([*self.buttons.values(),
                                    widgets.HBox([self.undo, self.clear]), self.order,
                                    self.answer])
        self.refresh()

    def _add(self, code: str) -> None:
        if code not in self.chosen:
            self.chosen.append(code)
        self.refresh()

    def _take_back(self, count: int) -> None:
        del self.chosen[len(self.chosen) - count:]
        self.refresh()

    def refresh(self) -> None:
        """Show the order so far, grey out steps already chosen, and the answer line."""
        steps = safe_practice().steps
        for code, button in self.buttons.items():
            button.disabled = code in self.chosen
        items = "".join(f"<li>{escape(steps[code].name)}</li>" for code in self.chosen)
        self.order.value = f"<ol>{items}</ol>" if items else "<i>No step chosen yet.</i>"
        line = _answer_line(self.variable, self.chosen)
        self.answer.value = (f"Copy this line into the answer cell below: <code>{escape(line)}"
                             "</code>")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def rule_ticks(codes: Sequence[str], variable: str) -> TickList:
    """A TickList of safe-practice rules (labelled with the rules' names)."""
    rules = safe_practice().rules
    return TickList(codes, variable, {code: rules[code].name for code in codes})


def field_ticks(variable: str) -> TickList:
    """A TickList of the session record's fields."""
    fields = record_fields("session")
    return TickList([f.code for f in fields], variable, {f.code: f.name for f in fields})
