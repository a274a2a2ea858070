"""A member's answer to a reminder: «Toi se du», or «Toi xin vang» with a reason."""

from __future__ import annotations

from conversations.context import Ctx
from conversations.flow import (
    Answer,
    Done,
    Flow,
    Invalid,
    Next,
    Outcome,
    Prompt,
    StartFlow,
    Step,
    written,
)
from conversations.meetings import service
from storage.models import Meeting, MeetingAttendee, MeetingStatus
from storage.repos import meetings as repo
from vocabulary.messages import Msg
from vocabulary.text import as_id

ABSENCE = "meeting_absence"
REASONS = ("work", "health", "family", "other")
REASON_LIMIT = 300


async def act(ctx: Ctx, args: list[str]) -> Outcome | None:
    """`a:mt:yes:ID` and `a:mt:no:ID`: re-checked against the database at every tap."""
    assert ctx.member is not None
    verb = args[0] if args else ""
    meeting_id = as_id(args[1]) if len(args) > 1 else None
    meeting = await ctx.session.get(Meeting, meeting_id) if meeting_id else None
    row = await _row(ctx, meeting) if meeting else None
    if meeting is None or row is None or verb not in ("yes", "no"):
        ctx.reply(Msg("meetings.answer.not_yours"))
        return None
    if meeting.status != MeetingStatus.PLANNED:
        ctx.reply(Msg("meetings.answer.cancelled"))
        return None
    if meeting.starts_at <= ctx.now:
        ctx.reply(Msg("meetings.answer.too_late"))
        return None
    if verb == "no":
        return StartFlow(ABSENCE, {"meeting": meeting.id})
    row.answer, row.reason, row.reason_text, row.answered_at = "attend", None, None, ctx.now
    ctx.session.add(row)
    ctx.reply(Msg("meetings.answer.attend_recorded", at=meeting.starts_at))
    return None


async def _row(ctx: Ctx, meeting: Meeting) -> MeetingAttendee | None:
    """The member's row: reminded, or expected now (a reminder not yet sent)."""
    assert ctx.member is not None
    member_id = ctx.member.id or 0
    row = await repo.attendee(ctx.session, meeting.id or 0, member_id)
    if row is None and member_id in await service.expected_ids(ctx.session, ctx.settings,
                                                                meeting):
        row = repo.new_attendee(ctx.session, meeting.id or 0, member_id)
    return row


async def _reason_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("meetings.absence.which_reason")],
                  [(reason, Msg(f"meetings.reason.{reason}")) for reason in REASONS])


async def _reason(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option not in REASONS:
        return Invalid(Msg("meetings.absence.pick_reason"))
    ctx.data["reason"] = answer.option
    if answer.option == "other":
        return Next("text")
    return await _record(ctx, None)


async def _text_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("meetings.absence.write_reason", limit=REASON_LIMIT)])


async def _text(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, REASON_LIMIT, "meetings.absence.empty", "meetings.absence.too_long")
    if isinstance(text, Invalid):
        return text
    return await _record(ctx, text)


async def _record(ctx: Ctx, text: str | None) -> Outcome:
    meeting = await ctx.session.get(Meeting, ctx.data.get("meeting"))
    row = await _row(ctx, meeting) if meeting else None
    if meeting is None or row is None or meeting.status != MeetingStatus.PLANNED \
            or meeting.starts_at <= ctx.now:
        return Done(Msg("meetings.answer.too_late"))
    row.answer, row.reason, row.reason_text = "absent", ctx.data["reason"], text
    row.answered_at = ctx.now
    ctx.session.add(row)
    return Done(Msg("meetings.answer.absent_recorded",
                    reason=Msg(f"meetings.reason.{row.reason}")))


async def _start(_ctx: Ctx) -> Outcome:
    return Next("reason")


FLOW = Flow(ABSENCE, {"reason": Step(_reason_prompt, _reason),
                      "text": Step(_text_prompt, _text)}, _start)
