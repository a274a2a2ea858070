"""Delivery workers' heartbeats: who is sending, and since when nobody heard from whom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DeliveryWorker


async def beat(session: AsyncSession, worker: DeliveryWorker, now: datetime) -> bool:
    """Refresh `worker`'s heartbeat, registering it if absent; False if it was absent."""
    result = await session.exec(update(DeliveryWorker)
                                .where(col(DeliveryWorker.id) == worker.id)
                                .values(heartbeat_at=now))
    if result.rowcount:
        return True
    # A statement, not session.add: a claim query right after must already see the row.
    await session.exec(insert(DeliveryWorker).values(
        id=worker.id, host=worker.host, pid=worker.pid, started_at=worker.started_at,
        heartbeat_at=now, channels=worker.channels))
    return False


async def others(session: AsyncSession, worker_id: str) -> list[DeliveryWorker]:
    query = select(DeliveryWorker).where(col(DeliveryWorker.id) != worker_id)
    return list((await session.exec(query)).all())


async def remove(session: AsyncSession, worker_ids: list[str]) -> None:
    if worker_ids:
        await session.exec(delete(DeliveryWorker)
                           .where(col(DeliveryWorker.id).in_(worker_ids)))
