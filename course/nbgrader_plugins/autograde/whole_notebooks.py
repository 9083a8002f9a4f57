"""Autograded notebooks written whole: a run killed while writing leaves the old file or the
new one, never half a notebook that later counts as graded.

nbgrader's converter writes each notebook with nbconvert's ``FilesWriter`` straight into its
final name. ``WholeFilesWriter`` has that writer put it under a temporary name beside it,
then renames it into place (``os.replace``). The converter's ``writer`` is a public trait that
``BaseConverter.start`` sets just before it makes the exporter; the Autograde exporter
(``course.nbgrader_plugins.autograde.grading_guard.GradingLockExporter``) swaps it for this
one there.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from nbconvert.writers import FilesWriter


class WholeFilesWriter(FilesWriter):
    """nbconvert's files writer, each notebook written under a temporary name, then renamed."""

    def write(self, output: Any, resources: Any, notebook_name: str | None = None,
              **kw: Any) -> str:
        if notebook_name is None:
            return super().write(output, resources, notebook_name=notebook_name, **kw)
        temporary = f".{notebook_name}.{secrets.token_hex(4)}.part"
        written = Path(super().write(output, resources, notebook_name=temporary, **kw))
        final = written.with_name(notebook_name + written.name[len(temporary):])
        try:
            os.replace(written, final)
        except BaseException:
            written.unlink(missing_ok=True)
            raise
        return str(final)


def write_whole_notebooks(converter: Any) -> None:
    """Have ``converter`` (an nbgrader converter being started) write notebooks whole."""
    writer = getattr(converter, "writer", None)
    if type(writer) is FilesWriter:
        converter.writer = WholeFilesWriter(parent=converter, config=converter.config)
