"""After a change of officers, waiting requests reach whoever holds the deciding roles now."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations import officers
from conversations.requests import notices
from storage.models import RequestStatus
from storage.repos import outbox, requests
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Outbound


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
