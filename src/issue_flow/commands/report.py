"""``issue-flow report --html DIR | --markdown``: every issue on one static page, or as Markdown."""

from __future__ import annotations

import click

from issue_flow.errors import IssueFlowError


@click.command()
@click.option("--html", "html_dir", metavar="DIR", default=None,
              help="Write DIR/index.html: one page, no server, nothing fetched (DIR inside the repository, or absolute).")
@click.option("--markdown", is_flag=True, help="Print the same report as GitHub-flavoured Markdown (for $GITHUB_STEP_SUMMARY).")
@click.option("--dry-run", is_flag=True, help="With --html: say what would be written, write nothing.")
@click.pass_obj
def command(app, html_dir: str | None, markdown: bool, dry_run: bool) -> None:
    """Every issue's progress, the parent/child tree, drift, open items and releases.

    The figures are those of `status --json` (tasks done/total per issue, document and
    section, criteria, phases), with each issue's open items and the release folders of
    docs/releases/ (date, type and the issues their notes name). The page is a single
    file with its stylesheet inline and no script, for an Actions artifact or GitHub
    Pages; an index.html that issue-flow did not write is never overwritten.

    \b
    Examples:
      issue-flow report --html site
      issue-flow report --markdown >> "$GITHUB_STEP_SUMMARY"
      issue-flow report --html "$RUNNER_TEMP/report" --dry-run
    """
    import os
    from pathlib import Path

    from issue_flow.workflows import report as rp
    from issue_flow.workflows.report_releases import inside

    if html_dir is None and not markdown:
        raise IssueFlowError("say what to write: --html DIR (a page) or --markdown (printed)")
    if dry_run and html_dir is None:
        raise IssueFlowError("--dry-run goes with --html DIR (--markdown only prints)")
    cfg = app.config
    page = rp.target(cfg, html_dir) if html_dir is not None else None
    data = rp.build(cfg)
    if markdown:
        click.echo(rp.render_markdown(cfg, data), nl=False)
    if page is None:
        return
    html = rp.render_html(cfg, data)
    shown = os.path.relpath(page, Path.cwd()) if inside(page, cfg.root) else str(page)
    n = data["totals"]["issues"]
    if dry_run:
        click.echo(f"would write {shown} ({len(html.encode('utf-8'))} bytes, {n} issues)")
        return
    new = rp.write(cfg, page, html)
    click.echo(f"{'created' if new else 'updated'} {shown} ({n} issues)")
