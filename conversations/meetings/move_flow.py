"""Moving a meeting from its screen: the new date and time, the new place (or the same one),
a summary to confirm. Those already reminded are told by the service."""

from __future__ import annotations

from datetime import datetime

from conversations.context import Ctx
from conversations.flow import Answer, Done, Invalid, Next, Outcome, Prompt, Step, written
from conversations.meetings import access, service
from conversations.meetings.plan_flow import TEXT_LIMIT, read_when
from storage.models import Meeting
from vocabulary.messages import Msg

FIRST = "move_when"


async def _when_prompt(ctx: Ctx) -> Prompt:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    assert meeting is not None
    return Prompt([Msg("meetings.move.ask_when", at=meeting.starts_at)],
                  [("back", Msg("meetings.button.back"))])


async def _when(ctx: Ctx, answer: Answer) -> Outcome:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    if meeting is None:
        return Done(Msg("meetings.not_allowed"))
    if answer.option == "back":
        return Next("meeting")
    text = written(answer, TEXT_LIMIT, "meetings.plan.bad_when", "meetings.plan.too_long")
    if isinstance(text, Invalid):
        return text
    when = read_when(text, ctx)
    if isinstance(when, Msg):
        return Invalid(when)
    refused = await _refusal(ctx, meeting, when)
    if refused is not None:
        return refused
    ctx.data["when"] = when.isoformat()
    return Next("move_place")


async def _refusal(ctx: Ctx, meeting: Meeting, when: datetime) -> Outcome | None:
    """A past or clashing time may be typed again; a meeting no longer ahead ends the flow."""
    do = service.Doing(ctx.session, ctx.settings, ctx.now, ctx.member)
    try:
        await service.check_move(do, meeting, when)
    except service.MeetingError as refused:
        if refused.msg.key == "meetings.error.not_ahead":
            return Done(refused.msg)
        return Invalid(refused.msg)
    return None


async def _place_prompt(ctx: Ctx) -> Prompt:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    assert meeting is not None
    return Prompt([Msg("meetings.move.ask_place", place=meeting.place or "-")],
                  [("keep", Msg("meetings.move.keep_place"))])


async def _place(ctx: Ctx, answer: Answer) -> Outcome:
    if await access.run_by(ctx, ctx.data.get("meeting")) is None:
        return Done(Msg("meetings.not_allowed"))
    if answer.option == "keep":
        ctx.data.pop("place", None)
        return Next("move_confirm")
    place = written(answer, TEXT_LIMIT, "meetings.plan.ask_place", "meetings.plan.too_long")
    if isinstance(place, Invalid):
        return place
    ctx.data["place"] = place
    return Next("move_confirm")


async def _confirm_prompt(ctx: Ctx) -> Prompt:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    assert meeting is not None
    place = ctx.data.get("place") or meeting.place or "-"
    return Prompt([Msg("meetings.move.confirm"),
                   Msg("meetings.move.from", at=meeting.starts_at, place=meeting.place or "-"),
                   Msg("meetings.move.to", at=datetime.fromisoformat(ctx.data["when"]),
                       place=place)],
                  [("yes", Msg("meetings.move.yes")), ("no", Msg("meetings.move.no"))])


async def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    if meeting is None:
        return Done(Msg("meetings.not_allowed"))
    if answer.option == "no":
        return Next("meeting")
    if answer.option != "yes":
        return Invalid(Msg("meetings.list.pick"))
    do = service.Doing(ctx.session, ctx.settings, ctx.now, ctx.member, ctx.outbox)
    try:
        told = await service.move(do, meeting, datetime.fromisoformat(ctx.data["when"]),
                                  ctx.data.get("place"))
    except service.MeetingError as refused:
        return Done(refused.msg)
    ctx.audit("meeting.moved", ("meeting", meeting.id), revision=meeting.revision)
    return Done(Msg("meetings.move.done", at=meeting.starts_at, told=told))


STEPS = {
    "move_when": Step(_when_prompt, _when),
    "move_place": Step(_place_prompt, _place),
    "move_confirm": Step(_confirm_prompt, _confirm),
}
