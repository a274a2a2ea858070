"""After a change of officers, waiting requests reach whoever holds the deciding roles now."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Msg
from bot.settings import Settings
from conversations import officers
from conversations.requests import notices
from conversations.types import Outbound
from storage.models import RequestStatus
from storage.repos import outbox, requests


async def resend_waiting(
    session: AsyncSession, settings: Settings, org_id: int, now: datetime
) -> int:
    """Send each waiting request under `org_id` to new deciders (old ones already have it)."""
    out: list[Outbound] = []
    org_ids = await officers.subtree_ids(session, org_id)
    for request in await requests.waiting_at(session, sorted(org_ids)):
        if request.status == RequestStatus.PENDING:
            await notices.notify_deciders(session, settings, request, out,
                                          Msg("request.heading.handover"))
    return await outbox.enqueue(session, out, now)
