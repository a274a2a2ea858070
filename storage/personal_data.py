"""Everything Chibot stores about one member, section by section: «my data» and its copy.

A section is a reader of the rows about one member in one capability's tables. The built-in
sections are below; a capability that stores more about members adds its own in its
`register(registry)` with `registry.add_personal_data(Section(...))` (README, Personal data).
The chat shows each titled section (`lines` draws its rows, or a plain "field: value" line
each); the copy sent as a file holds every section, titled or not.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from sqlmodel import SQLModel, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    AuditEntry,
    ChatAccount,
    Consent,
    DataRequest,
    DataRequestKind,
    InviteCode,
    Member,
    Organisation,
    OutboxMessage,
    Request,
    RequestDecision,
)
from storage.repos import orgs
from vocabulary.messages import Msg
from vocabulary.settings import Settings

Row = dict[str, Any]
Reader = Callable[[AsyncSession, Member, Settings], Awaitable[list[Row]]]
LineMaker = Callable[[list[Row]], list[Msg]]


@dataclass(frozen=True)
class Section:
    """One part of a member's data: `name` keys it in the copy; `title`
    heads it in the chat, None when the chat shows it otherwise (the profile, the requests)."""

    name: str
    read: Reader
    title: Msg | None = None
    lines: LineMaker | None = None


async def collect(session: AsyncSession, member: Member, settings: Settings,
                  sections: Iterable[Section]) -> dict[str, list[Row]]:
    return {section.name: await section.read(session, member, settings) for section in sections}


def as_json(collected: dict[str, list[Row]], made_at: datetime) -> bytes:
    """The copy: instants in UTC (ISO 8601), dates as YYYY-MM-DD, UTF-8."""
    document = {"made_at": made_at, **collected}
    return json.dumps(document, ensure_ascii=False, indent=2, default=_plain).encode()


def plain_lines(rows: list[Row]) -> list[Msg]:
    """A section without its own drawing: one "field: value" line per row."""
    return [Msg("mydata.row", text="; ".join(f"{k}: {_shown(v)}" for k, v in row.items()
                                              if v not in (None, "", {}, [])))
            for row in rows]


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON: {type(value).__name__}")


def _shown(value: object) -> str:
    return str(_plain(value)) if isinstance(value, datetime | date | Enum) else str(value)


def _fields(row: SQLModel, exclude: set[str]) -> Row:
    """A table row's columns as they are stored (model_dump would warn on enum columns)."""
    columns = row.__table__.columns  # type: ignore[attr-defined]
    return {c.name: getattr(row, c.name) for c in columns if c.name not in exclude}


async def _names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = await session.exec(select(Member).where(col(Member.id).in_(wanted)))
    return {m.id or 0: m.full_name for m in found.all()}


async def _org_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = await session.exec(select(Organisation).where(col(Organisation.id).in_(wanted)))
    return {o.id or 0: o.name for o in found.all()}


async def _requests(session: AsyncSession, member: Member) -> list[Request]:
    found = await session.exec(select(Request).where(Request.member_id == member.id)
                               .order_by(col(Request.id)))
    return list(found.all())


async def read_member(session: AsyncSession, member: Member, _settings: Settings) -> list[Row]:
    places = await _org_names(session, [member.branch_id, member.group_id])
    roles = await orgs.roles_of(session, member.id or 0)
    role_places = await _org_names(session, [r.org_id for r in roles])
    row = _fields(member, exclude={"id", "branch_id", "group_id"})
    row.update(branch=places.get(member.branch_id),
               group=places.get(member.group_id or 0),
               roles=[{"role": r.role, "organisation": role_places.get(r.org_id),
                       "since": r.started_at} for r in roles])
    return [row]


async def read_accounts(session: AsyncSession, member: Member, _settings: Settings) -> list[Row]:
    found = await session.exec(select(ChatAccount).where(ChatAccount.member_id == member.id))
    return [_fields(a, exclude={"id", "member_id"}) for a in found.all()]


async def read_consents(session: AsyncSession, member: Member, _settings: Settings) -> list[Row]:
    found = list((await session.exec(select(Consent).where(Consent.member_id == member.id)
                                      .order_by(col(Consent.id)))).all())
    names = await _names(session, [c.recorded_by for c in found])
    return [{**_fields(c, exclude={"id", "member_id", "recorded_by"}),
             "recorded_by": names.get(c.recorded_by or 0)} for c in found]


async def read_invites(session: AsyncSession, member: Member, _settings: Settings) -> list[Row]:
    found = list((await session.exec(
        select(InviteCode).where(InviteCode.member_id == member.id))).all())
    names = await _names(session, [i.issued_by for i in found])
    # The code itself is not kept (only its HMAC), so it cannot be shown.
    return [{"issued_by": names.get(i.issued_by or 0), "created_at": i.created_at,
             "expires_at": i.expires_at, "used_at": i.used_at} for i in found]


async def read_requests(session: AsyncSession, member: Member, _settings: Settings) -> list[Row]:
    found = await _requests(session, member)
    names = await _names(session, [r.recorded_by for r in found])
    return [{**_fields(r, exclude={"member_id", "attachment", "recorded_by", "revision",
                                     "stage_org_id", "branch_id", "other_org_id"}),
             "attachment": (r.attachment or {}).get("name"),
             "recorded_by": names.get(r.recorded_by or 0)} for r in found]


async def read_decisions(session: AsyncSession, member: Member, _settings: Settings) -> list[Row]:
    ids = [r.id for r in await _requests(session, member)]
    found = list((await session.exec(
        select(RequestDecision).where(col(RequestDecision.request_id).in_(ids))
        .order_by(col(RequestDecision.id)))).all())
    names = await _names(session, [d.by_member_id for d in found])
    places = await _org_names(session, [d.report_to_org_id for d in found])
    return [{"request": d.request_id, "stage": d.stage, "outcome": d.outcome,
             "by": names.get(d.by_member_id), "at": d.at, "meeting_on": d.meeting_on,
             "resolution_no": d.resolution_no, "note": d.note,
             "reported_to": places.get(d.report_to_org_id or 0), "reported_at": d.reported_at,
             "undone_at": d.undone_at} for d in found]


async def read_recipients(session: AsyncSession, member: Member,
                          _settings: Settings) -> list[Row]:
    """Who received his/her requests (and their documents): officers' copies, reports above."""
    requests = {f"{r.type}:{r.id}": r for r in await _requests(session, member)}
    found = list((await session.exec(
        select(OutboxMessage).where(col(OutboxMessage.subject).in_(list(requests)),
                                    OutboxMessage.member_id != member.id)
        .order_by(col(OutboxMessage.id)))).all())
    names = await _names(session, [m.member_id for m in found])
    rows: list[Row] = [
        {"request": requests[m.subject or ""].id, "to": names.get(m.member_id or 0),
         "at": m.sent_at or m.created_at, "with_document": bool(m.payload.get("attachment"))}
        for m in found]
    for decision in await read_decisions(session, member, _settings):
        if decision["reported_to"] and decision["reported_at"]:
            rows.append({"request": decision["request"], "to": decision["reported_to"],
                         "at": decision["reported_at"], "with_document": False})
    return rows


async def read_certificates(session: AsyncSession, member: Member,
                            settings: Settings) -> list[Row]:
    """The documents still stored, and when each will be deleted (None: once decided, then
    certificate_retention_days)."""
    keep = timedelta(days=settings.certificate_retention_days)
    return [{"request": r.id, "name": r.attachment["name"],
             "deleted_on": (r.closed_at + keep).astimezone(settings.tz).date()
             if r.closed_at else None,
             "kept_days": settings.certificate_retention_days}
            for r in await _requests(session, member) if r.attachment]


async def read_data_requests(session: AsyncSession, member: Member,
                             _settings: Settings) -> list[Row]:
    found = list((await session.exec(select(DataRequest).where(
        DataRequest.member_id == member.id).order_by(col(DataRequest.id)))).all())
    names = await _names(session, [d.done_by for d in found])
    return [{"number": d.id, "kind": d.kind, "text": d.text, "created_at": d.created_at,
             "done_at": d.done_at, "done_by": names.get(d.done_by or 0)} for d in found]


async def read_audit(session: AsyncSession, member: Member, _settings: Settings) -> list[Row]:
    """The log of what was done with or by him/her (kept: it is how misuse is traced)."""
    found = await session.exec(select(AuditEntry).where(or_(
        col(AuditEntry.actor_member_id) == member.id,
        (col(AuditEntry.subject_type) == "member")
        & (col(AuditEntry.subject_id) == str(member.id)))).order_by(col(AuditEntry.id)))
    return [{"at": e.at, "action": e.action} for e in found.all()]


def _recipient_lines(rows: list[Row]) -> list[Msg]:
    return [Msg("mydata.recipient", number=r["request"], name=r["to"], at=r["at"])
            for r in rows]


def _certificate_lines(rows: list[Row]) -> list[Msg]:
    return [Msg("mydata.certificate", number=r["request"], name=r["name"],
                deleted_on=r["deleted_on"]
                or Msg("mydata.certificate_after_decision", days=r["kept_days"]))
            for r in rows]


def _decision_lines(rows: list[Row]) -> list[Msg]:
    return [Msg("mydata.decision", number=r["request"],
                outcome=Msg(f"request.outcome.{r['outcome']}"), name=r["by"], at=r["at"])
            for r in rows if r["undone_at"] is None]


def _data_request_lines(rows: list[Row]) -> list[Msg]:
    return [Msg("mydata.data_request", number=r["number"], kind=_kind(r["kind"]),
                created_at=r["created_at"], done_at=r["done_at"] or Msg("mydata.not_done"))
            for r in rows]


def _kind(kind: str) -> Msg:
    if kind == DataRequestKind.DELETION:
        return Msg("mydata.kind.deletion")
    return Msg("mydata.kind.correction")


BUILT_IN = (
    Section("member", read_member),
    Section("chat_accounts", read_accounts),
    Section("consents", read_consents),
    Section("invite_codes", read_invites),
    Section("requests", read_requests),
    Section("decisions", read_decisions, Msg("mydata.decisions_title"), _decision_lines),
    Section("recipients", read_recipients, Msg("mydata.recipients_title"), _recipient_lines),
    Section("certificates", read_certificates, Msg("mydata.certificates_title"),
            _certificate_lines),
    Section("data_requests", read_data_requests, Msg("mydata.data_requests_title"),
            _data_request_lines),
    Section("audit", read_audit),
)
