"""How fast one channel may send: a global rate, a gap per chat, and a pause after a 429."""

from __future__ import annotations

import asyncio

from aiolimiter import AsyncLimiter

BUCKET_SECONDS = 0.1
PRUNE_AT = 10_000  # forget chats' last-send times once this many are remembered


class Pacer:
    """Waits until a message to `chat` may go out on this channel."""

    def __init__(self, rate: float, chat_gap_seconds: float) -> None:
        self.channel_rate = rate  # shared by every worker sending on the channel
        self.rate = rate  # this worker's part
        self.limiter = _limiter(rate)
        self.chat_gap = chat_gap_seconds
        self._chat_ready: dict[str, float] = {}
        self._paused_until = 0.0

    def share(self, workers: int) -> None:
        """`workers` processes (this one included) send on the channel: each its part."""
        rate = self.channel_rate / max(1, workers)
        if rate != self.rate:
            self.rate, self.limiter = rate, _limiter(rate)

    def must_wait(self, chat: str) -> bool:
        """Whether `wait` would have to sleep now (a chat gap, a pause or an empty bucket)."""
        now = asyncio.get_running_loop().time()
        return (self._chat_ready.get(chat, 0.0) > now or self._paused_until > now
                or (self.limiter is not None and not self.limiter.has_capacity()))

    async def wait(self, chat: str) -> None:
        loop = asyncio.get_running_loop()
        ready = self._chat_ready.get(chat, 0.0)
        self._chat_ready[chat] = max(loop.time(), ready) + self.chat_gap
        if ready > loop.time():
            await asyncio.sleep(ready - loop.time())
        await self._pauses()
        while (limiter := self.limiter) is not None:
            await limiter.acquire()
            if limiter is self.limiter:  # else the rate was shared meanwhile: wait for the new
                break
        await self._pauses()
        if len(self._chat_ready) > PRUNE_AT:
            now = loop.time()
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}

    def pause(self, seconds: float) -> None:
        """The platform said "too many requests": nobody on this channel sends for a while."""
        until = asyncio.get_running_loop().time() + seconds
        self._paused_until = max(self._paused_until, until)

    async def _pauses(self) -> None:
        loop = asyncio.get_running_loop()
        # A pause may be extended while we sleep, so look again after each one.
        while (delay := self._paused_until - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)


def _limiter(rate: float) -> AsyncLimiter | None:
    # A bucket holding a tenth of a second's messages: evenly spaced at low rates (a burst
    # of 2-3 at 25/s, well inside Telegram's 30/s) without a wake-up per message at high.
    capacity = max(1.0, rate * BUCKET_SECONDS)
    return AsyncLimiter(capacity, capacity / rate) if rate > 0 else None
