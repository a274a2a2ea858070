"""Officers who have not acted are reminded, and then the level above is told."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Msg
from bot.timers import schedule as set_timer
from conversations.requests import kinds, notices, routing
from conversations.requests.act import Act
from conversations.types import Outbound
from storage.models import Organisation, Request, RequestStatus, Timer

REMIND, ESCALATE = "remind", "escalate"


async def schedule(act: Act, request: Request) -> None:
    """Officers are reminded, and then the level above told, if this revision waits too long."""
    for suffix, days in ((REMIND, act.settings.officer_reminder_days),
                         (ESCALATE, act.settings.officer_escalation_days)):
        kind = kinds.of(request).timer(suffix)
        await set_timer(act.session, kind, f"{kind}:{request.id}:{request.revision}",
                        act.now + timedelta(days=days), act.now, request_id=request.id,
                        revision=request.revision)


async def _waiting(act: Act, timer: Timer) -> Request | None:
    """The request, if it is still waiting at the revision the timer was set for."""
    request = await act.session.get(Request, timer.payload["request_id"])
    if request is None or request.revision != timer.payload["revision"] \
            or request.status != RequestStatus.PENDING:
        return None
    return request


async def remind(act: Act, timer: Timer) -> None:
    request = await _waiting(act, timer)
    if request is not None:
        await notices.notify_deciders(
            act.session, act.settings, request, act.out,
            Msg("request.heading.reminder", since=request.stage_since), tag=":remind")


async def escalate(act: Act, timer: Timer) -> None:
    """Nobody acted for a week: the committee above the deciding level hears of it."""
    request = await _waiting(act, timer)
    org = await act.session.get(Organisation, request.stage_org_id or 0) if request else None
    if request is None or org is None:
        return
    _above, readers = await routing.committee_above(act.session, org, request.member_id)
    body = [Msg("request.heading.escalation", since=request.stage_since, org=org.name),
            *await notices.summary(act.session, request)]
    for reader in readers:
        act.out.append(Outbound(reader.id or 0, body, dedupe_key=f"{timer.key}:{reader.id}"))
