"""A branch secretary sends an announcement to the branch: write, preview, confirm, send."""

from __future__ import annotations

from sqlmodel import col, select

from conversations import zalo_bots
from conversations.context import Ctx
from conversations.flow import (
    Answer,
    Done,
    Flow,
    Invalid,
    Next,
    Outcome,
    Prompt,
    Step,
    static,
    written,
)
from storage.models import ChatAccount, Member, MemberStatus, OfficerRole, Organisation
from storage.repos import broadcasts, orgs
from vocabulary.messages import Msg
from vocabulary.quiet_hours import is_quiet

NAME = "announce"
MAX_LENGTH = 3500  # leaves room for the heading within one Telegram message


async def _branch(ctx: Ctx) -> Organisation | None:
    """The branch this officer leads (secretary or deputy), if any."""
    assert ctx.member is not None
    for role in await orgs.roles_of(ctx.session, ctx.member.id or 0):
        if role.role in (OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY):
            return await ctx.session.get(Organisation, role.org_id)
    return None


async def visible(ctx: Ctx) -> bool:
    return ctx.member is not None and await _branch(ctx) is not None


async def _start(ctx: Ctx) -> Outcome:
    branch = await _branch(ctx)
    if branch is None:
        return Done(Msg("announce.not_allowed"))
    ctx.data["branch_id"] = branch.id
    return Next("text")


async def _text(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, MAX_LENGTH, "announce.empty", "announce.too_long")
    if isinstance(text, Invalid):
        return text
    ctx.data["text"] = text
    return Next("confirm")


async def _audience(ctx: Ctx) -> list[int]:
    """Members of the branch with a linked chat account (everyone else is reached in person)."""
    assert ctx.member is not None
    query = (select(Member.id).join(ChatAccount, col(ChatAccount.member_id) == Member.id)
             .where(Member.branch_id == ctx.data["branch_id"],
                    Member.status != MemberStatus.LEFT, Member.id != ctx.member.id)
             .distinct())
    return [i for i in (await ctx.session.exec(query)).all() if i is not None]


async def _body(ctx: Ctx) -> Msg:
    branch = await ctx.session.get(Organisation, ctx.data["branch_id"])
    return Msg("announce.body", branch=branch.name if branch else "", text=ctx.data["text"])


async def _confirm_prompt(ctx: Ctx) -> Prompt:
    branch = await ctx.session.get(Organisation, ctx.data["branch_id"])
    audience = await _audience(ctx)
    shortfalls = await zalo_bots.shortfalls(ctx.session, ctx.settings, audience, ctx.now)
    return Prompt(
        [Msg("announce.preview", count=len(audience), branch=branch.name if branch else ""),
         await _body(ctx), *shortfalls],
        [("send", Msg("announce.confirm")), ("edit", Msg("announce.edit"))],
    )


async def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    branch = await _branch(ctx)
    if branch is None or branch.id != ctx.data["branch_id"]:
        return Done(Msg("announce.not_allowed"))  # the role ended since the flow began
    if answer.option == "edit":
        return Next("text")
    if answer.option != "send":
        return Invalid(Msg("common.please_choose"))
    audience = await _audience(ctx)
    if not audience:
        return Done(Msg("announce.nobody"))
    broadcast = await broadcasts.start(
        ctx.session, started_by=ctx.member.id if ctx.member else None,
        audience=f"branch:{ctx.data['branch_id']}", member_ids=audience,
        body=[await _body(ctx)], now=ctx.now, progress_to=ctx.chat)
    ctx.audit("broadcast.started", ("broadcast", broadcast.id), recipients=len(audience))
    if is_quiet(ctx.settings, ctx.now):
        return Done(Msg("announce.started_quiet", count=len(audience),
                        start=ctx.settings.quiet_hours_start.strftime("%H:%M"),
                        end=ctx.settings.quiet_hours_end.strftime("%H:%M")))
    return Done(Msg("announce.started", count=len(audience)))


FLOW = Flow(
    NAME,
    {
        "text": Step(static(Msg("announce.ask_text")), _text),
        "confirm": Step(_confirm_prompt, _confirm),
    },
    _start,
)
