"""``python -m issue_flow``: the console script's start (see :func:`issue_flow.cli.main`)."""

from issue_flow.cli import main

main()
