"""A path below the repository root as the documents and reports show it (``a/b.md``).

``Path(path).relative_to(root).as_posix()`` builds and compares two ``Path`` objects; a
cold ``status`` asks it for every document of the tree (25,000 at 5,000 folders), where it
was a few percent of the time. The paths asked about come from folder listings below a
normalised root, so a string prefix gives the same answer; anything else (another form,
``.`` or empty components, a root that is not a prefix, Windows separators) is left to
``relative_to``, which also raises the same ``ValueError`` for a path outside the root.
"""

from __future__ import annotations

import os
from pathlib import Path


def rel_posix(root: Path | str, path: Path | str) -> str:
    r, p = os.fspath(root), os.fspath(path)
    if os.altsep is None and r.startswith("/") and not r.endswith("/") and p.startswith(r + "/"):
        tail = p[len(r) + 1 :]
        if all(part not in ("", ".") for part in tail.split("/")):
            return tail
    return Path(p).relative_to(r).as_posix()
