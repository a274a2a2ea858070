"""The chi bo a member transfers to for a while: one in Chibot (its secretary confirms the
arrival), or one outside it, kept by name."""

from __future__ import annotations

from conversations.context import Ctx
from conversations.flow import Answer, Invalid, Next, Outcome, Prompt, Step, static, written
from storage.models import Member, Organisation
from storage.repos import away
from vocabulary.messages import Msg
from vocabulary.text import fold

MAX_NAME, MAX_MATCHES, OUTSIDE = 200, 8, "outside"


async def _host(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, MAX_NAME, "request.error.text_empty", "request.error.text_too_long")
    if isinstance(text, Invalid):
        return text
    member = await ctx.session.get(Member, ctx.data["member_id"])
    key = fold(text)
    found = [i for i, name in await away.branch_names(ctx.session)
             if key in fold(name) and (member is None or i != member.branch_id)]
    if len(found) > MAX_MATCHES:
        return Invalid(Msg("away.host.too_many", count=len(found)))
    ctx.data.update(host_name=text, host_id=None, host_matches=found)
    return Next("host_pick" if found else "phone")


async def _pick_prompt(ctx: Ctx) -> Prompt:
    options = []
    for org_id in ctx.data.get("host_matches", []):
        org = await ctx.session.get(Organisation, org_id)
        if org is not None:
            options.append((str(org_id), Msg("away.host.option", name=org.name)))
    options.append((OUTSIDE, Msg("away.host.outside", name=ctx.data["host_name"])))
    return Prompt([Msg("away.host.pick")], options)


async def _pick(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == OUTSIDE:
        return Next("phone")
    if answer.option not in {str(i) for i in ctx.data.get("host_matches", [])}:
        return Invalid(Msg("common.please_choose"))
    ctx.data.update(host_id=int(answer.option or 0), host_name=None)
    return Next("phone")


STEPS = {"host": Step(static(Msg("away.ask.host")), _host),
         "host_pick": Step(_pick_prompt, _pick)}
