"""The away record's timers: the expected return (then the secretary if no answer), the
monthly question when the return date is unknown, and the monthly dues reminder."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from conversations.officers import BRANCH_LEADERS
from conversations.requests.act import Act
from storage.models import AwayRecord, Member, Timer
from storage.repos import away, orgs
from storage.repos.timers import schedule
from vocabulary.messages import Msg
from vocabulary.types import Choice, Outbound

OVERDUE, SILENT, ASK, DUES = "overdue", "silent", "ask", "dues"
ACTION = "ax"  # the member's answers to these questions: "a:ax:VERB:RECORD"
DUES_PAGE = 1000


def kind(suffix: str) -> str:
    return f"away-{suffix}"


async def plan(act: Act, record: AwayRecord) -> None:
    """The timers of an open record: its expected return, or the question about it; dues."""
    if record.ends_on is not None:
        await away.schedule_overdue(act.session, record, act.settings.tz, act.now)
    else:
        await _ask_later(act, record)
    await schedule_dues(act, act.today)


async def _ask_later(act: Act, record: AwayRecord) -> None:
    due = act.now + timedelta(days=act.settings.away_unsure_ask_days)
    await schedule(act.session, kind(ASK), f"{kind(ASK)}:{record.id}:{due.date()}", due,
                   act.now, record=record.id)


async def schedule_dues(act: Act, after: date) -> None:
    await away.schedule_dues(act.session, after, act.settings.away_dues_day, act.settings.tz,
                             act.now)


def ref(record: AwayRecord) -> str:
    """What a typed answer names: the number of the request that opened the record."""
    return str(record.request_id) if record.request_id else f"v{record.id}"


def answers(record: AwayRecord, *verbs: str) -> list[Choice]:
    return [Choice(f"a:{ACTION}:{verb}:{record.id}", Msg(f"away.answer.{verb}"), ref=ref(record))
            for verb in verbs]


async def _open(act: Act, timer: Timer) -> AwayRecord | None:
    record = await act.session.get(AwayRecord, timer.payload.get("record") or 0)
    return record if record is not None and record.returned_on is None else None


async def overdue(act: Act, timer: Timer) -> None:
    """The expected return date has passed: still away, back, or an extension?"""
    record = await _open(act, timer)
    if record is None or record.ends_on is None or record.ends_on >= act.today:
        return  # extended (a later timer asks) or back
    record.asked_at = act.now
    act.session.add(record)
    act.out.append(Outbound(record.member_id, [Msg("away.overdue.ask", end=record.ends_on)],
                            answers(record, "still", "back", "extend"), dedupe_key=timer.key))
    due = act.now + timedelta(days=act.settings.away_answer_days)
    await schedule(act.session, kind(SILENT), f"{kind(SILENT)}:{record.id}:{record.ends_on}",
                   due, act.now, record=record.id, asked=act.now.isoformat())


async def silent(act: Act, timer: Timer) -> None:
    """No answer to the overdue question: the secretary is told."""
    record = await _open(act, timer)
    if record is None or record.last_contact_at >= datetime.fromisoformat(timer.payload["asked"]):
        return
    if record.ends_on is not None and record.ends_on >= act.today:
        return
    member = await act.session.get(Member, record.member_id)
    await tell_leaders(act, record, Msg("away.leaders.silent", name=member.full_name if member
                                        else "", end=record.ends_on,
                                        days=act.settings.away_answer_days), timer.key)


async def ask(act: Act, timer: Timer) -> None:
    """"Not sure yet" when back: asked again each month until a date or the return comes."""
    record = await _open(act, timer)
    if record is None or record.ends_on is not None:
        return
    act.out.append(Outbound(record.member_id, [Msg("away.unsure.ask", start=record.starts_on)],
                            answers(record, "date", "back"), dedupe_key=timer.key))
    await _ask_later(act, record)


async def dues(act: Act, timer: Timer) -> None:
    """The monthly dues reminder to every member away, whatever the arrangement (text only)."""
    after, found = 0, 0
    while page := await away.still_away(act.session, act.today, DUES_PAGE, after):
        for _record_id, member_id in page:
            act.out.append(Outbound(member_id, [Msg("away.dues.reminder")],
                                    dedupe_key=f"{timer.key}:{member_id}"))
        after, found = page[-1][0], found + len(page)
    if found or await away.still_away(act.session, act.today + timedelta(days=40), 1):
        await schedule_dues(act, act.today)


async def tell_leaders(act: Act, record: AwayRecord, body: Msg, key: str) -> None:
    """A message about a member away to the leaders of his/her home chi bo."""
    await tell_officers(act, record.branch_id, record, body, key)


async def tell_officers(act: Act, org_id: int, record: AwayRecord, body: Msg, key: str) -> None:
    """A message about a member away to the leaders of a chi bo (home or host), not to him/her."""
    for _officer, leader in await orgs.holders(act.session, org_id, BRANCH_LEADERS):
        if leader.id != record.member_id:
            act.out.append(Outbound(leader.id or 0, [body], dedupe_key=f"{key}:{leader.id}"))


JOBS = {OVERDUE: overdue, SILENT: silent, ASK: ask, DUES: dues}
