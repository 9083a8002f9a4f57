"""Assessment 05's source notebook and its variants: the reference answers written in the
source are those of the self-study set (the variant a kernel draws without a key), so the
source validates and the "reference" proofs hold. When the case bank, the engine or the
blueprint changes, refresh them:

    cryocourse variant-notebook      (or python -m course.authoring.variant_notebook;
                                      then regenerate release/)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from course.exercises.screening_cases import case_item_id, variant_reference
from course.models.variants import ASSESSMENT, SELF_STUDY_KEY, draw

SOURCE = Path("source") / ASSESSMENT / f"{ASSESSMENT}.ipynb"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def solution_source(item_id: str, answers: dict[str, object]) -> str:
    """An answer cell: the placeholders the trainee sees, then the reference as a solution."""
    stubs = "\n".join(f"{name} = ..." for name in answers)
    values = "\n".join(f"{name} = {value!r}" for name, value in answers.items())
    return f"{stubs}\n{BEGIN}\n{values}\n{END}"


def refresh_solutions(path: Path) -> bool:
    """Write the self-study set's reference answers into the source notebook; True if it
    changed anything."""
    nb = nbformat.read(path, as_version=4)
    references = variant_reference(draw(ASSESSMENT, SELF_STUDY_KEY))
    changed = False
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        item_id = grade_id.removesuffix("_answer")
        if grade_id.endswith("_answer") and item_id in references:
            text = solution_source(item_id, references[item_id])
            if cell.source != text:
                cell.source, changed = text, True
    if changed:
        nbformat.write(nb, path)
    return changed


def refresh(root: Path = Path()) -> str:
    """Refresh the source notebook's reference answers; what happened."""
    path = root / SOURCE
    changed = refresh_solutions(path)
    return (f"{path}: {'reference answers refreshed' if changed else 'already up to date'}. "
            f"Next: nbgrader generate_assignment {ASSESSMENT} --force")


def main(root: Path = Path()) -> int:
    """``python -m course.authoring.variant_notebook`` (``cryocourse variant-notebook``)."""
    print(refresh(root))
    return 0


__all__ = ["case_item_id", "refresh_solutions", "solution_source"]

if __name__ == "__main__":
    sys.exit(main())
