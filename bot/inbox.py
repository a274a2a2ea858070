"""The inbox: updates are recorded before the platform is told, then handled once, in order."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.core import Abandon, Core
from bot.inbox_records import GroupedRecords
from storage.db import Database
from storage.models import InboxUpdate
from storage.new_rows import NewRows
from storage.repos import outbox
from vocabulary.errors import where
from vocabulary.inbox import Received, Unreadable, UpdateSource
from vocabulary.messages import Msg
from vocabulary.types import ChatRef, Outbound

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# After a pass that left a chat to another process: soon, the chat's next update may be ours.
PEER_RECHECK_SECONDS = 0.2
Key = tuple[str, str, str]  # channel, bot, update id
_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]
# The claim is the handling transaction's first statement: it marks the update handled, so
# the row stays locked (PostgreSQL) or the database stays locked (SQLite) until the work
# commits, and a worker that finds the update taken gives up before doing any work.
_UNCLAIMED = (select(_INBOX.c.id).where(_INBOX.c.id == bindparam("row"),
                                        _INBOX.c.processed_at.is_(None))
              .with_for_update(skip_locked=True))
_CLAIM = (update(_INBOX).where(_INBOX.c.id.in_(_UNCLAIMED))
          .values(processed_at=bindparam("at"), followed_up_at=bindparam("followed")))
_FOLLOWED = (update(_INBOX).where(_INBOX.c.id == bindparam("row"))
             .values(followed_up_at=bindparam("at")))
# Each chat's earliest pending update only: a later one waits until the earlier is handled,
# wherever it is handled. Not locked here: the claim decides who handles an update, and a
# lock taken only to look would hide the update from the worker it was left to.
_FIRST_OF_CHATS = (select(func.min(_INBOX.c.id)).where(_INBOX.c.processed_at.is_(None))
                   .group_by(_INBOX.c.channel, _INBOX.c.chat_id))
_NEW = NewRows(_INBOX, "channel", "bot", "update_id")


def pending_query(limit: int) -> SelectOfScalar[InboxUpdate]:
    return (select(InboxUpdate).where(col(InboxUpdate.processed_at).is_(None))
            .order_by(col(InboxUpdate.id)).limit(limit))


class AlreadyHandled(Abandon):
    """Another worker has claimed or handled this update; roll back before any work."""


class Inbox:
    def __init__(self, db: Database, core: Core, clock: Callable[[], datetime]) -> None:
        self.db, self.core, self.clock = db, core, clock
        self.max_attempts = MAX_ATTEMPTS
        self.sources: dict[str, UpdateSource] = {}
        self.peer_grace = timedelta(seconds=core.settings.inbox_peer_grace_seconds)
        # Recorded here and not yet handled here: another process leaves these to this one.
        self._recorded: dict[Key, datetime] = {}
        self._left_to_peers = False
        self._chat_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self.wakeup = asyncio.Event()
        self._grouped = GroupedRecords(self._insert_new,
                                       lambda row: (row["channel"], row["bot"], row["update_id"]))

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
        self._recorded.update(((channel, u.bot, u.update_id), at) for u in updates)
        if self.db.engine.dialect.name == "postgresql":
            added = await self._grouped.add(rows)
        else:
            async with self.db.session(durable=True) as session:  # the platform forgets them
                added = await _NEW.insert(session, rows)
        self.wakeup.set()
        return added

    async def _insert_new(self, rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
        """One statement for updates recorded together, committed by itself; the new keys."""
        async with self.db.statements() as session:
            return await _NEW.new_keys(session, rows)

    async def process_pending(self, limit: int = 200) -> int:
        """Handle recorded updates: chats side by side, each chat's updates in order.

        A chat is taken up where its earliest pending update was recorded here or has waited
        out the peers' grace (where two workers race, the claim settles it); its later updates
        follow here only while this worker handles them.
        """
        pending, now = pending_query(limit), self.clock()
        self._forget_recorded(before=now - self.peer_grace)
        async with self.db.session() as session:
            found = [item for item in (await session.exec(pending.where(
                col(InboxUpdate.id).in_(_FIRST_OF_CHATS)))).all()
                     if item.channel in self.sources]  # another channel's process has it
            firsts = [item for item in found if self._ours(item, now)]
            self._left_to_peers = len(firsts) < len(found)
            rest = list((await session.exec(pending)).all()) if firsts else []
        by_chat = {(item.channel, item.chat_id): [item] for item in firsts}
        for item in rest:
            chat = by_chat.get((item.channel, item.chat_id))
            if chat is not None and item.id > chat[0].id:  # type: ignore[operator]
                chat.append(item)
        done = await asyncio.gather(*(self._chat(chat, items) for chat, items in by_chat.items()))
        return sum(done)

    def _ours(self, item: InboxUpdate, now: datetime) -> bool:
        """Recorded here, or left long enough by whoever recorded it (two racing for one
        chat would both do the work, and one throw it away)."""
        return (_key(item) in self._recorded
                or item.received_at <= now - self.peer_grace)

    def _forget_recorded(self, before: datetime) -> None:
        """Past the grace any worker takes them: no need to remember them any longer."""
        if any(at <= before for at in self._recorded.values()):
            self._recorded = {key: at for key, at in self._recorded.items() if at > before}

    async def follow_up_left(self) -> int:
        """Follow up updates handled but not followed up (their process died in between)."""
        async with self.db.session() as session:
            query = (select(InboxUpdate).where(col(InboxUpdate.followed_up_at).is_(None),
                                               col(InboxUpdate.processed_at).is_not(None))
                     .order_by(col(InboxUpdate.id)))
            left = list((await session.exec(query)).all())
        done = [await self._follow_up(item) for item in left if item.channel in self.sources]
        if left:
            log.info("followed up %d of %d updates left by a previous run", sum(done), len(left))
        return sum(done)

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Keep handling until `stop` is set."""
        try:
            await self.follow_up_left()
        except Exception as exc:  # the database may be briefly unavailable: not fatal
            log.error("following up a previous run failed: %s", where(exc))
        while not stop.is_set():
            try:
                if await self.process_pending():
                    continue
            except Exception as exc:  # the database may be briefly unavailable
                log.error("inbox pass failed: %s", where(exc))
            self.wakeup.clear()
            waiters = [asyncio.create_task(e.wait()) for e in (self.wakeup, stop)]
            wait = min(idle_seconds, PEER_RECHECK_SECONDS) if self._left_to_peers else idle_seconds
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _chat(self, chat: tuple[str, str], items: list[InboxUpdate]) -> int:
        handled = 0
        async with self._chat_locks[chat]:
            for item in items:
                done = await self._one(item)
                if done is not None:  # handled here, or elsewhere
                    self._recorded.pop(_key(item), None)
                if not done:
                    break  # failed, or taken elsewhere: the chat's next ones must wait
                handled += 1
        return handled

    async def _one(self, item: InboxUpdate) -> bool | None:
        """True: handled (or set aside) here; False: another worker has it; None: retry."""
        source = self.sources.get(item.channel)
        if source is None:
            return None
        try:
            inbound = await source.to_inbound(item.payload)
            if inbound is None:
                await self._claim_only(item)
            else:
                inbound = replace(inbound, bot=item.bot) if item.bot else inbound
                follows = source.needs_follow_up(item.payload)
                await self.core.handle(inbound, also=self._claim(item, follows=follows))
        except AlreadyHandled:
            return False
        except Unreadable as exc:
            return await self._set_aside(item, exc)
        except Exception as exc:
            log.error("inbox update %s failed: %s", item.id, where(exc))
            return await self._failed(item)
        await self._follow_up(item)
        return True

    async def _failed(self, item: InboxUpdate) -> bool | None:
        if item.attempts + 1 < self.max_attempts:
            await self._count_attempt(item)
            return None
        try:
            await self._give_up(item)  # one bad update must not hold the chat for ever
        except AlreadyHandled:
            return False
        log.error("inbox update %s set aside after %d attempts", item.id, self.max_attempts)
        return True

    def _claim(self, item: InboxUpdate, *, follows: bool) -> Callable[[AsyncSession], Any]:
        """The first step of the handling transaction: take the update, or abandon.

        `follows`: a follow-up remains to be done after the commit (else marked done too).
        """
        async def claim(session: AsyncSession) -> None:
            at = self.clock()
            result = await session.exec(_CLAIM, params={  # type: ignore[call-overload]
                "row": item.id, "at": at, "followed": None if follows else at})
            if result.rowcount != 1:
                raise AlreadyHandled(item.id)

        return claim

    async def _claim_only(self, item: InboxUpdate) -> None:
        async with self.db.session() as session:
            await self._claim(item, follows=False)(session)

    async def _follow_up(self, item: InboxUpdate) -> bool:
        source = self.sources[item.channel]
        if not source.needs_follow_up(item.payload):
            return True
        try:
            done = await source.after_handled(item.payload)
        except Exception as exc:  # e.g. a stored payload the source cannot read any more
            log.error("following up inbox update %s failed: %s", item.id, where(exc))
            done = True  # it would fail again after every restart
        if done:
            async with self.db.session() as session:
                await session.exec(_FOLLOWED,  # type: ignore[call-overload]
                                   params={"row": item.id, "at": self.clock()})
        return done

    async def _set_aside(self, item: InboxUpdate, exc: Unreadable) -> bool:
        """An update no retry can read: set aside at once, so the chat's next ones can go."""
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "-"
        log.error("inbox update %s set aside: unreadable (%s, %s)", item.id, cause, where(exc))
        try:
            if item.chat_id:
                await self._give_up(item, follow_up=False)
            else:  # nobody to apologise to
                await self._claim_only(item)
        except AlreadyHandled:
            return False
        return True

    async def _give_up(self, item: InboxUpdate, *, follow_up: bool = True) -> None:
        """Set the update aside as handled and say sorry, so the chat's next ones can go."""
        apology = Outbound(ChatRef(item.channel, item.chat_id, item.bot), [Msg("error.internal")])
        follows = follow_up and self.sources[item.channel].needs_follow_up(item.payload)
        async with self.db.session() as session:
            await self._claim(item, follows=follows)(session)
            await outbox.enqueue(session, [apology], self.clock())
        if follows:
            await self._follow_up(item)  # a pressed button is still answered

    async def _count_attempt(self, item: InboxUpdate) -> None:
        async with self.db.session() as session:
            await session.exec(update(InboxUpdate).where(col(InboxUpdate.id) == item.id)
                               .values(attempts=InboxUpdate.attempts + 1))


def _key(item: InboxUpdate) -> Key:
    return item.channel, item.bot, item.update_id
