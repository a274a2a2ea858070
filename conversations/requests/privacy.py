"""When a member withdraws consent: his/her open requests are withdrawn, their documents
deleted at once, and whoever was to decide them is told (Law 91/2025/QH15)."""

from __future__ import annotations

from sqlmodel import col, select

from conversations.context import Ctx
from conversations.requests import attachments, decisions, routing
from conversations.requests.act import Act
from storage.models import Request
from storage.repos.requests import OPEN
from vocabulary.messages import Msg


async def withdraw_open_requests(ctx: Ctx) -> list[Msg]:
    """What the member is told was done: one line per request withdrawn."""
    member = ctx.member
    assert member is not None
    act = Act.of(ctx)
    found = await ctx.session.exec(select(Request).where(
        Request.member_id == member.id, col(Request.status).in_(OPEN)))
    lines = []
    for request in found.all():
        deciders = await routing.deciders(ctx.session, request, ctx.settings)
        if not await decisions.withdraw(act, request):
            continue
        await attachments.drop(act, request)
        for officer in deciders:
            ctx.notify(officer.id or 0, Msg("request.consent_withdrawn", number=request.id or 0,
                                            name=member.full_name))
        lines.append(Msg("request.withdrawn_with_consent", number=request.id or 0))
    return lines
