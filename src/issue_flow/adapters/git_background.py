"""git commands started now and read later, so that they run while other work is done.

Why an adapter of its own: a release asks git a few questions whose answers it needs
only late (the tracked locks, the files changed since the previous tag, the tags, HEAD);
starting them first and reading them when needed hides their few milliseconds each.
Split from ``workflows/release.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class Background:
    """A git command started now and read later, so it runs while the plan is being made.

    (Each git process costs a few milliseconds; the two a release asks for besides the
    tags, the tracked locks and the files changed since the previous tag, overlap with
    reading the issue and scanning the locks.) Any failure reads as "no answer".
    """

    def __init__(self, root: Path, *args: str):
        import subprocess

        from issue_flow.adapters import git

        try:
            self.proc: Any = subprocess.Popen(
                [git.executable(), "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL, env=git.git_env(), **git.SPAWN,
            )
        except OSError:
            self.proc = None
        self._out: str | None = None

    def result(self) -> str | None:
        """The command's output, or None when it failed."""
        if self.proc is None:
            return None
        if self._out is None:
            data, _ = self.proc.communicate()
            self._out = data.decode("utf-8", "replace") if self.proc.returncode == 0 else ""
            self._ok = self.proc.returncode == 0
        return self._out if self._ok else None
