"""`chibot meetings`: plan a chi bo's meetings, list them, cancel one or stop a plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

import typer
from sqlmodel import col, select

from bot.cli.common import run_with_db, utc_now
from conversations.meetings import rule as rules
from conversations.meetings import service
from storage.db import Database
from storage.models import Meeting, MeetingKind, MeetingPlan, Organisation
from storage.repos import meetings as repo
from storage.repos import orgs, outbox
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings

app = typer.Typer(help="Meetings of chi bo and to dang: plans, the list, cancelling.",
                  no_args_is_help=True)

RULE_HELP = ('A recurring meeting: "ngay 3, 19:30", "thu bay cuoi thang, 08:00", '
             '"thu nam tuan 2, 19:00"; thematic: "cuoi quy, ngay 15, 14:00" '
             '(diacritics optional; README "Meetings" has the syntax).')


def _fail(settings: Settings, msg: Msg) -> typer.Exit:
    typer.echo("error: " + Renderer(settings.default_language, settings.tz)(msg), err=True)
    return typer.Exit(1)


@app.command()
def plan(
    org_code: Annotated[str, typer.Argument(help="The chi bo or to dang (its code).")],
    rule: Annotated[str | None, typer.Option(help=RULE_HELP)] = None,
    at: Annotated[str | None, typer.Option(
        help='A one-off meeting, local time: "2026-12-20 19:30".')] = None,
    kind: Annotated[MeetingKind, typer.Option(help="What kind of meeting.")] =
        MeetingKind.REGULAR,
    place: Annotated[str, typer.Option(help="Where the chi bo meets.")] = "",
    agenda: Annotated[str | None, typer.Option(help="The agenda (one-off meetings).")] = None,
) -> None:
    """Plan a recurring meeting (--rule) or a one-off one (--at); members get reminders."""
    if (rule is None) == (at is None):
        typer.echo("Give either --rule (a recurring meeting) or --at (a one-off).", err=True)
        raise typer.Exit(2)

    async def work(database: Database, settings: Settings) -> None:
        async with database.session() as session:
            org = await orgs.by_code(session, org_code)
            if org is None:
                typer.echo(f"error: no organisation with code {org_code}", err=True)
                raise typer.Exit(1)
            do = service.Doing(session, settings, utc_now())
            try:
                if rule is not None:
                    made, planned = await service.plan(do, org, kind, rule, place)
                    typer.echo(f"plan {made.id}: {org.code} {kind} \"{made.rule}\"; "
                               f"meetings planned: {planned.meetings}, "
                               f"reminders set: {planned.timers}")
                    for day, need, can in planned.overloaded:
                        typer.echo(f"warning: reminders due on {day}: {need} messages, "
                                   f"the window carries {can} at the channel's rate")
                else:
                    meeting = await service.hold(do, org, kind, _local(at or "", settings),
                                                 place, agenda)
                    typer.echo(f"meeting {meeting.id}: {org.code} {kind} at "
                               f"{_show(meeting.starts_at, settings)}")
            except service.MeetingError as refused:
                raise _fail(settings, refused.msg) from None
            await outbox.enqueue(session, do.out, do.now)

    run_with_db(work)


def _local(text: str, settings: Settings) -> datetime:
    try:
        day, _, clock = text.strip().partition(" ")
        return datetime.combine(date.fromisoformat(day), rules.parse_time(clock), settings.tz)
    except (ValueError, rules.RuleError):
        typer.echo(f'error: --at wants "YYYY-MM-DD HH:MM", not "{text}"', err=True)
        raise typer.Exit(2) from None


def _show(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


@app.command("list")
def list_(
    org_code: Annotated[str | None, typer.Argument(help="Only this chi bo or to dang.")] = None,
    days: Annotated[int, typer.Option(help="How many days ahead.")] = 62,
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
                typer.echo(f"plan {item.id}: {org.code} {item.kind} \"{item.rule}\" "
                           f"{item.place}")
            found = (await session.exec(meetings_query.order_by(col(Meeting.starts_at)))).all()
            for meeting, org in found:
                answers = await repo.answers(session, meeting.id or 0)
                said = sum(1 for a in answers.values() if a)
                typer.echo(f"meeting {meeting.id}: {org.code} {meeting.kind} "
                           f"{_show(meeting.starts_at, settings)} {meeting.status} "
                           f"answered {said}/{len(answers)}")

    run_with_db(work)


@app.command()
def cancel(
    meeting_id: Annotated[int | None, typer.Argument(help="The meeting to cancel.")] = None,
    plan_id: Annotated[int | None, typer.Option("--plan", help="Stop this plan instead.")] =
        None,
) -> None:
    """Cancel a meeting ahead (those reminded are told), or stop a plan (--plan)."""
    if (meeting_id is None) == (plan_id is None):
        typer.echo("Give a meeting id, or --plan and a plan id.", err=True)
        raise typer.Exit(2)

    async def work(database: Database, settings: Settings) -> None:
        async with database.session() as session:
            do = service.Doing(session, settings, utc_now())
            try:
                if plan_id is not None:
                    found = await session.get(MeetingPlan, plan_id)
                    if found is None:
                        typer.echo(f"error: no plan {plan_id}", err=True)
                        raise typer.Exit(1)
                    count = await service.end_plan(do, found)
                    typer.echo(f"plan {plan_id} stopped; meetings cancelled: {count}")
                else:
                    meeting = await session.get(Meeting, meeting_id)
                    if meeting is None:
                        typer.echo(f"error: no meeting {meeting_id}", err=True)
                        raise typer.Exit(1)
                    told = await service.cancel(do, meeting)
                    typer.echo(f"meeting {meeting_id} cancelled; members told: {told}")
            except service.MeetingError as refused:
                raise _fail(settings, refused.msg) from None
            await outbox.enqueue(session, do.out, do.now)

    run_with_db(work)
