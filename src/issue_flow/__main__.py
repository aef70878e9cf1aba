"""``python -m issue_flow``: the console script's start (see :func:`issue_flow.cli.main`)."""

import gc

gc.set_threshold(50_000, 20, 20)  # before the imports, as the console script does (cli.py)

from issue_flow.cli import main  # noqa: E402

main()
