"""The member's answers to the bot's questions while away (overdue; return date unknown)."""

from __future__ import annotations

from conversations.away import timers
from conversations.away.returning import END_FLOW, EXTEND_FLOW, RETURN_FLOW
from conversations.context import Ctx
from conversations.flow import Outcome, StartFlow
from conversations.requests.act import Act
from storage.models import AwayRecord
from vocabulary.messages import Msg
from vocabulary.text import as_id

FLOWS = {"back": RETURN_FLOW, "extend": EXTEND_FLOW, "date": END_FLOW}


async def answer(ctx: Ctx, args: list[str]) -> Outcome | None:
    """`a:ax:VERB:RECORD`: only the member the record is about may answer, while it is open."""
    verb, raw = (args[0], args[1]) if len(args) == 2 else ("", None)
    record_id = as_id(raw)
    record = await ctx.session.get(AwayRecord, record_id) if record_id is not None else None
    if record is None or ctx.member is None or record.member_id != ctx.member.id \
            or verb not in (*FLOWS, "still"):
        ctx.audit("away.refused", ("away_record", record_id or "?"), verb=verb)
        ctx.reply(Msg("request.officer.not_allowed"))
        return None
    if record.returned_on is not None:
        ctx.reply(Msg("away.answer.closed", day=record.returned_on))
        return None
    if verb in FLOWS:
        return StartFlow(FLOWS[verb], {"record": record.id})
    record.last_contact_at = ctx.now
    ctx.session.add(record)
    await timers.tell_leaders(Act.of(ctx), record, Msg(
        "away.leaders.still", name=ctx.member.full_name, place=record.place,
        end=record.ends_on), f"away-still:{record.id}:{ctx.today}")
    ctx.reply(Msg("away.still.noted"))
    return None
