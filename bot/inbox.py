"""The inbox: updates are recorded before the platform is told, then handled once, in order."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import Abandon, Core, where
from bot.i18n import Msg
from conversations.types import ChatRef, Inbound, Outbound
from storage.db import Database
from storage.models import InboxUpdate
from storage.new_rows import NewRows
from storage.repos import outbox

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]
_MARK = (update(_INBOX).where(_INBOX.c.id == bindparam("row"), _INBOX.c.processed_at.is_(None))
         .values(processed_at=bindparam("at")))
_NEW = NewRows(_INBOX, "channel", "bot", "update_id")


class AlreadyHandled(Abandon):
    """Another worker handled this update first; roll back what we did."""


class Received(NamedTuple):
    """An update as it arrived, before it is handled."""

    update_id: str
    chat_id: str
    payload: dict[str, Any]
    bot: str = ""  # which of the channel's bots received it


class UpdateSource(Protocol):
    """A channel's side of the inbox: what an update means, and what to do after it."""

    channel: str

    async def to_inbound(self, payload: dict[str, Any]) -> Inbound | None: ...

    async def after_handled(self, payload: dict[str, Any]) -> None: ...


class Inbox:
    def __init__(self, db: Database, core: Core, clock: Callable[[], datetime]) -> None:
        self.db, self.core, self.clock = db, core, clock
        self.max_attempts = MAX_ATTEMPTS
        self.sources: dict[str, UpdateSource] = {}
        self._chat_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self.wakeup = asyncio.Event()

    def add_source(self, source: UpdateSource) -> None:
        self.sources[source.channel] = source

    async def record(self, channel: str, update_id: str, chat_id: str,
                     payload: dict[str, Any], bot: str = "") -> bool:
        """Keep the update; False if it was already recorded (the platform sent it again)."""
        return await self.record_many(channel, [Received(update_id, chat_id, payload, bot)]) == 1

    async def record_many(self, channel: str, updates: list[Received]) -> int:
        """Keep a batch of updates in one transaction; returns how many were new."""
        if not updates:
            return 0
        at = self.clock()
        rows = [{"channel": channel, "bot": u.bot, "update_id": u.update_id, "chat_id": u.chat_id,
                 "payload": u.payload, "received_at": at, "attempts": 0} for u in updates]
        async with self.db.session(durable=True) as session:  # the platform forgets them
            added = await _NEW.insert(session, rows)
        self.wakeup.set()
        return added

    async def process_pending(self, limit: int = 200) -> int:
        """Handle recorded updates: chats side by side, each chat's updates in order."""
        async with self.db.session() as session:
            query = (select(InboxUpdate).where(col(InboxUpdate.processed_at).is_(None))
                     .order_by(col(InboxUpdate.id)).limit(limit))
            pending = list((await session.exec(query)).all())
        by_chat: defaultdict[tuple[str, str], list[InboxUpdate]] = defaultdict(list)
        for item in pending:
            by_chat[(item.channel, item.chat_id)].append(item)
        done = await asyncio.gather(*(self._chat(chat, items) for chat, items in by_chat.items()))
        return sum(done)

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Keep handling until `stop` is set."""
        while not stop.is_set():
            try:
                if await self.process_pending():
                    continue
            except Exception as exc:  # the database may be briefly unavailable
                log.error("inbox pass failed: %s", where(exc))
            self.wakeup.clear()
            waiters = [asyncio.create_task(e.wait()) for e in (self.wakeup, stop)]
            await asyncio.wait(waiters, timeout=idle_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _chat(self, chat: tuple[str, str], items: list[InboxUpdate]) -> int:
        handled = 0
        async with self._chat_locks[chat]:
            for item in items:
                outcome = await self._one(item)
                if outcome is None:
                    break  # keep the chat's order: later updates wait for this one
                handled += outcome
        return handled

    async def _one(self, item: InboxUpdate) -> bool | None:
        """True: handled here; False: another worker had handled it; None: failed, retry."""
        source = self.sources.get(item.channel)
        if source is None:
            return None
        try:
            inbound = await source.to_inbound(item.payload)
            if inbound is None:
                await self._mark_only(item)
            else:
                inbound = replace(inbound, bot=item.bot) if item.bot else inbound
                await self.core.handle(inbound, also=self._marker(item))
        except AlreadyHandled:
            return False
        except Exception as exc:
            log.error("inbox update %s failed: %s", item.id, where(exc))
            if item.attempts + 1 >= self.max_attempts:
                await self._give_up(item)  # one bad update must not hold the chat for ever
                return False
            await self._count_attempt(item)
            return None
        await source.after_handled(item.payload)
        return True

    def _marker(self, item: InboxUpdate) -> Callable[[AsyncSession], Any]:
        async def mark(session: AsyncSession) -> None:
            result = await session.exec(_MARK, params={"row": item.id, "at": self.clock()})
            if result.rowcount != 1:
                raise AlreadyHandled(item.id)

        return mark

    async def _mark_only(self, item: InboxUpdate) -> None:
        async with self.db.session() as session:
            await self._marker(item)(session)

    async def _give_up(self, item: InboxUpdate) -> None:
        """Set the update aside as handled and say sorry, so the chat's next ones can go."""
        apology = Outbound(ChatRef(item.channel, item.chat_id, item.bot), [Msg("error.internal")])
        async with self.db.session() as session:
            await self._marker(item)(session)
            await outbox.enqueue(session, [apology], self.clock())
        log.error("inbox update %s set aside after %d attempts", item.id, self.max_attempts)

    async def _count_attempt(self, item: InboxUpdate) -> None:
        async with self.db.session() as session:
            await session.exec(update(InboxUpdate).where(col(InboxUpdate.id) == item.id)
                               .values(attempts=InboxUpdate.attempts + 1))
