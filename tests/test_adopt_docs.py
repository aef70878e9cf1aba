"""The documentation of adoption says what the files do: README's "Use in your repository"
(its workflow, the Action's inputs and outputs), docs/releasing.md, the distribution name."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from issue_flow import __version__

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 4)
    return README[start: end if end != -1 else None]


def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def table_names(text: str, header: str) -> list[str]:
    block = text[text.index(f"| {header} |"):]
    rows = []
    for line in block.splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1].strip().strip("`"))
    return rows


def test_the_distribution_name_is_the_one_documented():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    assert name == "issue-flow-md"
    use = section("Use in your repository")
    assert f"pipx install {name}" in use
    assert f'"{name}==' in (ROOT / "action.yml").read_text() and f'"{name}==' in (ROOT / ".github/workflows/release.yml").read_text()


def test_the_readme_workflow_uses_only_what_the_action_declares():
    use = section("Use in your repository")
    block = re.search(r"```yaml\n(.*?)```", use, re.DOTALL).group(1)
    wf = yaml.safe_load(block)
    inputs, outputs = set(action()["inputs"]), set(action()["outputs"])
    steps = wf["jobs"]["release"]["steps"]
    ours = [s for s in steps if s.get("uses") == "OWNER/issue-flow@v1"]
    assert len(ours) == 3
    for s in ours:
        assert set(s.get("with", {})) <= inputs, s
    ids = {s.get("id") for s in ours}
    for ref_id, name in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", block):
        assert ref_id in ids and name in outputs, (ref_id, name)


def test_the_readme_tables_list_every_input_and_output():
    use = section("Use in your repository")
    assert table_names(use, "input") == list(action()["inputs"])
    assert table_names(use, "output") == list(action()["outputs"])


def test_releasing_explains_the_version_tags():
    text = (ROOT / "docs" / "releasing.md").read_text(encoding="utf-8")
    assert "**`vX.Y.Z`**" in text and "**`vX`**" in text
    assert "OWNER/issue-flow@v1" in text and "@v1.2.3" in text
    assert "ISSUE_FLOW_VERSION" in text and "__version__" in text
    assert re.search(r'ISSUE_FLOW_VERSION: "([^"]+)"', (ROOT / ".github/workflows/release.yml").read_text()).group(1) == __version__
