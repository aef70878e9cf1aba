"""The layering of the package, read from its source: no import circle, and the heavy or
outward-facing libraries only where the layout puts them.

- No circle among the imports a module runs when it is loaded (module level, outside
  ``if TYPE_CHECKING``): such a circle works or breaks depending on which module is
  imported first. Imports inside functions are left out on purpose: they are how the
  package keeps heavy imports off the start-up path.
- click only in ``cli.py``, ``output.py`` and ``commands/`` (parsing and printing);
  PyGithub only in ``adapters/github*.py`` (the GitHub adapter), at any level.
- Each module loads on its own in a fresh interpreter, whichever comes first.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import issue_flow

SRC = Path(issue_flow.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, module: str, *, top_level: bool) -> set[str]:
    """The modules ``module`` imports (absolute names; ``from a import b`` gives ``a.b``
    as well as ``a``, since ``b`` may be a submodule)."""
    found: set[str] = set()
    package = module if (SRC / Path(*module.split(".")[1:]) / "__init__.py").is_file() else module.rpartition(".")[0]

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If) and _is_type_checking(node):
                visit(node.orelse)
            elif isinstance(node, (ast.If, ast.Try, ast.With)) and top_level:
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for h in getattr(node, "handlers", []):
                    visit(h.body)
                visit(getattr(node, "finalbody", []))

    if top_level:
        visit(tree.body)
    else:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level:
                found.add(node.module or "")
    return found


def _trees() -> dict[str, ast.Module]:
    return {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in _modules().items()}


def test_no_import_circle_at_module_level():
    trees = _trees()
    graph = {name: {m for m in _imports(tree, name, top_level=True) if m in trees and m != name} for name, tree in trees.items()}
    # A package's __init__ is loaded before its submodules: an edge to it is an edge to a parent, not a circle.
    for name, deps in graph.items():
        deps.difference_update({p for p in deps if name.startswith(p + ".")})
    circles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                circles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                walk(dep)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)
    assert circles == [], [" -> ".join(c) for c in circles]
    assert len(graph) > 40


def _users(library: str) -> set[str]:
    return {
        name
        for name, tree in _trees().items()
        if any(m == library or m.startswith(library + ".") for m in _imports(tree, name, top_level=False))
    }


def test_click_only_where_commands_parse_and_print():
    allowed = {"issue_flow.cli", "issue_flow.output"}
    users = _users("click")
    assert {u for u in users if u not in allowed and not u.startswith("issue_flow.commands.")} == set()
    assert "issue_flow.cli" in users


def test_pygithub_only_in_the_github_adapter():
    users = _users("github")
    assert {u for u in users if not u.startswith("issue_flow.adapters.github")} == set()
    assert "issue_flow.adapters.github_http" in users


def test_every_module_loads_alone_in_a_fresh_interpreter():
    names = sorted(n for n in _modules() if not n.endswith("__main__"))
    code = (
        "import importlib, sys\n"
        "bad = []\n"
        f"for name in {names!r}:\n"
        "    for k in [k for k in sys.modules if k == 'issue_flow' or k.startswith('issue_flow.')]:\n"
        "        del sys.modules[k]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        bad.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(bad), end='')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout == ""


def _private_uses(module: str, tree: ast.Module, modules: set[str]) -> list[str]:
    """Names with a leading underscore that ``module`` takes from another module of the
    package: imported by name, or read as an attribute of an imported module."""
    found: list[str] = []
    aliases: dict[str, str] = {}  # local name -> module of the package it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in modules and a.asname:
                    aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("issue_flow"):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if full in modules:
                    aliases[a.asname or a.name] = full
                elif a.name.startswith("_") and not a.name.startswith("__") and node.module != module:
                    found.append(f"{module}: from {node.module} import {a.name}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and aliases[node.value.id] != module
        ):
            found.append(f"{module}: {aliases[node.value.id]}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    """Between modules only public names: a private name is the module's own business, and
    a use from outside is a joint nobody sees when the module changes."""
    trees = _trees()
    modules = set(trees)
    found = [use for module, tree in trees.items() for use in _private_uses(module, tree, modules)]
    assert found == []


def test_no_module_over_about_400_lines_without_the_reason_at_its_top():
    """Small modules that say what they are; a longer one says at its top why it is one."""
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > 420:  # "about 400": a few lines over are not a reason to split
            head = ast.get_docstring(ast.parse(text)) or ""
            assert "Over ~400 lines" in head, (name, lines)


def test_the_use_cases_moved_to_workflows_without_shims():
    for old in ("releasing", "releasedocs", "gates", "ci_tracking", "closing", "syncing"):
        assert not (SRC / f"{old}.py").exists(), old
    for new in ("release", "release_docs", "gate", "ci", "close", "sync", "check", "new", "status", "init", "lint"):
        assert (SRC / "workflows" / f"{new}.py").is_file(), new
