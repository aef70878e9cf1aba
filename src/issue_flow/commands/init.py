"""``issue-flow init``: write the configuration, detecting the packages present.

The configuration goes to ``.issue-flow.toml`` (or to ``[tool.issue-flow]`` of
``pyproject.toml`` with ``--pyproject``). It is written with tomlkit: a second ``init``
adds only the keys that are missing and keeps every value and comment the user wrote.
"""

from __future__ import annotations

import click

from issue_flow.errors import IssueFlowError


def _fresh_table(cfg):
    import tomlkit

    table = tomlkit.table()
    if cfg.repository:
        table.add("repository", cfg.repository)
    else:
        table.add(tomlkit.comment('repository = "owner/name"  # default: GITHUB_REPOSITORY or the origin remote'))
    table.add(tomlkit.comment('api_url = "https://api.github.com"  # GitHub Enterprise Server: https://HOST/api/v3'))
    table.add("docs", cfg.docs)
    table.add("releases", cfg.releases)
    table.add("default_branch", cfg.default_branch)
    return table


def _aot(objects, keys):
    """An array of tables, one per object, with the given attributes (None left out)."""
    import tomlkit

    arr = tomlkit.aot()
    for obj in objects:
        t = tomlkit.table()
        for key in keys:
            value = getattr(obj, key)
            if value is not None:
                t.add(key, value)
        arr.append(t)
    return arr


def plan_init(cfg, *, pyproject: bool):
    import tomlkit

    from issue_flow.config import CONFIG_FILE
    from issue_flow.plan import Plan

    root = cfg.root
    plan = Plan()
    if cfg.source is not None:
        path = cfg.source
    else:
        path = root / ("pyproject.toml" if pyproject else CONFIG_FILE)
    old = path.read_bytes() if path.is_file() else None
    try:
        doc = tomlkit.parse(old.decode("utf-8")) if old else tomlkit.document()
    except Exception as exc:  # tomlkit raises its own ParseError family
        raise IssueFlowError(f"{path.name}: malformed TOML ({exc})") from None
    if path.name == "pyproject.toml":
        tool = doc.setdefault("tool", tomlkit.table(is_super_table=True))
        if "issue-flow" not in tool:
            tool["issue-flow"] = tomlkit.table()
        table = tool["issue-flow"]
    else:
        table = doc
    fresh = _fresh_table(cfg)
    if not table:
        if path.name != "pyproject.toml":
            doc.add(tomlkit.comment("issue-flow configuration: see `issue-flow init --help`"))
        for key, value in fresh.value.body:
            if key is None:
                table.add(value)
            else:
                table.add(key.key, value)
    else:
        for key, value in fresh.items():
            if key not in table:
                table[key] = value
    if "packages" not in table and cfg.packages:
        table["packages"] = _aot(cfg.packages, ("name", "manifest", "tag_prefix"))
    if "gates" not in table:
        table["gates"] = _aot(cfg.gates, ("name", "command", "report", "format", "check", "required"))
    new = tomlkit.dumps(doc).encode("utf-8")
    plan.write(path, old, new, "issue-flow configuration")
    return plan, path


@click.command()
@click.option("--pyproject", is_flag=True, help="Write [tool.issue-flow] into pyproject.toml instead of .issue-flow.toml.")
@click.option("--dry-run", is_flag=True, help="Print the file it would write; change nothing.")
@click.pass_obj
def command(app, pyproject: bool, dry_run: bool) -> None:
    """Write the configuration, detecting the npm packages present.

    Detected: the root package.json (tags vX.Y.Z), packages/*/package.json (tags
    NAME-vX.Y.Z), or a pyproject.toml; the GitHub repository from GITHUB_REPOSITORY or
    the origin remote; the default gates lint, test:mock and proxy-integration. Run it
    again at any time: existing keys and comments are kept, missing keys are added.
    """
    from issue_flow.output import run_plan

    cfg = app.config
    plan, path = plan_init(cfg, pyproject=pyproject)
    if plan.empty:
        click.echo(f"{path.name} is up to date")
        return
    run_plan(plan, dry_run=dry_run, root=cfg.root)
