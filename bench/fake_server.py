"""Start the fake Bot API server in its own process, and talk to its control endpoints."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import httpx


@contextmanager
def fake_server(*options: str, stderr: IO[str] | None = None) -> Iterator[str]:
    """Run `python -m tests.e2e.fake_bot_api` and yield its base URL (`stderr`: where its
    error log goes; default: this process's)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.fake_bot_api", "--port", "0", *options],
        stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"fake server did not start: {line!r}")
        yield line.removeprefix("READY ")
    finally:
        process.terminate()
        process.wait(timeout=10)


def inject(client: httpx.Client, kind: str, **args: Any) -> None:
    client.post("/_inject", json={"kind": kind, "args": args}).raise_for_status()


def stats(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/_stats")
    response.raise_for_status()
    return response.json()
