"""The officers' screen: meetings of their chi bo (and to dang), who answered what, the
attendance checklist, cancelling, moving (move_flow) and late documents."""

from __future__ import annotations

from datetime import timedelta

from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, StartFlow, Step
from conversations.meetings import access, agenda, move_flow, service, texts
from conversations.meetings.plan_flow import PLAN
from storage.models import Attendance, Meeting, MeetingStatus, Organisation
from storage.repos import meetings as repo
from vocabulary.messages import Msg
from vocabulary.text import as_id

MEETINGS = "meetings"
UPCOMING_DAYS = 62  # the list reaches about two months ahead
CYCLE = {Attendance.PRESENT: Attendance.EXCUSED, Attendance.EXCUSED: Attendance.UNEXCUSED,
         Attendance.UNEXCUSED: Attendance.PRESENT}


async def visible(ctx: Ctx) -> bool:
    return ctx.member is not None and bool(await access.managed(ctx.session, ctx.member))


async def _start(ctx: Ctx) -> Outcome:
    if not await visible(ctx):
        return Done(Msg("meetings.not_allowed"))
    return Next("list")


async def _list_prompt(ctx: Ctx) -> Prompt:
    assert ctx.member is not None
    orgs = await access.managed(ctx.session, ctx.member)
    since = ctx.now - timedelta(days=ctx.settings.meeting_list_days)
    found = await repo.of_orgs(ctx.session, [o.id or 0 for o in orgs], since,
                               ctx.now + timedelta(days=UPCOMING_DAYS))
    names = {o.id: o.name for o in orgs}
    options = [(f"m{m.id}", Msg("meetings.option", at=m.starts_at, kind=texts.kind(m),
                                org=names.get(m.org_id, ""),
                                status=Msg(f"meetings.status.{_state(ctx, m)}")))
               for m in found]
    body = Msg("meetings.list.head") if found else Msg("meetings.list.empty")
    return Prompt([body], [*options, ("plan", Msg("meetings.plan.button"))])


def _state(ctx: Ctx, meeting: Meeting) -> str:
    if meeting.status == MeetingStatus.CANCELLED:
        return "cancelled"
    if meeting.starts_at > ctx.now:
        return "ahead"
    return "marked" if meeting.marked_at else "unmarked"


async def _list(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "plan":
        return StartFlow(PLAN)
    meeting = await access.run_by(ctx, as_id((answer.option or "")[1:]))
    if meeting is None:
        return Invalid(Msg("meetings.list.pick"))
    ctx.data["meeting"] = meeting.id
    return Next("meeting")


async def _meeting_prompt(ctx: Ctx) -> Prompt:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    assert meeting is not None
    org = await ctx.session.get(Organisation, meeting.org_id)
    topics = (await agenda.topics_of(ctx.session, [meeting])).get(meeting.id or 0)
    body = [*texts.details(meeting, org, topics), *await answers_view(ctx, meeting)]
    options = []
    if service.may_mark(ctx.settings, meeting, ctx.now):
        options.append(("mark", Msg("meetings.button.mark")))
    if meeting.status == MeetingStatus.PLANNED and meeting.starts_at > ctx.now:
        options += [("doc", Msg("meetings.button.document")),
                    ("cancel", Msg("meetings.button.cancel")),
                    ("move", Msg("meetings.button.move"))]
    return Prompt(body, [*options, ("back", Msg("meetings.button.back"))])


async def answers_view(ctx: Ctx, meeting: Meeting) -> list[Msg]:
    """Who will come, who asked to be excused and why, who has not answered."""
    await service.record_expected(ctx.session, ctx.settings, meeting)
    rows = await repo.attendees(ctx.session, meeting.id or 0)
    coming = [m.full_name for a, m in rows if a.answer == "attend"]
    away = [Msg("meetings.view.absent_line", name=m.full_name,
                reason=Msg(f"meetings.reason.{a.reason}"), text=a.reason_text or "")
            for a, m in rows if a.answer == "absent"]
    silent = [m.full_name for a, m in rows if a.answer is None]
    lines = [Msg("meetings.view.attend", count=len(coming), names=", ".join(coming) or "-"),
             Msg("meetings.view.absent", count=len(away)), *away,
             Msg("meetings.view.silent", count=len(silent), names=", ".join(silent) or "-")]
    if meeting.marked_at is not None:
        present, expected = await repo.rate(ctx.session, [meeting.id or 0])
        lines.append(_rate_line(ctx, present, expected))
    return lines


def _rate_line(ctx: Ctx, present: int, expected: int, key: str = "meetings.rate.meeting") -> Msg:
    percent = round(100 * present / expected) if expected else 0
    target = ctx.settings.attendance_target_percent
    verdict = Msg("meetings.rate.ok") if percent >= target else Msg("meetings.rate.below")
    return Msg(key, present=present, expected=expected, percent=percent, target=target,
               verdict=verdict)


async def _meeting(ctx: Ctx, answer: Answer) -> Outcome:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    if meeting is None or answer.option == "back":
        return Next("list")
    if answer.option == "mark" and service.may_mark(ctx.settings, meeting, ctx.now):
        marks = await service.checklist(ctx.session, ctx.settings, meeting)
        ctx.data["marks"] = {str(k): str(v) for k, v in marks.items()}
        return Next("mark")
    if answer.option == "cancel":
        return Next("cancel")
    if answer.option == "doc":
        return Next("doc")
    if answer.option == "move":
        return Next(move_flow.FIRST)
    return Invalid(Msg("meetings.list.pick"))


async def _mark_prompt(ctx: Ctx) -> Prompt:
    rows = await repo.attendees(ctx.session, int(ctx.data["meeting"]))
    marks = ctx.data["marks"]
    options = [(f"t{m.id}", Msg("meetings.mark.line", name=m.full_name,
                                mark=Msg(f"meetings.attendance.{marks[str(m.id)]}")))
               for _a, m in rows if str(m.id) in marks]
    return Prompt([Msg("meetings.mark.head")], [*options, ("save", Msg("meetings.mark.save"))])


async def _mark(ctx: Ctx, answer: Answer) -> Outcome:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    if meeting is None:
        return Done(Msg("meetings.not_allowed"))
    option = answer.option or ""
    marks: dict[str, str] = ctx.data["marks"]
    if option.startswith("t") and option[1:] in marks:
        marks[option[1:]] = CYCLE[Attendance(marks[option[1:]])]
        ctx.data["marks"] = dict(marks)  # a new dict, so the change is saved
        return Next("mark")
    if option != "save":
        return Invalid(Msg("meetings.mark.pick"))
    do = service.Doing(ctx.session, ctx.settings, ctx.now, ctx.member, ctx.outbox)
    try:
        present, expected = await service.save_attendance(
            do, meeting, {int(k): Attendance(v) for k, v in marks.items()})
    except service.MeetingError as refused:
        return Done(refused.msg)
    year_present, year_expected = await service.year_rate(ctx.session, meeting)
    return Done(Msg("meetings.mark.saved"), _rate_line(ctx, present, expected),
                _rate_line(ctx, year_present, year_expected, "meetings.rate.year"))


async def _cancel_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("meetings.cancel.confirm")],
                  [("yes", Msg("meetings.cancel.yes")), ("no", Msg("meetings.cancel.no"))])


async def _cancel(ctx: Ctx, answer: Answer) -> Outcome:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    if meeting is None or answer.option != "yes":
        return Next("meeting") if meeting else Done(Msg("meetings.not_allowed"))
    do = service.Doing(ctx.session, ctx.settings, ctx.now, ctx.member, ctx.outbox)
    try:
        told = await service.cancel(do, meeting)
    except service.MeetingError as refused:
        return Done(refused.msg)
    ctx.audit("meeting.cancelled", ("meeting", meeting.id))
    return Done(Msg("meetings.cancel.done", told=told))


async def _doc_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("meetings.document.send")], [("back", Msg("meetings.button.back"))])


async def _doc(ctx: Ctx, answer: Answer) -> Outcome:
    meeting = await access.run_by(ctx, ctx.data.get("meeting"))
    if meeting is None or answer.option == "back":
        return Next("meeting") if meeting else Done(Msg("meetings.not_allowed"))
    if answer.file is None:
        return Invalid(Msg("meetings.document.send"))
    do = service.Doing(ctx.session, ctx.settings, ctx.now, ctx.member, ctx.outbox)
    try:
        late = await service.add_document(do, meeting, answer.file)
    except service.MeetingError as refused:
        return Done(refused.msg)
    if late:
        return Done(Msg("meetings.document.late", days=ctx.settings.meeting_documents_days_before))
    return Done(Msg("meetings.document.attached"))


FLOW = Flow(MEETINGS, {
    "list": Step(_list_prompt, _list),
    "meeting": Step(_meeting_prompt, _meeting),
    "mark": Step(_mark_prompt, _mark),
    "cancel": Step(_cancel_prompt, _cancel),
    "doc": Step(_doc_prompt, _doc),
    **move_flow.STEPS,
}, _start)
