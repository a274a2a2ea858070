"""Broadcasts: one message to many members, with a progress line for whoever started it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Broadcast, OutboxMessage, OutboxStatus
from storage.order import member_order_key
from storage.repos import outbox
from vocabulary.messages import Msg
from vocabulary.types import ChatRef, Outbound


async def start(
    session: AsyncSession, *, started_by: int | None, audience: str, member_ids: list[int],
    body: list[Msg], now: datetime, progress_to: ChatRef | None = None,
) -> Broadcast:
    """Queue the message for every member (bulk, once each) and a progress line for the starter."""
    broadcast = Broadcast(started_by=started_by, audience=audience[:120],
                          total=len(member_ids), created_at=now)
    session.add(broadcast)
    await session.flush()
    messages = [Outbound(member_id, body, bulk=True,
                         dedupe_key=f"broadcast:{broadcast.id}:{member_id}")
                for member_id in member_ids]
    await outbox.enqueue(session, messages, now, broadcast_id=broadcast.id)
    if progress_to is not None:
        key = f"broadcast:{broadcast.id}:progress"
        line = Outbound(progress_to, [Msg("broadcast.progress", sent=0, total=len(member_ids),
                                          failed=0)], dedupe_key=key,
                        order_key=member_order_key(started_by) if started_by else None)
        await outbox.enqueue(session, [line], now)
        found = await session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))
        broadcast.progress_outbox_id = found.first()
    return broadcast


async def counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """How many of the broadcast's messages are sent, dead, or still on their way."""
    query = (select(OutboxMessage.status, func.count())
             .where(OutboxMessage.broadcast_id == broadcast_id)
             .group_by(OutboxMessage.status))
    found = {str(status): n for status, n in (await session.exec(query)).all()}
    return {"sent": found.get(OutboxStatus.SENT, 0), "failed": found.get(OutboxStatus.DEAD, 0)}


async def unfinished(session: AsyncSession) -> list[Broadcast]:
    query = select(Broadcast).where(col(Broadcast.finished_at).is_(None))
    return list((await session.exec(query)).all())


async def recent(session: AsyncSession, limit: int = 10) -> list[Broadcast]:
    query = select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)
    return list((await session.exec(query)).all())
