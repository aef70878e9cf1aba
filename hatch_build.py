"""Build hook: compile the line scanner (src/issue_flow/model/_cscan.c) when a wheel is built.

With the interpreter's own compiler settings (sysconfig's CC, or $CC; its include
directory and EXT_SUFFIX) and nothing else: no setuptools, no distutils. For an editable
install (``pip install -e .``) the module is written beside the source,
``src/issue_flow/model/_cscan<EXT_SUFFIX>`` (ignored by git); for a wheel it goes into the
wheel, which then carries a platform tag. When it cannot be compiled (no compiler, no
Python headers), one warning line says so and the build goes on: issue_flow.model.scan
falls back to its Python scanner, which gives the same results.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src", "issue_flow", "model", "_cscan.c")
MODULE = "_cscan"


def compile_extension(source: Path, target: Path) -> str | None:
    """Compile ``source`` into the extension module ``target``; None when done, else why not
    (one line)."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC")
    include = sysconfig.get_paths().get("include")
    if not cc:
        return "no C compiler configured for this Python"
    if not include or not Path(include, "Python.h").is_file():
        return f"no Python.h in {include}"
    command = [*shlex.split(cc), "-O2", "-shared", "-fPIC", f"-I{include}", str(source), "-o", str(target)]
    if sys.platform == "darwin":
        command[1:1] = ["-undefined", "dynamic_lookup"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{command[0]}: {exc}"
    if done.returncode != 0:
        first = next((ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()), "")
        return f"{command[0]} exited {done.returncode}: {first.strip()}"
    return None


def _suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or ".so"


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def _in_place(self) -> Path:
        return Path(self.root, SOURCE).with_name(MODULE + _suffix())

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        source = Path(self.root, SOURCE)
        suffix = _suffix()
        self._tmp: str | None = tempfile.mkdtemp(prefix="issue-flow-cscan-")
        built = Path(self._tmp, MODULE + suffix)
        why = compile_extension(source, built)
        if version == "editable":
            target = self._in_place()
            if target.exists():
                target.unlink()  # never leave a module compiled from an older source
            if why is None:
                shutil.move(str(built), target)
        elif why is None:
            build_data["force_include"][str(built)] = f"issue_flow/model/{MODULE}{suffix}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
        if why is not None:
            self.app.display_warning(f"issue-flow: the compiled line scanner is not built ({why}); the Python one is used")

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
            self._tmp = None

    def clean(self, versions: list[str]) -> None:
        target = self._in_place()
        if target.exists():
            target.unlink()
