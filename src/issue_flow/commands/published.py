"""``issue-flow published``: is every released package version on the npm registry?

The command-line contract the release workflow relies on (docs/decisions.md):

* exit 0 — every checked package's version (the version in its manifest, i.e. the one the
  release commit holds) is on its registry;
* exit 1 — at least one is not (the workflow then runs ``npm publish`` for those);
* exit 2 — an error: bad input, a registry that cannot be reached or answers something
  other than 200/404.

Private packages (``"private": true``) and pyproject.toml packages are listed as not
checked and do not count. One GET per package; nothing is written.
"""

from __future__ import annotations

from typing import Any

import click

from issue_flow.errors import CheckFailed


EXAMPLES = """
\b
Examples:
  issue-flow published                       # after npm publish: all there?
  issue-flow published --registry http://127.0.0.1:4873/ --json
  issue-flow published || npm publish        # publish what is missing
"""


@click.command("published", epilog=EXAMPLES)
@click.option("--registry", metavar="URL", default=None, help="Check on this registry (default: the package's, npm's configuration, or registry.npmjs.org).")
@click.option("--package", "packages", metavar="NAME", multiple=True, help="Check only this package (configured name, manifest path or npm name); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@click.pass_obj
def command(app: Any, registry: str | None, packages: tuple[str, ...], as_json: bool) -> None:
    """Say for each configured package whether its version is on the npm registry.

    \b
    Exit codes (the contract of the release workflow):
      0  every released package version is on the registry
      1  at least one is not (nothing is wrong: publish it)
      2  an error: bad input, or a registry that cannot be reached or answers
         something other than 200 / 404

    The version checked is the one in each package.json (after `issue-flow release
    --commit`, the released one). Private packages and non-npm packages are shown as not
    checked and do not change the exit code. The registry of a package is --registry,
    else its publishConfig.registry, else NPM_CONFIG_REGISTRY, else [release] registry,
    else the registry of the project's or the user's .npmrc (where actions/setup-node
    writes registry-url), else https://registry.npmjs.org/. A token in NODE_AUTH_TOKEN
    or NPM_TOKEN is sent to the registry (never shown). One GET per package; nothing is
    written.
    """
    from issue_flow.output import actions_output, actions_summary, emit_json
    from issue_flow.workflows.published import check_packages

    cfg = app.config
    rows = check_packages(cfg, packages, registry)
    checked = [r for r in rows if r["checked"]]
    missing = [r for r in checked if not r["published"]]
    result = {"all_published": not missing, "packages": rows}
    if as_json:
        emit_json(result)
    else:
        for r in rows:
            if not r["checked"]:
                click.echo(f"{r['name'] or r['package']} {r['version'] or ''}: not checked ({r['why']})".replace("  ", " "))
            else:
                state = "published" if r["published"] else "NOT published"
                click.echo(f"{r['name']}@{r['version']}: {state} on {r['registry']}")
    actions_output(published="true" if not missing else "false")
    lines = ["### Published", "", "| Package | Version | Registry | Published |", "|---|---|---|---|"]
    for r in rows:
        mark = "✅" if r["published"] else ("❌" if r["checked"] else f"— ({r['why']})")
        lines.append(f"| `{r['name'] or r['package']}` | {r['version'] or ''} | {r['registry'] or ''} | {mark} |")
    actions_summary("\n".join(lines) + "\n")
    if not checked and not as_json:
        click.echo("no npm package to check", err=True)
    if missing:
        raise CheckFailed(
            "not on the registry: " + ", ".join(f"{r['name']}@{r['version']}" for r in missing)
        )
