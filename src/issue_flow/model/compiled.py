"""The compiled half of the document model (``_cscan.c`` beside this module), if it is used.

It holds the line scanner (:func:`issue_flow.model.scan.scan_python`'s twin) and the score
matrix of pairing (:func:`issue_flow.model.pairing.score_matrix_python`'s twin). It is built
at install time by ``hatch_build.py`` when a C compiler is there; without it, or with
``ISSUE_FLOW_PURE_PYTHON`` set to anything but empty or ``0``, the Python functions are used.
"""

from __future__ import annotations

import os
from types import ModuleType


def built() -> ModuleType | None:
    """``issue_flow.model._cscan`` when it is built (whatever the environment says), else None."""
    try:
        import issue_flow.model._cscan as cscan
    except ImportError:
        return None
    return cscan


def module() -> ModuleType | None:
    """``issue_flow.model._cscan`` when it is built and not turned off, else None."""
    if os.environ.get("ISSUE_FLOW_PURE_PYTHON", "") not in ("", "0"):
        return None
    return built()
