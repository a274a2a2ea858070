"""The outbox: every message leaves through here, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.types import ChatRef, Outbound
from storage.models import OutboxMessage, OutboxStatus

INTERACTIVE, BULK = 10, 0


async def enqueue(session: AsyncSession, messages: list[Outbound], now: datetime) -> int:
    """Queue messages; one whose dedupe key is already queued is skipped. Returns how many."""
    if not messages:
        return 0
    rows = [_row(m, now) for m in messages]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).values(rows).on_conflict_do_nothing(
        index_elements=["dedupe_key"])
    result = await session.exec(statement)
    return result.rowcount


def _row(message: Outbound, now: datetime) -> dict[str, object]:
    chat = message.to if isinstance(message.to, ChatRef) else None
    return {
        "dedupe_key": message.dedupe_key,
        "member_id": None if chat else message.to,
        "channel": chat.channel if chat else None,
        "chat_id": chat.chat_id if chat else None,
        "payload": {**message.payload(), "reply": chat is not None},
        "priority": BULK if message.bulk else INTERACTIVE,
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def due(session: AsyncSession, now: datetime, limit: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(col(OutboxMessage.priority).desc(), col(OutboxMessage.id))
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def mark(
    session: AsyncSession, message_id: int, status: OutboxStatus, now: datetime,
    error: str | None = None, retry_at: datetime | None = None,
) -> None:
    values: dict[str, object] = {"status": status, "last_error": error}
    if status is OutboxStatus.SENT:
        values["sent_at"] = now
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    await session.exec(update(OutboxMessage).where(col(OutboxMessage.id) == message_id)
                       .values(**values))
