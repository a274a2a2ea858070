"""Long polling: each getUpdates batch is stored in the inbox before the next call confirms it.

aiogram's own polling feeds updates one at a time; storing a whole batch in one transaction
is what makes recording cheap, and getUpdates confirms a batch only when asked for the next.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.core import where
from bot.inbox import Inbox, Received
from bot.stoppable import unless_stopped
from handlers.telegram import CHANNEL
from handlers.telegram.updates import TelegramSource, chat_of

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT_SECONDS = 30
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)


class TokenRefused(Exception):
    """Telegram no longer knows the bot's token (revoked in BotFather): waiting cannot help."""


class Poller:
    """Fetch, store, confirm; until `stop` is set. An unstored batch is fetched again."""

    def __init__(self, bot: Bot, inbox: Inbox, source: TelegramSource) -> None:
        self.bot, self.inbox, self.source = bot, inbox, source
        self.stop = asyncio.Event()
        self._backoff = Backoff(BACKOFF)

    async def run(self) -> None:
        offset: int | None = None
        while not self.stop.is_set():
            fetched = await unless_stopped(self.stop, self._fetch(offset))
            updates = fetched.result() if fetched else []
            if updates and await unless_stopped(self.stop, self._store(updates)):
                offset = updates[-1].update_id + 1

    async def _fetch(self, offset: int | None) -> list[Update]:
        """The next batch; [] after a failure (logged, then a pause that grows).

        Raises TokenRefused when Telegram answers 401.
        """
        try:
            updates = await self.bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=ALLOWED_UPDATES,
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

    async def _store(self, updates: list[Update]) -> bool:
        """Record the batch, retrying while the database is unavailable."""
        batch = [Received(str(u.update_id), chat, u.model_dump(mode="json", exclude_none=True))
                 for u in updates if (chat := chat_of(u)) is not None]
        self.source.keep(updates)
        while True:
            try:
                await self.inbox.record_many(CHANNEL, batch)
                return True
            except Exception as exc:
                delay = next(self._backoff)
                log.warning("could not record %d updates (%s); again in %.1f s",
                            len(batch), where(exc), delay)
                await asyncio.sleep(delay)


def _why(exc: Exception) -> str:
    """The error's class, with Telegram's own words when it answered (they hold no user data;
    a network error's text might hold the URL, and so the token)."""
    if isinstance(exc, TelegramAPIError):
        return f"{type(exc).__name__}: {exc.message}"
    return type(exc).__name__
