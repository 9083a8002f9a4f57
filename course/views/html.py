"""HTML pieces that notebooks display and tests read as plain strings."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape


class Html(str):
    """Text that a notebook shows as HTML (and tests read as a plain string)."""

    def _repr_html_(self) -> str:
        return str(self)


def table(header: Iterable[str], rows: Iterable[Iterable[str]], caption: str = "") -> Html:
    """An HTML table from plain-text cells (every cell escaped)."""
    head = "".join(f"<th style='text-align:left'>{escape(text)}</th>" for text in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{escape(text)}</td>" for text in row)
        + "</tr>" for row in rows)
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return Html(f"<table>{caption_html}<tr>{head}</tr>{body}</table>")
