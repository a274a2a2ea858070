"""The member's rights over his/her data (Law 91/2025/QH15): a copy, a correction, a deletion."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations import consent, officers
from conversations.context import Ctx
from conversations.flow import Outcome
from conversations.requests import attachments
from conversations.requests.act import Act
from storage import personal_data
from storage.files import FileStore
from storage.models import (
    DataRequest,
    DataRequestKind,
    InviteCode,
    Member,
    OfficerRole,
    Request,
    Timer,
)
from storage.repos.requests import OPEN
from storage.repos.timers import TimerHandler, schedule
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.text import as_id
from vocabulary.types import Choice, Outbound

COPY_DELETE = "mydata-copy"  # the timer that deletes a copy sent as a file
ACTION = "dr"  # the correction task's button: a:dr:done:ID


def copy_lines(ctx: Ctx) -> list[Msg]:
    return [Msg("mydata.copy_sent", hours=ctx.settings.personal_data_copy_hours)]


async def send_copy(ctx: Ctx) -> None:
    """Everything stored, as a JSON file; the file store keeps it only a few hours."""
    member = ctx.member
    assert member is not None
    collected = await personal_data.collect(ctx.session, member, ctx.settings, ctx.personal_data)
    name = ctx.renderer()(Msg("mydata.copy_file_name", date=ctx.today.isoformat()))
    ref = FileStore.of(ctx.settings).save(personal_data.as_json(collected, ctx.now), name,
                                          "application/json")
    due = ctx.now + timedelta(hours=ctx.settings.personal_data_copy_hours)
    await schedule(ctx.session, COPY_DELETE, f"{COPY_DELETE}:{ref.path}", due, ctx.now,
                   path=ref.path)
    ctx.audit("personal_data.copied", ("member", member.id), sections=len(collected))
    ctx.outbox.append(Outbound(ctx.chat, copy_lines(ctx), attachment=ref,
                               order_key=ctx.order_key))


def delete_copy(settings: Settings) -> TimerHandler:
    async def handle(_session: AsyncSession, timer: Timer, _now: datetime) -> None:
        FileStore.of(settings).delete(timer.payload["path"])

    return handle


async def leaders(session: AsyncSession, member: Member) -> list[Member]:
    """Who keeps the member's record: the branch's leaders, or the committee above."""
    return [m for officer, m in await officers.help_contacts(session, member)
            if officer.role != OfficerRole.GROUP_LEADER]


async def ask_correction(ctx: Ctx, text: str) -> list[Msg]:
    """A task for the record's keepers, who mark it done once the record is corrected."""
    member = ctx.member
    assert member is not None
    task = DataRequest(member_id=member.id or 0, kind=DataRequestKind.CORRECTION,
                       text=text[:1000], created_at=ctx.now)
    ctx.session.add(task)
    await ctx.session.flush()
    ctx.audit("data.correction_asked", ("member", member.id), task=task.id)
    keepers = await leaders(ctx.session, member)
    # "s" (for "sua", correct): typed as «1 s7», apart from request 7's «1 7».
    done = Choice(f"a:{ACTION}:done:{task.id}", Msg("mydata.correction_done_button"),
                  ref=f"s{task.id}")
    for officer in keepers:
        ctx.notify(officer.id or 0, Msg("mydata.correction_task", number=task.id or 0,
                                        name=member.full_name, roster_id=member.roster_id,
                                        text=task.text or ""),
                   choices=[done], dedupe_key=f"data-correction:{task.id}:{officer.id}")
    if not keepers:
        return [Msg("mydata.correction_nobody", number=task.id or 0)]
    names = ", ".join(m.full_name for m in keepers)
    return [Msg("mydata.correction_sent", number=task.id or 0, names=names)]


async def mark_corrected(ctx: Ctx, args: list[str]) -> Outcome | None:
    """The button on a correction task: one conditional update, so a second tap changes nothing."""
    officer = ctx.member
    assert officer is not None
    number = as_id(args[1]) if len(args) == 2 and args[0] == "done" else None
    task = await ctx.session.get(DataRequest, number) if number is not None else None
    owner = await ctx.session.get(Member, task.member_id) if task else None
    if task is None or owner is None or officer not in await leaders(ctx.session, owner):
        ctx.audit("data.refused", ("data_request", number or "?"))
        ctx.reply(Msg("request.officer.not_allowed"))
        return None
    marked = await ctx.session.exec(
        update(DataRequest)
        .where(col(DataRequest.id) == task.id, col(DataRequest.done_at).is_(None))
        .values(done_at=ctx.now, done_by=officer.id))
    if marked.rowcount != 1:
        ctx.reply(Msg("mydata.correction_already", number=task.id or 0))
        return None
    ctx.audit("data.corrected", ("member", owner.id), task=task.id)
    ctx.reply(Msg("mydata.correction_marked", number=task.id or 0, name=owner.full_name))
    ctx.notify(owner.id or 0, Msg("mydata.correction_done", number=task.id or 0,
                                  name=officer.full_name))
    return None


async def delete_data(ctx: Ctx) -> list[Msg]:
    """Delete what the law lets be deleted, keep the party's records, and say which is which."""
    member = ctx.member
    assert member is not None
    act = Act.of(ctx)
    found = await ctx.session.exec(select(Request).where(
        Request.member_id == member.id, col(Request.status).not_in(OPEN)))
    certificates = 0
    for request in found.all():  # open requests go with the consent below, told to deciders
        if await attachments.drop(act, request):
            certificates += 1
    await ctx.session.exec(delete(InviteCode).where(col(InviteCode.member_id) == member.id))
    member.language = None
    ctx.session.add(member)
    ctx.session.add(DataRequest(member_id=member.id or 0, kind=DataRequestKind.DELETION,
                                created_at=ctx.now, done_at=ctx.now))
    ctx.audit("data.deleted", ("member", member.id), certificates=certificates)
    for officer in await leaders(ctx.session, member):
        ctx.notify(officer.id or 0, Msg("mydata.deletion_told", name=member.full_name,
                                        roster_id=member.roster_id))
    return [*await consent.withdraw(ctx), Msg("mydata.deleted", certificates=certificates),
            Msg("mydata.kept")]
