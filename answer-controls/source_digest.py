"""The digest of the answer-controls extension's source, recorded next to its committed build.

``build.sh`` writes it to ``course/labextension/source.sha256`` after building; the test suite
recomputes it, so a change to the TypeScript, the CSS or the package files that was not
rebuilt fails CI. Run as a script to print the digest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ("package.json", "package-lock.json", "tsconfig.json", "src/*.ts", "style/*.css")
# Bundled into the extension from the course package (src/metadata.ts imports the schema).
COURSE_SOURCES = ("data/schemas/*.json",)


def source_digest(root: Path = HERE) -> str:
    """SHA-256 over every source file's path and bytes, in a fixed order."""
    digest = hashlib.sha256()
    course = root.parent / "course"
    files = [(p.relative_to(root).as_posix(), p)
             for p in sorted({p for pattern in SOURCES for p in root.glob(pattern)})]
    files += [("course/" + p.relative_to(course).as_posix(), p)
              for p in sorted({p for pattern in COURSE_SOURCES for p in course.glob(pattern)})]
    for name, path in files:
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


if __name__ == "__main__":
    print(source_digest())
