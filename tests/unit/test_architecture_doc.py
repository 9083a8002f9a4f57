"""docs/architecture.md names every module of the package (it is redrawn from the code)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_module_is_in_the_architecture_doc():
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for path in sorted((REPO / "course").rglob("*.py")):
        if path.name == "__init__.py" and path.parent != REPO / "course":
            continue  # a room's __init__ is its docstring; the room itself is named
        relative = path.relative_to(REPO / "course")
        room = relative.parts[0] if len(relative.parts) > 1 else ""
        if path.name not in doc or (room and f"course/{room}/" not in doc):
            missing.append(str(relative))
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_every_room_is_in_the_layers_contract():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    rooms = [p.name for p in (REPO / "course").iterdir()
             if p.is_dir() and (p / "__init__.py").exists()]
    for room in rooms:
        assert f'"course.{room}' in pyproject or f"| course.{room}" in pyproject, room
