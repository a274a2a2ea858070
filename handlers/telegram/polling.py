"""Long polling: each getUpdates batch is stored in the inbox before the next call confirms it.

aiogram's own polling feeds updates one at a time; storing a whole batch in one transaction
is what makes recording cheap, and getUpdates confirms a batch only when asked for the next.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.stoppable import unless_stopped
from handlers.telegram import CHANNEL
from handlers.telegram.updates import TelegramSource, chat_of, chat_of_unreadable, read_update
from vocabulary.errors import where
from vocabulary.inbox import Received, Unreadable, UpdateSink

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT_SECONDS = 30
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)


class TokenRefused(Exception):
    """Telegram no longer knows the bot's token (revoked in BotFather): waiting cannot help."""


class GetRawUpdates(GetUpdates):
    """getUpdates answered as plain objects: aiogram reads each one after, so one it cannot
    read is set aside instead of failing the whole batch (which would be fetched again)."""

    __returning__ = list[dict[str, Any]]  # type: ignore[assignment]


class Poller:
    """Fetch, store, confirm; until `stop` is set. An unstored batch is fetched again."""

    def __init__(self, bot: Bot, inbox: UpdateSink, source: TelegramSource) -> None:
        self.bot, self.inbox, self.source = bot, inbox, source
        self.stop = asyncio.Event()
        self._backoff = Backoff(BACKOFF)

    async def run(self) -> None:
        offset: int | None = None
        while not self.stop.is_set():
            fetched = await unless_stopped(self.stop, self._fetch(offset))
            updates = fetched.result() if fetched else []
            if updates and await unless_stopped(self.stop, self._store(updates)):
                offset = max(_update_id(u) for u in updates) + 1

    async def _fetch(self, offset: int | None) -> list[dict[str, Any]]:
        """The next batch; [] after a failure (logged, then a pause that grows).

        Raises TokenRefused when Telegram answers 401.
        """
        try:
            updates = await self.bot(GetRawUpdates(
                offset=offset, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=ALLOWED_UPDATES),
                request_timeout=int(self.bot.session.timeout + POLL_TIMEOUT_SECONDS))
        except TelegramUnauthorizedError as exc:
            log.error("Telegram refused the bot's token; polling stops")
            raise TokenRefused from exc
        except Exception as exc:
            delay = next(self._backoff)
            log.warning("could not fetch updates (%s); again in %.1f s", _why(exc), delay)
            await asyncio.sleep(delay)
            return []
        self._backoff.reset()
        return updates

    async def _store(self, updates: list[dict[str, Any]]) -> bool:
        """Record the batch, retrying while the database is unavailable.

        An update aiogram cannot read is recorded as it came, for the inbox to set aside.
        """
        batch, read = [], []
        for payload in updates:
            try:
                update = read_update(payload, self.bot)
                chat = chat_of(update)
                read.append(update)
            except Unreadable:
                chat = chat_of_unreadable(payload)
            if chat is not None:
                batch.append(Received(str(payload.get("update_id")), chat, payload))
        self.source.keep(read)
        while True:
            try:
                await self.inbox.record_many(CHANNEL, batch)
                return True
            except Exception as exc:
                delay = next(self._backoff)
                log.warning("could not record %d updates (%s); again in %.1f s",
                            len(batch), where(exc), delay)
                await asyncio.sleep(delay)


def _update_id(payload: dict[str, Any]) -> int:
    update_id = payload.get("update_id")
    return update_id if isinstance(update_id, int) else -1  # not confirmable: none is missing


def _why(exc: Exception) -> str:
    """The error's class, with Telegram's own words when it answered (they hold no user data;
    a network error's text might hold the URL, and so the token)."""
    if isinstance(exc, TelegramAPIError):
        return f"{type(exc).__name__}: {exc.message}"
    return type(exc).__name__
