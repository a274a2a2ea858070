"""Choosing the language Chibot speaks to this person."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Invalid, Outcome, Prompt, Step, go

NAME = "language"


async def _prompt(ctx: Ctx) -> Prompt:
    return Prompt(
        [Msg("language.question")],
        [(lang, Msg(f"language.{lang}")) for lang in ctx.settings.languages],
    )


async def _choose(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option not in ctx.settings.languages:
        return Invalid(Msg("language.please_choose"))
    ctx.state.language = answer.option
    if ctx.member is not None:
        ctx.member.language = answer.option
        ctx.session.add(ctx.member)
        ctx.audit("member.language", ("member", ctx.member.id), language=answer.option)
    return Done(Msg("language.changed"))


FLOW = Flow(NAME, {"choose": Step(_prompt, _choose)}, go("choose"), needs_member=False)
