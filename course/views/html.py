"""HTML pieces that notebooks display and tests read as plain strings."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from html import escape
from typing import Any


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


def figure_html(figure: Any) -> str:
    """A matplotlib Figure as an ``<img>`` whose alt text is the figure's label (each course
    figure is labelled with its one-sentence summary), for screen readers."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = escape(figure.get_label() or "Chart (described in the text below)", quote=True)
    return f'<img src="data:image/png;base64,{data}" alt="{alt}">'


def show_figures_with_alt_text() -> bool:
    """In a notebook, show matplotlib Figures through :func:`figure_html` (JupyterLab's own
    PNG output has no alt text); False outside IPython."""
    from course.questions.friendly_errors import running_shell

    shell = running_shell()
    if shell is None:
        return False
    from matplotlib.figure import Figure

    shell.display_formatter.formatters["text/html"].for_type(Figure, figure_html)
    return True
