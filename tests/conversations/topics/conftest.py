"""A chi bo under a base committee under a province, its members linked, and the months'
send times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.timer_kinds import timer_runner
from conversations.topics import rounds
from storage.db import Database
from storage.models import Member, MemberStatus, OfficerRole, Organisation, OrgKind
from tests import factories as f
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings

DEC_1 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 in Ho Chi Minh City


@dataclass
class Branch:
    province: Organisation
    base: Organisation
    branch: Organisation
    secretary: Member
    mai: Member
    exempted: Member
    gone: Member
    base_member: Member


@pytest.fixture
async def org(db: Database) -> Branch:
    province = await f.org(db, "TV", OrgKind.PROVINCE, name="Đảng bộ tỉnh Trà Vinh")
    base = await f.org(db, "DU-AH", OrgKind.BASE_COMMITTEE, province, name="Đảng bộ xã An Hòa")
    branch = await f.org(db, "CB-BM", OrgKind.BRANCH, base, name="Chi bộ ấp Bình Minh")
    secretary = await f.member(db, "S-001", "Nguyễn Văn Hùng", branch, "+84912000101")
    await f.role(db, secretary, branch, OfficerRole.SECRETARY)
    mai = await f.member(db, "M-002", "Trần Thị Mai", branch, "+84912000102")
    exempted = await f.member(db, "M-003", "Đỗ Văn Long", branch, "+84912000103",
                              status=MemberStatus.EXEMPTED)
    gone = await f.member(db, "M-004", "Ngô Thị Hạnh", branch, "+84912000104",
                          status=MemberStatus.LEFT)
    base_member = await f.member(db, "B-001", "Phạm Văn Bình", branch, "+84912000121")
    await f.role(db, base_member, base, OfficerRole.BASE_COMMITTEE_MEMBER)
    for member, chat_id in ((secretary, "sec"), (mai, "mai"), (exempted, "long"),
                            (gone, "hanh"), (base_member, "base")):
        await f.link(db, member, chat_id)
    return Branch(province, base, branch, secretary, mai, exempted, gone, base_member)


@pytest.fixture
def chat(db: Database, settings: Settings, clock: FakeClock) -> Chat:
    return Chat(db, settings, clock)


SEC, MAI, LONG, HANH, BASE = (Person(p) for p in ("sec", "mai", "long", "hanh", "base"))


async def send(db: Database, settings: Settings, month: str, at: datetime) -> rounds.RoundReport:
    async with db.session() as session:
        return await rounds.send_month(session, settings, month, at)


async def fire_timers(db: Database, settings: Settings, clock: FakeClock, chat: Chat) -> int:
    fired = await timer_runner(db, settings, clock).fire_due()
    await chat.flush()
    return fired
