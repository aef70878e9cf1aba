"""``paths.rel_posix``: a path below the root, as ``Path.relative_to(root).as_posix()`` says it."""

from __future__ import annotations

from pathlib import Path

import pytest

from issue_flow.paths import rel_posix


@pytest.mark.parametrize(
    "root, path",
    [
        ("/r", "/r/docs/issues/ISSUE-1/README.md"),
        ("/r/", "/r/docs/a.md"),
        ("/r", "/r"),
        ("/r/x", "/r/x/./y.md"),
        ("/r/x", "/r/x//y.md"),
        ("/r/x", "/r/x/.hidden/y.md"),
        ("/", "/etc/a"),
        ("/r", "/r/a b/ü.md"),
    ],
)
def test_as_relative_to_says(root, path):
    for r in (root, Path(root)):
        for p in (path, Path(path)):
            assert rel_posix(r, p) == Path(path).relative_to(root).as_posix()


@pytest.mark.parametrize("root, path", [("/r", "/rx/a.md"), ("/r", "/s/a.md"), ("/r/x", "/r"), ("/r", "r/a.md")])
def test_outside_the_root_is_a_value_error_as_relative_to_raises(root, path):
    with pytest.raises(ValueError):
        Path(path).relative_to(root)
    with pytest.raises(ValueError):
        rel_posix(root, path)
