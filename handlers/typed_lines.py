"""Lines typed on standard input, for the interactive terminal channel."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading

CHUNK_BYTES = 4096


class TypedLines:
    """Reads standard input in a daemon thread of its own, so that stopping never waits for
    the next line: a thread blocked in input() would hold up the interpreter's exit (and
    asyncio.run waits for its executor's threads)."""

    def __init__(self, fd: int | None = None) -> None:
        self.fd = sys.stdin.fileno() if fd is None else fd
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._reader: threading.Thread | None = None

    async def __call__(self, prompt: str) -> str:
        """The next line, after showing `prompt`; EOFError at the end of input."""
        if self._reader is None:
            loop = asyncio.get_running_loop()
            self._reader = threading.Thread(target=self._read, args=(loop,), daemon=True,
                                            name="typed-lines")
            self._reader.start()
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = await self._lines.get()
        if line is None:
            self._lines.put_nowait(None)  # the end stays the end
            raise EOFError
        return line

    def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        # os.read rather than sys.stdin: at exit, a daemon thread holding sys.stdin's buffer
        # lock makes the interpreter abort.
        pending = b""
        while chunk := os.read(self.fd, CHUNK_BYTES):
            *complete, pending = (pending + chunk).split(b"\n")
            for line in complete:
                self._hand_over(loop, line.decode(errors="replace").rstrip("\r"))
        if pending:
            self._hand_over(loop, pending.decode(errors="replace"))
        self._hand_over(loop, None)

    def _hand_over(self, loop: asyncio.AbstractEventLoop, line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is reading
            loop.call_soon_threadsafe(self._lines.put_nowait, line)
