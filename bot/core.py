"""The core loop for one inbound message: load who and where, run the engine, save, queue."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.context import Ctx
from conversations.engine import Engine
from storage.db import Database
from storage.models import ChatAccount, MemberStatus
from storage.repos import arrivals, conversations, outbox
from vocabulary.errors import where
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import ChannelInfo, ChatRef, Inbound, Outbound

log = logging.getLogger(__name__)
ATTEMPTS = 3
SEEN_RESOLUTION = timedelta(minutes=1)
Also = Callable[[AsyncSession], Awaitable[None]]


class Abandon(Exception):
    """Raised by an `also` step to drop the whole handling silently (e.g. already handled)."""


def _seen(account: ChatAccount, now: datetime, others_seen: datetime | None) -> None:
    """Note that the member wrote from this account: notices go to the one used last."""
    if account.unreachable_at is not None:
        account.unreachable_at = None  # he/she writes to us: not blocked any more
    # A write on every message would be wasted: only when the time is old, or when another
    # account of the member looks more recent.
    if now - account.last_seen_at >= SEEN_RESOLUTION or (
            others_seen is not None and others_seen >= account.last_seen_at):
        account.last_seen_at = now


class Core:
    def __init__(
        self, db: Database, settings: Settings, engine: Engine,
        channels: dict[str, ChannelInfo], clock: Callable[[], datetime],
    ) -> None:
        self.db, self.settings, self.engine = db, settings, engine
        self.channels, self.clock = channels, clock
        self.on_queued: Callable[[], None] = lambda: None

    async def handle(self, inbound: Inbound, also: Also | None = None) -> None:
        """Handle one message in one transaction; a concurrent change to the chat is retried.

        `also` runs first in the same transaction, before any work (the inbox claims and
        marks its update there, so a second worker abandons before doing the work again).
        """
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self._handle_once(inbound, also)
                self.on_queued()
                return
            except (Abandon, OperationalError, InterfaceError):
                raise  # not the message's fault: the caller retries it later
            except (StaleDataError, IntegrityError):
                log.info("conversation changed concurrently; retry %d", attempt)
            except Exception as exc:
                log.error("handler failed on a %s update: %s", inbound.channel, where(exc))
                break
        await self._apologise(inbound, also)

    async def _handle_once(self, inbound: Inbound, also: Also | None) -> None:
        now = self.clock()
        async with self.db.session() as session:
            if also is not None:
                await also(session)
            state, writer = await arrivals.read(session, inbound.channel, inbound.chat_id,
                                                inbound.user_id)
            account, member = writer.account, writer.member
            if member is not None and member.status == MemberStatus.LEFT:
                account = member = None  # no longer on the roster: served as a stranger
            ctx = Ctx(session, self.settings, now, inbound, self.channels[inbound.channel],
                      state, account, member)
            await self.engine.dispatch(ctx)
            if ctx.account is not None:
                _seen(ctx.account, now,
                      writer.others_seen if ctx.account is writer.account else None)
            await conversations.save(session, state, now)
            await outbox.enqueue(session, ctx.outbox, now)

    async def _apologise(self, inbound: Inbound, also: Also | None) -> None:
        """Say sorry; the message counts as handled, so it is not retried into a loop."""
        async with self.db.session() as session:
            if also is not None:
                await also(session)
            apology = Outbound(ChatRef(inbound.channel, inbound.chat_id, inbound.bot),
                               [Msg("error.internal")])
            await outbox.enqueue(session, [apology], self.clock())
