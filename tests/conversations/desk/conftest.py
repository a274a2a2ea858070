"""Two chi bộ under one đảng ủy: members on reduction and exemption as the workflow leaves
them (approved request, decision, review timer), linked, unlinked and unreachable members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import (
    ChatAccount,
    Member,
    MemberStatus,
    OfficerRole,
    Organisation,
    OrgKind,
    Request,
    RequestDecision,
    RequestStage,
    RequestStatus,
    Timer,
)
from tests import factories as f
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings


@dataclass
class Desk:
    base: Organisation
    a: Organisation  # Chi bộ ấp Bình Minh: 10 members, 1 reduced, 2 exempted
    b: Organisation  # Chi bộ ấp Tân Hòa: 5 members, 0 relieved
    exempt_open: Member
    exempt_fixed: Member
    reduced: Member
    unlinked: Member
    unreachable: Member
    open_request: Request
    sec: Person  # secretary of A
    sec_b: Person  # secretary of B
    base_member: Person  # a member of the đảng ủy
    plain: Person  # a member of A without a role


async def relief(db: Database, member: Member, kind: str, starts: date, ends: date | None,
                 *, review: datetime | None = None, detail: dict | None = None,
                 meeting: date | None = None, resolution: str | None = None) -> Request:
    """An approved request in force, with the chi bộ's recorded decision."""
    async with db.session() as session:
        request = Request(type="exemption", member_id=member.id or 0,
                          branch_id=member.branch_id, kind=kind, reason="health",
                          starts_on=starts, ends_on=ends, detail=detail or {},
                          status=RequestStatus.APPROVED, stage_since=f.T0, created_at=f.T0,
                          closed_at=f.T0)
        session.add(request)
        await session.flush()
        session.add(RequestDecision(request_id=request.id or 0, stage=RequestStage.BRANCH,
                                    outcome="approved", by_member_id=member.id or 0, at=f.T0,
                                    meeting_on=meeting, resolution_no=resolution))
        if review is not None:
            session.add(Timer(kind="exemption-review", key=f"exemption-review:{request.id}:1",
                              due_at=review, payload={"request_id": request.id, "number": 1},
                              created_at=f.T0))
        return request


@pytest.fixture
async def desk(db: Database) -> Desk:
    base = await f.org(db, "DU-AH", OrgKind.BASE_COMMITTEE, name="Đảng bộ xã An Hòa")
    a = await f.org(db, "CB-BM", OrgKind.BRANCH, base, name="Chi bộ ấp Bình Minh")
    b = await f.org(db, "CB-TH", OrgKind.BRANCH, base, name="Chi bộ ấp Tân Hòa")
    secretary = await f.member(db, "S-001", "Nguyễn Văn Hùng", a, "+84912000101")
    await f.role(db, secretary, a, OfficerRole.SECRETARY)
    exempt_open = await f.member(db, "M-002", "Trần Thị Mai", a, "+84912000102",
                                 status=MemberStatus.EXEMPTED)
    exempt_fixed = await f.member(db, "M-003", "Đỗ Văn Long", a, "+84912000103",
                                  status=MemberStatus.EXEMPTED)
    reduced = await f.member(db, "M-004", "Ngô Thị Hạnh", a, "+84912000104",
                             status=MemberStatus.REDUCED)
    unlinked = await f.member(db, "M-005", "Lý Văn Tâm", a, "+84912000105")
    unreachable = await f.member(db, "M-006", "Phan Thị Út", a, "+84912000106")
    plain = await f.member(db, "M-007", "Võ Văn Sáu", a, "+84912000107")
    for n in range(8, 11):
        member = await f.member(db, f"M-{n:03}", f"Đảng viên {n}", a)
        await f.link(db, member, f"a{n}")
    await f.member(db, "M-099", "Đã chuyển đi", a, status=MemberStatus.LEFT)
    sec_b = await f.member(db, "S-101", "Hồ Văn Bảy", b, "+84912000201")
    await f.role(db, sec_b, b, OfficerRole.SECRETARY)
    for n in range(2, 6):
        await f.member(db, f"T-{n:03}", f"Đảng viên Tân Hòa {n}", b)
    base_member = await f.member(db, "B-001", "Phạm Văn Bình", b, "+84912000301")
    await f.role(db, base_member, base, OfficerRole.BASE_COMMITTEE_MEMBER)
    for member, chat_id in ((secretary, "sec"), (sec_b, "secb"), (base_member, "base"),
                            (plain, "plain"), (exempt_open, "mai"), (exempt_fixed, "long"),
                            (reduced, "hanh")):
        await f.link(db, member, chat_id)
    await f.link(db, unreachable, "ut")
    async with db.session() as session:
        row = (await session.exec(select(ChatAccount).where(ChatAccount.user_id == "ut"))).one()
        row.unreachable_at = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)
        session.add(row)
    open_request = await relief(
        db, exempt_open, "exemption", date(2026, 3, 1), None,
        review=datetime(2027, 3, 1, 1, 0, tzinfo=UTC), meeting=date(2026, 2, 27),
        resolution="05-NQ/CB", detail={"present": 8, "votes_for": 7, "votes_against": 1})
    await relief(db, exempt_fixed, "exemption", date(2026, 9, 1), date(2027, 2, 28))
    await relief(db, reduced, "reduction", date(2026, 6, 1), None,
                 review=datetime(2027, 6, 1, 1, 0, tzinfo=UTC))
    return Desk(base, a, b, exempt_open, exempt_fixed, reduced, unlinked, unreachable,
                open_request, Person("sec"), Person("secb"), Person("base"), Person("plain"))


@pytest.fixture
def chat(db: Database, settings: Settings, clock: FakeClock) -> Chat:
    return Chat(db, settings, clock)


async def open_desk(chat: Chat, person: Person) -> str:
    await chat.open_menu(person, "Thông báo, mã mời, số liệu")
    return await chat.tap(person, chat.choice_id(person, "Số liệu"))


_GROUPS = ("📋", "📊", "📄")  # how the desk's group labels begin
_BACK = "Về các nhóm"


def _offered(chat: Chat, person: Person, label: str) -> bool:
    """Whether an option (not a group, not «back») with this label is on the last screen."""
    return any(label.lower() in shown.lower() for _id, shown in chat.last_choices(person)
               if not shown.startswith(_GROUPS) and _BACK not in shown)


async def reach(chat: Chat, person: Person, label: str) -> str:
    """The id of the desk option `label`, opening the group that holds it as a user would."""
    if not _offered(chat, person, label) and _BACK in str(chat.last_choices(person)):
        await chat.tap(person, chat.choice_id(person, _BACK))
    for group in _GROUPS:
        if _offered(chat, person, label):
            break
        if group not in str(chat.last_choices(person)):
            continue
        await chat.tap(person, chat.choice_id(person, group))
        if not _offered(chat, person, label):
            await chat.tap(person, chat.choice_id(person, _BACK))
    return chat.choice_id(person, label)
