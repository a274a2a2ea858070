"""Describing an error for the log without its message, which may hold personal data."""

from __future__ import annotations

import traceback
from pathlib import Path


def where(exc: BaseException) -> str:
    """The error's class and the code lines it passed, never its message (it may hold data)."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    trail = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames))
    return f"{type(exc).__name__} at {trail}"
