"""``issue-flow init``: parse the options, build the plan (:mod:`issue_flow.workflows.init`), print.

``--schema`` prints the JSON Schema of the configuration (generated from
:mod:`issue_flow.config_fields`, the same text as the package's
``schema/issue-flow.schema.json``) for editors that validate TOML against one.
"""

from __future__ import annotations

import click

from issue_flow.workflows.init import next_step, plan_init, propose_gates, workflow_jobs  # noqa: F401  (names tests use)

EXAMPLES = """
\b
Examples:
  issue-flow init --dry-run     # show the file it would write
  issue-flow init               # write .issue-flow.toml
  issue-flow init --pyproject   # write [tool.issue-flow] into pyproject.toml
"""


@click.command(epilog=EXAMPLES)
@click.option("--pyproject", is_flag=True, help="Write [tool.issue-flow] into pyproject.toml instead of .issue-flow.toml.")
@click.option("--dry-run", is_flag=True, help="Print the file it would write; change nothing.")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of the configuration (for editors); change nothing.")
@click.pass_obj
def command(app, pyproject: bool, dry_run: bool, schema: bool) -> None:
    """Write the configuration, proposing what the repository already has.

    Detected: the root package.json (tags vX.Y.Z), packages/*/package.json (tags
    NAME-vX.Y.Z), or a pyproject.toml; the GitHub repository from GITHUB_REPOSITORY or
    the origin remote; gates from the package.json scripts (lint, test:mock or test, an
    integration script or tests/integration) with the check names of the matching
    .github/workflows jobs. Run it again at any time: existing keys and comments are
    kept, missing keys are added. The repository's own files are never changed.

    Editors check the file against the JSON Schema of the configuration: it ships in
    the package as issue_flow/schema/issue-flow.schema.json, and --schema prints it
    (save it and point a '#:schema' line or taplo's configuration at it; see the
    README, "Configuration").
    """
    if schema:
        from issue_flow.config_fields import schema_text

        click.echo(schema_text(), nl=False)
        return
    from issue_flow.output import run_plan

    cfg = app.config
    plan, path = plan_init(cfg, pyproject=pyproject)
    if plan.empty:
        click.echo(f"{path.name} is up to date")
        return
    run_plan(plan, dry_run=dry_run, root=cfg.root)
    if not dry_run:
        click.echo(next_step(cfg, path))
