"""An officer issues a one-time invite code for a member of his/her branch (or below)."""

from __future__ import annotations

from bot.i18n import Msg
from conversations import identity, officers
from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, Step, static
from conversations.text import fold
from storage.models import Member
from storage.repos import accounts, members

NAME = "invite"
MAX_MATCHES = 8


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
    assert ctx.member is not None
    key = fold(answer.text or "")
    if len(key) < 2:
        return Invalid(Msg("invite.type_name"))
    found = [m for m in await _candidates(ctx) if m.id != ctx.member.id
             and (key in fold(m.full_name) or key == fold(m.roster_id))]
    if not found:
        return Invalid(Msg("invite.no_match", query=answer.text or ""))
    if len(found) > MAX_MATCHES:
        return Invalid(Msg("invite.too_many", count=len(found)))
    ctx.data["matches"] = [m.id for m in found]
    return Next("pick") if len(found) > 1 else await _issue(ctx, found[0])


async def _pick_prompt(ctx: Ctx) -> Prompt:
    options = []
    for member_id in ctx.data.get("matches", []):
        member = await ctx.session.get(Member, member_id)
        if member is not None:
            options.append((str(member.id), Msg("invite.option", name=member.full_name,
                                                roster_id=member.roster_id)))
    return Prompt([Msg("invite.pick")], options)


async def _pick(ctx: Ctx, answer: Answer) -> Outcome:
    allowed = {str(i) for i in ctx.data.get("matches", [])}
    if answer.option not in allowed:
        return Invalid(Msg("common.please_choose"))
    member = await ctx.session.get(Member, int(answer.option))
    return await _issue(ctx, member) if member else Invalid(Msg("common.please_choose"))


async def _issue(ctx: Ctx, member: Member) -> Outcome:
    assert ctx.member is not None
    if member.branch_id not in await officers.stewarded_org_ids(ctx.session, ctx.member):
        return Done(Msg("invite.not_allowed"))
    if member.id == ctx.member.id:
        return Done(Msg("invite.not_for_self"))
    code, expires = await identity.issue_invite(
        ctx.session, ctx.settings, member, ctx.now, ctx.member.id)
    issued = Msg("invite.issued", name=member.full_name, code=code, expires=expires)
    if await accounts.of_member(ctx.session, member.id or 0):
        return Done(issued, Msg("invite.already_linked"))
    return Done(issued)


FLOW = Flow(
    NAME,
    {
        "who": Step(static(Msg("invite.ask_member")), _who),
        "pick": Step(_pick_prompt, _pick),
    },
    _start,
)


async def visible(ctx: Ctx) -> bool:
    return ctx.member is not None and await officers.is_steward(ctx.session, ctx.member)
