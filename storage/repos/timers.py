"""Timers are rows with a due time: set, moved and cancelled here; fired by the runtime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Timer

# A timer handler runs in the same transaction that marks the timer fired.
TimerHandler = Callable[[AsyncSession, Timer, datetime], Awaitable[None]]


async def schedule(
    session: AsyncSession, kind: str, key: str, due_at: datetime, now: datetime, *,
    rearm: bool = False, **payload: Any,
) -> None:
    """Set a timer; setting the same key again moves its due time (if not yet fired, or
    with `rearm` even if it fired or was cancelled: it fires again)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Timer).values(
        kind=kind, key=key, due_at=due_at, payload=payload, created_at=now)
    changes: dict[str, Any] = {"due_at": due_at, "payload": payload}
    if rearm:
        changes["fired_at"] = None
    statement = statement.on_conflict_do_update(
        index_elements=["key"], set_=changes,
        where=None if rearm else col(Timer.fired_at).is_(None))
    await session.exec(statement)


async def cancel(session: AsyncSession, key: str, now: datetime) -> None:
    """Stop a timer from firing (it is kept, marked as fired, for the record)."""
    await session.exec(update(Timer).where(col(Timer.key) == key, col(Timer.fired_at).is_(None))
                       .values(fired_at=now))


async def claim_due(session: AsyncSession, kind: str, now: datetime, limit: int
                    ) -> list[dict[str, Any]]:
    """Mark up to `limit` due timers of a kind fired in this transaction; returns their
    payloads (another process's claims are skipped on PostgreSQL; SQLite has one writer)."""
    if limit <= 0:
        return []
    query = (select(Timer.id).where(Timer.kind == kind, col(Timer.fired_at).is_(None),
                                    Timer.due_at <= now)
             .order_by(col(Timer.due_at), col(Timer.id)).limit(limit))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list((await session.exec(query)).all())
    if not ids:
        return []
    claimed = await session.exec(
        update(Timer).where(col(Timer.id).in_(ids), col(Timer.fired_at).is_(None))
        .values(fired_at=now).returning(Timer.payload))  # type: ignore[call-overload]
    return [payload for (payload,) in claimed.all()]
