"""Private reflections (tu soi, tu sua): one per topic, kept to oneself or shared with the
secretary and deputy of one's own chi bo; no one above ever reads them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.context import Ctx
from conversations.flow import Answer, Done, Invalid, Next, Outcome, Prompt, Step, written
from conversations.topics import audience, notice
from storage.models import Member, TopicItem, TopicReflection, TopicRound
from vocabulary.messages import Msg
from vocabulary.settings import Settings

SHOWN = 20


def _fresh(settings: Settings, now: datetime) -> object:
    """Reflections younger than the retention period (older ones are as good as deleted)."""
    cutoff = now - timedelta(days=settings.topics_reflection_retention_days)
    return col(TopicReflection.created_at) >= cutoff


async def purge_expired(session: AsyncSession, settings: Settings, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.topics_reflection_retention_days)
    result = await session.exec(delete(TopicReflection)  # type: ignore[call-overload]
                                .where(col(TopicReflection.created_at) < cutoff))
    return int(result.rowcount)


async def _item_prompt(ctx: Ctx) -> Prompt:
    round_ = await ctx.session.get(TopicRound, ctx.data["round"])
    options = []
    for pick in (round_.items if round_ else []):
        item = await ctx.session.get(TopicItem, pick["item"])
        if item is not None:
            options.append((str(item.id), Msg("topics.reflect.item", code=item.code)))
    return Prompt([Msg("topics.reflect.which")], options)


async def _item(ctx: Ctx, answer: Answer) -> Outcome:
    round_ = await ctx.session.get(TopicRound, ctx.data["round"])
    ids = {str(p["item"]) for p in (round_.items if round_ else [])}
    if answer.option not in ids:
        return Invalid(Msg("common.please_choose"))
    ctx.data["item"] = int(answer.option or 0)
    return Next("reflect_text")


async def _text_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("topics.reflect.ask_text", limit=ctx.settings.topics_reflection_max_chars)])


async def _text(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, ctx.settings.topics_reflection_max_chars, "topics.reflect.empty",
                   "topics.reflect.too_long")
    if isinstance(text, Invalid):
        return text
    ctx.data["text"] = text
    return Next("reflect_share")


async def _share_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("topics.reflect.share_ask",
                       days=ctx.settings.topics_reflection_retention_days)],
                  [("private", Msg("topics.reflect.private")),
                   ("shared", Msg("topics.reflect.shared"))])


async def _share(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option not in ("private", "shared"):
        return Invalid(Msg("common.please_choose"))
    assert ctx.member is not None
    found = await ctx.session.exec(select(TopicReflection).where(
        TopicReflection.member_id == ctx.member.id, TopicReflection.round_id == ctx.data["round"],
        TopicReflection.item_id == ctx.data["item"]))
    reflection = found.first() or TopicReflection(
        member_id=ctx.member.id or 0, round_id=ctx.data["round"], item_id=ctx.data["item"],
        text="", created_at=ctx.now)
    reflection.text, reflection.shared = ctx.data["text"], answer.option == "shared"
    reflection.created_at = ctx.now
    ctx.session.add(reflection)
    return Done(Msg("topics.reflect.saved_shared") if reflection.shared
                else Msg("topics.reflect.saved_private"))


async def _mine(ctx: Ctx) -> list[tuple[TopicReflection, str, str]]:
    assert ctx.member is not None
    query = (select(TopicReflection, TopicItem.code, TopicRound.month)
             .join(TopicItem, col(TopicItem.id) == TopicReflection.item_id)
             .join(TopicRound, col(TopicRound.id) == TopicReflection.round_id)
             .where(TopicReflection.member_id == ctx.member.id,
                    _fresh(ctx.settings, ctx.now))  # type: ignore[arg-type]
             .order_by(col(TopicReflection.created_at).desc()).limit(SHOWN))
    return list((await ctx.session.exec(query)).all())


async def _mine_prompt(ctx: Ctx) -> Prompt:
    found = await _mine(ctx)
    if not found:
        return Prompt([Msg("topics.mine.none")], [("back", Msg("menu.back"))])
    body = [Msg("topics.mine.head")]
    options = []
    for reflection, code, month in found:
        share = Msg("topics.mine.shared") if reflection.shared else Msg("topics.mine.private")
        body.append(Msg("topics.mine.line", month=notice.month_label(month), code=code,
                        share=share, text=reflection.text))
        options.append((f"del:{reflection.id}", Msg("topics.mine.delete",
                                                     month=notice.month_label(month), code=code)))
    return Prompt(body, [*options, ("back", Msg("menu.back"))])


async def _mine_answer(ctx: Ctx, answer: Answer) -> Outcome:
    option = answer.option or ""
    if option == "back":
        return Next("menu")
    ids = {f"del:{r.id}": r for r, _code, _month in await _mine(ctx)}
    if option not in ids:
        return Invalid(Msg("common.please_choose"))
    await ctx.session.delete(ids[option])
    ctx.audit("topics.reflection_deleted", ("member", ctx.member.id if ctx.member else 0))
    return Done(Msg("topics.mine.deleted"))


async def shared_with_leader(ctx: Ctx, branch_id: int) -> list[Msg]:
    """What members of this chi bo chose to share with its secretary and deputy."""
    people = audience.members(ctx.today).subquery()
    query = (select(TopicReflection, Member.full_name, TopicItem.code, TopicRound.month)
             .join(Member, col(Member.id) == TopicReflection.member_id)
             .join(people, people.c.member_id == TopicReflection.member_id)
             .join(TopicItem, col(TopicItem.id) == TopicReflection.item_id)
             .join(TopicRound, col(TopicRound.id) == TopicReflection.round_id)
             .where(people.c.branch_id == branch_id, TopicRound.branch_id == branch_id,
                    col(TopicReflection.shared).is_(True),
                    _fresh(ctx.settings, ctx.now))  # type: ignore[arg-type]
             .order_by(col(TopicReflection.created_at).desc()).limit(SHOWN))
    found = list((await ctx.session.exec(query)).all())
    if not found:
        return [Msg("topics.shared.none")]
    return [Msg("topics.shared.head"),
            *(Msg("topics.shared.line", name=name, month=notice.month_label(month), code=code,
                  text=reflection.text) for reflection, name, code, month in found)]


async def delete_all(ctx: Ctx) -> list[Msg]:
    """On consent withdrawn: the member's reflections go at once."""
    if ctx.member is None:
        return []
    result = await ctx.session.exec(delete(TopicReflection)  # type: ignore[call-overload]
                                    .where(col(TopicReflection.member_id) == ctx.member.id))
    return [Msg("topics.mine.deleted_all", count=result.rowcount)] if result.rowcount else []


STEPS = {
    "reflect_item": Step(_item_prompt, _item),
    "reflect_text": Step(_text_prompt, _text),
    "reflect_share": Step(_share_prompt, _share),
    "mine": Step(_mine_prompt, _mine_answer),
}
