"""`chibot meetings`: plan a chi bo's meetings, list them, move or cancel one, stop a plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import typer
from sqlmodel import col, select

from bot.cli.common import run_with_db, utc_now
from bot.cli.texts import echo
from conversations.meetings import rule as rules
from conversations.meetings import service
from storage.db import Database
from storage.models import Meeting, MeetingKind, MeetingPlan, MeetingStatus, Organisation
from storage.repos import meetings as repo
from storage.repos import orgs, outbox
from vocabulary.dates import parse_date
from vocabulary.messages import Msg
from vocabulary.settings import Settings

app = typer.Typer(help=Msg("cli.meetings").key, no_args_is_help=True)

STATUS = {MeetingStatus.PLANNED: Msg("cli.meetings.status.planned"),
          MeetingStatus.CANCELLED: Msg("cli.meetings.status.cancelled")}

def _fail(msg: Msg) -> typer.Exit:
    echo(Msg("cli.error", problem=msg), err=True)
    return typer.Exit(1)


@app.command(help=Msg("cli.meetings.plan").key)
def plan(
    org_code: Annotated[str, typer.Argument(help=Msg("cli.meetings.plan.org_code").key)],
    rule: Annotated[str | None, typer.Option(help=Msg("cli.meetings.plan.rule").key)] = None,
    at: Annotated[str | None, typer.Option(help=Msg("cli.meetings.plan.at").key)] = None,
    kind: Annotated[MeetingKind, typer.Option(help=Msg("cli.meetings.plan.kind").key)] =
        MeetingKind.REGULAR,
    place: Annotated[str, typer.Option(help=Msg("cli.meetings.plan.place").key)] = "",
    agenda: Annotated[str | None, typer.Option(
        help=Msg("cli.meetings.plan.agenda").key)] = None,
) -> None:
    """Plan a recurring meeting (--rule) or a one-off one (--at); members get reminders."""
    if (rule is None) == (at is None):
        echo(Msg("cli.meetings.rule_or_at"), err=True)
        raise typer.Exit(2)

    async def work(database: Database, settings: Settings) -> None:
        async with database.session() as session:
            org = await orgs.by_code(session, org_code)
            if org is None:
                echo(Msg("cli.error", problem=Msg("cli.meetings.no_org", code=org_code)),
                     err=True)
                raise typer.Exit(1)
            do = service.Doing(session, settings, utc_now())
            try:
                if rule is not None:
                    made, planned = await service.plan(do, org, kind, rule, place)
                    echo(Msg("cli.meetings.planned", plan=made.id, org=org.code, kind=f"{kind}",
                             rule=made.rule, meetings=planned.meetings, timers=planned.timers))
                    for day, need, can in planned.overloaded:
                        echo(Msg("cli.warning", text=Msg(
                            "cli.meetings.overloaded", day=f"{day}", need=need, can=can)))
                    for short in planned.zalo_short:
                        echo(Msg("cli.warning", text=Msg(
                            "cli.meetings.zalo_short", month=short.month, bot=short.bot,
                            need=short.need, left=short.left)))
                else:
                    meeting = await service.hold(do, org, kind, _local(at or "", settings),
                                                 place, agenda)
                    echo(Msg("cli.meetings.held", meeting=meeting.id, org=org.code,
                             kind=f"{kind}", at=_show(meeting.starts_at, settings)))
            except service.MeetingError as refused:
                raise _fail(refused.msg) from None
            await outbox.enqueue(session, do.out, do.now)

    run_with_db(work)


def _local(text: str, settings: Settings) -> datetime:
    """A local date and time as written in Viet Nam, "20/12/2026 19:30" (or "2026-12-20 19:30",
    or a day named by words as vocabulary.dates reads them): the date, then the time."""
    day, _, clock = text.strip().rpartition(" ")
    on = parse_date(day, datetime.now(settings.tz).date()) if day else None
    try:
        if on is None:
            raise ValueError(text)
        return datetime.combine(on, rules.parse_time(clock), settings.tz)
    except (ValueError, rules.RuleError):
        echo(Msg("cli.error", problem=Msg("cli.meetings.bad_at", text=text)), err=True)
        raise typer.Exit(2) from None


def _show(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


@app.command("list", help=Msg("cli.meetings.list").key)
def list_(
    org_code: Annotated[str | None, typer.Argument(
        help=Msg("cli.meetings.list.org_code").key)] = None,
    days: Annotated[int, typer.Option(help=Msg("cli.meetings.list.days").key)] = 62,
) -> None:
    """The plans, and the meetings from today on."""

    async def work(database: Database, settings: Settings) -> None:
        async with database.session() as session:
            plans_query = select(MeetingPlan, Organisation).join(
                Organisation, Organisation.id == MeetingPlan.org_id).where(
                col(MeetingPlan.ended_at).is_(None))
            meetings_query = select(Meeting, Organisation).join(
                Organisation, Organisation.id == Meeting.org_id).where(
                Meeting.starts_at >= utc_now() - timedelta(days=1),
                Meeting.starts_at < utc_now() + timedelta(days=days))
            if org_code is not None:
                plans_query = plans_query.where(Organisation.code == org_code)
                meetings_query = meetings_query.where(Organisation.code == org_code)
            for item, org in (await session.exec(plans_query)).all():
                echo(Msg("cli.meetings.plan_line", plan=item.id, org=org.code,
                         kind=f"{item.kind}", rule=item.rule, place=item.place))
            found = (await session.exec(meetings_query.order_by(col(Meeting.starts_at)))).all()
            for meeting, org in found:
                answers = await repo.answers(session, meeting.id or 0)
                said = sum(1 for a in answers.values() if a)
                echo(Msg("cli.meetings.meeting_line", meeting=meeting.id, org=org.code,
                         kind=f"{meeting.kind}", at=_show(meeting.starts_at, settings),
                         status=STATUS[meeting.status], said=said, total=len(answers)))

    run_with_db(work)


@app.command(help=Msg("cli.meetings.cancel").key)
def cancel(
    meeting_id: Annotated[int | None, typer.Argument(
        help=Msg("cli.meetings.cancel.meeting_id").key)] = None,
    plan_id: Annotated[int | None, typer.Option(
        "--plan", help=Msg("cli.meetings.cancel.plan").key)] = None,
) -> None:
    """Cancel a meeting ahead (those reminded are told), or stop a plan (--plan)."""
    if (meeting_id is None) == (plan_id is None):
        echo(Msg("cli.meetings.meeting_or_plan"), err=True)
        raise typer.Exit(2)

    async def work(database: Database, settings: Settings) -> None:
        async with database.session() as session:
            do = service.Doing(session, settings, utc_now())
            try:
                if plan_id is not None:
                    found = await session.get(MeetingPlan, plan_id)
                    if found is None:
                        echo(Msg("cli.error", problem=Msg("cli.meetings.no_plan", plan=plan_id)),
                             err=True)
                        raise typer.Exit(1)
                    count = await service.end_plan(do, found)
                    echo(Msg("cli.meetings.plan_stopped", plan=plan_id, count=count))
                else:
                    meeting = await session.get(Meeting, meeting_id)
                    if meeting is None:
                        echo(Msg("cli.error", problem=Msg(
                            "cli.meetings.no_meeting", meeting=meeting_id)), err=True)
                        raise typer.Exit(1)
                    told = await service.cancel(do, meeting)
                    echo(Msg("cli.meetings.cancelled", meeting=meeting_id, told=told))
            except service.MeetingError as refused:
                raise _fail(refused.msg) from None
            await outbox.enqueue(session, do.out, do.now)

    run_with_db(work)


@app.command(help=Msg("cli.meetings.move").key)
def move(
    meeting_id: Annotated[int, typer.Argument(help=Msg("cli.meetings.move.meeting_id").key)],
    at: Annotated[str, typer.Option(help=Msg("cli.meetings.move.at").key)],
    place: Annotated[str | None, typer.Option(help=Msg("cli.meetings.move.place").key)] = None,
) -> None:
    """Move a meeting ahead to another time and/or place; those reminded are told."""

    async def work(database: Database, settings: Settings) -> None:
        starts_at = _local(at, settings)
        async with database.session() as session:
            meeting = await session.get(Meeting, meeting_id)
            if meeting is None:
                raise _fail(Msg("cli.meetings.no_meeting", meeting=meeting_id))
            do = service.Doing(session, settings, utc_now())
            try:
                told = await service.move(do, meeting, starts_at, place)
            except service.MeetingError as refused:
                raise _fail(refused.msg) from None
            await outbox.enqueue(session, do.out, do.now)
            echo(Msg("cli.meetings.moved", meeting=meeting_id,
                     at=_show(meeting.starts_at, settings), place=meeting.place or "-",
                     told=told))

    run_with_db(work)

