"""What the benches print besides wall time: the process's peak memory."""

from __future__ import annotations

import resource


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
