"""`chibot ARGS` as a process of its own, as an operator runs it, with its log read as it comes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from pathlib import Path
from signal import SIGKILL, Signals

from tests.support import TEST_FILE_KEY

START_SECONDS = 180.0  # a loaded 2-core machine takes tens of seconds to import and start


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ChibotProcess:
    """A running `chibot` command; its log (stderr) is collected line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.log: list[str] = []
        self._logged = asyncio.Condition()
        assert process.stderr is not None
        self._reader = asyncio.create_task(self._read(process.stderr))

    @classmethod
    async def start(cls, folder: Path, env: dict[str, str], *args: str) -> ChibotProcess:
        """`chibot ARGS` in `folder` with the INFO log and the given CHIBOT_ settings."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.cli import app; app()", *args,
            env={**os.environ, "CHIBOT_LOG_LEVEL": "INFO", "CHIBOT_DATA_DIR": str(folder),
                 "CHIBOT_SECRET_KEY": "test-secret",
                 "CHIBOT_FILE_KEYS": json.dumps([TEST_FILE_KEY]), **env},
            cwd=folder, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        return cls(process)

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            async with self._logged:
                self.log.append(raw.decode(errors="replace").rstrip())
                self._logged.notify_all()
        async with self._logged:
            self._logged.notify_all()

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.log)

    async def wait_for_log(self, text: str, within: float = START_SECONDS) -> None:
        async def seen() -> None:
            async with self._logged:
                await self._logged.wait_for(
                    lambda: self.logged(text) or self._reader.done())
        await asyncio.wait_for(seen(), within)
        assert self.logged(text), "\n".join(["exited before logging " + repr(text), *self.log])

    def send(self, signal: Signals) -> None:
        self.process.send_signal(signal)

    async def exit_status(self, within: float = 60.0) -> int:
        status = await asyncio.wait_for(self.process.wait(), within)
        await self._reader
        return status

    async def kill(self) -> None:
        """SIGKILL if still running (the end of a test that failed half-way)."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(SIGKILL)
            await self.process.wait()
        self._reader.cancel()
