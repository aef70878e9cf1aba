"""The layers depend downwards only: ``commands/`` → ``workflows/`` → ``model/``, read from
the source at every level (imports inside functions too: a lazy import is still a
dependency). A workflow that imports a command, or the model that imports a workflow, a
command or an adapter, puts knowledge in the wrong place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import issue_flow

SRC = Path(issue_flow.__file__).parent

# layer -> the layers it must not import
FORBIDDEN = {
    "model": ("issue_flow.workflows", "issue_flow.commands", "issue_flow.adapters", "issue_flow.cli"),
    "workflows": ("issue_flow.commands", "issue_flow.cli"),
}


def _imported(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_does_not_import_the_layers_above_it(layer):
    bad = [
        f"{path.relative_to(SRC).as_posix()}:{line}: {name}"
        for path in sorted((SRC / layer).glob("*.py"))
        for line, name in _imported(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer])
    ]
    assert bad == []


def test_status_and_report_read_the_status_use_case_from_workflows():
    # the use-case is one module; the command and the report both call it
    assert (SRC / "workflows" / "status.py").is_file()
    for name in ("commands/status.py", "workflows/report.py"):
        modules = {n for _, n in _imported(SRC / name)}
        assert "issue_flow.workflows.status" in modules, name
        assert "issue_flow.commands.status" not in modules, name
