"""Errors that the CLI turns into a one-line message and an exit code.

Exit codes follow PRODUCT.md: 0 success, 1 a check or gate says no, 2 bad input or error.
Anything raised as :class:`IssueFlowError` is an expected failure: its message is printed
on one line without a traceback.
"""

from __future__ import annotations


class IssueFlowError(Exception):
    """Bad input or an error: exit 2 with a one-line message."""

    exit_code = 2

    def __init__(self, message: str):
        # Keep messages on one line whatever the cause put into them, and never with a
        # token in them (redacted before anything is cut or joined).
        from issue_flow.tokens import redact

        super().__init__(" ".join(redact(str(message)).split()))

    @property
    def message(self) -> str:
        return str(self)


class CheckFailed(IssueFlowError):
    """A check or gate says no (drift found, gate failing, conflict): exit 1."""

    exit_code = 1
