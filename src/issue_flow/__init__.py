"""issue-flow: keep per-issue Markdown folders, GitHub issues and gated releases in step."""

__version__ = "0.1.0"
