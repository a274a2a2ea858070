"""Long polling, for development: each bot's loop takes one update per call and stores it.

Zalo's getUpdates has no offset and no confirmation: an update is Zalo's no more once
handed over, so it is stored (retrying while the database is away) before the next call.
"""

from __future__ import annotations

import asyncio
import logging

from handlers.zalo import CHANNEL
from handlers.zalo.client import NetworkError, Unauthorized, ZaloClient, ZaloError
from handlers.zalo.updates import received
from vocabulary.errors import where
from vocabulary.inbox import UpdateSink
from vocabulary.stoppable import unless_stopped

log = logging.getLogger(__name__)
POLL_SECONDS = 30
PAUSES = (1.0, 2.0, 5.0)


class TokenRefused(Exception):
    """Zalo no longer knows a bot's token (reset in Zalo Bot Manager): waiting cannot help."""

    def __init__(self, bot_id: str) -> None:
        super().__init__(f"Zalo refused the token of bot {bot_id}")
        self.bot_id = bot_id


class ZaloPoller:
    """One bot's loop: fetch an update, store it, fetch the next; until `stop` is set."""

    def __init__(self, client: ZaloClient, inbox: UpdateSink, stop: asyncio.Event,
                 poll_seconds: int = POLL_SECONDS) -> None:
        self.client, self.inbox, self.stop = client, inbox, stop
        self.poll_seconds = poll_seconds
        self._failures = 0

    async def run(self) -> None:
        while not self.stop.is_set():
            fetched = await unless_stopped(self.stop, self._fetch())
            update = fetched.result() if fetched else None
            if update is not None:
                await self._store(update)

    async def _fetch(self) -> dict[str, object] | None:
        try:
            update = await self.client.get_updates(wait=self.poll_seconds)
        except Unauthorized as exc:
            log.error("Zalo refused the token of bot %s; its polling stops", self.client.bot_id)
            raise TokenRefused(self.client.bot_id) from exc
        except (ZaloError, NetworkError) as exc:
            pause = PAUSES[min(self._failures, len(PAUSES) - 1)]
            self._failures += 1
            log.warning("bot %s could not fetch updates (%s); again in %.0f s",
                        self.client.bot_id, type(exc).__name__, pause)
            await asyncio.sleep(pause)
            return None
        self._failures = 0
        return update

    async def _store(self, update: dict[str, object]) -> None:
        """Record the update; Zalo will not give it again, so keep trying until it is kept."""
        record = received(self.client.bot_id, update)
        if record is None:
            return
        attempt = 0
        while True:
            try:
                await self.inbox.record_many(CHANNEL, [record])
                return
            except Exception as exc:
                pause = PAUSES[min(attempt, len(PAUSES) - 1)]
                attempt += 1
                log.warning("could not record a Zalo update (%s); again in %.0f s",
                            where(exc), pause)
                await asyncio.sleep(pause)
