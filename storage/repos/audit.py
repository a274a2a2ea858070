"""The audit log: who did what to which record, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: tuple[str, object],
    actor_member_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            actor=actor,
            actor_member_id=actor_member_id,
            action=action,
            subject_type=subject[0],
            subject_id=str(subject[1]),
            detail=detail,
        )
    )


async def entries(session: AsyncSession, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.id))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list((await session.exec(query)).all())
