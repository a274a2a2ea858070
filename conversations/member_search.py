"""An officer finds a member of his/her organisations by typing a name, part of one, or an id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from conversations.context import Ctx
from conversations.flow import Answer, Invalid, Next, Outcome, Prompt
from storage.models import Member
from vocabulary.messages import Msg
from vocabulary.text import fold

MAX_MATCHES = 8


async def matches(ctx: Ctx, answer: Answer, candidates: list[Member]) -> list[Member] | Invalid:
    """The candidates the typed text names (never the officer), kept for the pick step."""
    assert ctx.member is not None
    key = fold(answer.text or "")
    if len(key) < 2:
        return Invalid(Msg("invite.type_name"))
    found = [m for m in candidates if m.id != ctx.member.id
             and (key in fold(m.full_name) or key == fold(m.roster_id))]
    if not found:
        return Invalid(Msg("invite.no_match", query=answer.text or ""))
    if len(found) > MAX_MATCHES:
        return Invalid(Msg("invite.too_many", count=len(found)))
    ctx.data["matches"] = [m.id for m in found]
    return found


async def pick_prompt(ctx: Ctx) -> Prompt:
    options = []
    for member_id in ctx.data.get("matches", []):
        member = await ctx.session.get(Member, member_id)
        if member is not None:
            options.append((str(member.id), Msg("invite.option", name=member.full_name,
                                                roster_id=member.roster_id)))
    return Prompt([Msg("invite.pick")], options)


async def picked(ctx: Ctx, answer: Answer) -> Member | Invalid:
    """The member chosen among the matches shown."""
    if answer.option not in {str(i) for i in ctx.data.get("matches", [])}:
        return Invalid(Msg("common.please_choose"))
    member = await ctx.session.get(Member, int(answer.option or 0))
    return member if member is not None else Invalid(Msg("common.please_choose"))


Chosen = Callable[[Ctx, Member], Awaitable[Outcome]]


async def found_one(ctx: Ctx, answer: Answer, candidates: list[Member],
                    chosen: Chosen) -> Outcome:
    """The "who" step: one match goes on with `chosen`; several ask to pick (step "pick")."""
    found = await matches(ctx, answer, candidates)
    if isinstance(found, Invalid):
        return found
    return Next("pick") if len(found) > 1 else await chosen(ctx, found[0])


async def picked_one(ctx: Ctx, answer: Answer, chosen: Chosen) -> Outcome:
    """The "pick" step: the member picked among the matches goes on with `chosen`."""
    member = await picked(ctx, answer)
    return member if isinstance(member, Invalid) else await chosen(ctx, member)
