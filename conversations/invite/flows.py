"""An officer issues a one-time invite code for a member of his/her branch (or below)."""

from __future__ import annotations

from conversations import identity, member_search, officers, zalo_bots
from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Next, Outcome, Step, static
from storage.models import Member
from storage.repos import accounts, members
from vocabulary.messages import Msg

NAME = "invite"


async def _start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    if not await officers.is_steward(ctx.session, ctx.member):
        return Done(Msg("invite.not_allowed"))
    return Next("who")


async def _candidates(ctx: Ctx) -> list[Member]:
    assert ctx.member is not None
    org_ids = await officers.stewarded_org_ids(ctx.session, ctx.member)
    return await members.in_orgs(ctx.session, sorted(org_ids))


async def _who(ctx: Ctx, answer: Answer) -> Outcome:
    return await member_search.found_one(ctx, answer, await _candidates(ctx), _issue)


async def _pick(ctx: Ctx, answer: Answer) -> Outcome:
    return await member_search.picked_one(ctx, answer, _issue)


async def _issue(ctx: Ctx, member: Member) -> Outcome:
    assert ctx.member is not None
    if member.branch_id not in await officers.stewarded_org_ids(ctx.session, ctx.member):
        return Done(Msg("invite.not_allowed"))
    if member.id == ctx.member.id:
        return Done(Msg("invite.not_for_self"))
    bot = await zalo_bots.bot_for(ctx.session, ctx.settings, member, ctx.now)
    code, expires = await identity.issue_invite(
        ctx.session, ctx.settings, member, ctx.now, ctx.member.id, bot.id if bot else None)
    said = [Msg("invite.issued", name=member.full_name, code=code, expires=expires)]
    if bot is not None:
        said.append(Msg("invite.zalo_bot", bot=bot.name, link=bot.link))
    elif ctx.settings.zalo_bot_list:
        said.append(Msg("invite.zalo_full"))
    if await accounts.of_member(ctx.session, member.id or 0):
        said.append(Msg("invite.already_linked"))
    return Done(*said)


FLOW = Flow(
    NAME,
    {
        "who": Step(static(Msg("invite.ask_member")), _who),
        "pick": Step(member_search.pick_prompt, _pick),
    },
    _start,
)


async def visible(ctx: Ctx) -> bool:
    return ctx.member is not None and await officers.is_steward(ctx.session, ctx.member)
