"""A small branch with a secretary and members, and a chat over the real core."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from storage.db import Database
from storage.models import Member, OfficerRole, Organisation, OrgKind
from tests import factories as f
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings


@dataclass
class Branch:
    base: Organisation
    branch: Organisation
    secretary: Member
    mai: Member
    husband: Member
    wife: Member


@pytest.fixture
async def org(db: Database) -> Branch:
    base = await f.org(db, "DU-AH", OrgKind.BASE_COMMITTEE, name="Đảng bộ xã An Hòa")
    branch = await f.org(db, "CB-BM", OrgKind.BRANCH, base, name="Chi bộ ấp Bình Minh")
    secretary = await f.member(db, "S-001", "Nguyễn Văn Hùng", branch, "+84912000101")
    await f.role(db, secretary, branch, OfficerRole.SECRETARY)
    mai = await f.member(db, "M-002", "Trần Thị Mai", branch, "+84912000102")
    husband = await f.member(db, "M-003", "Đỗ Văn Long", branch, "+84912000109")
    wife = await f.member(db, "M-004", "Ngô Thị Hạnh", branch, "+84912000109")
    return Branch(base, branch, secretary, mai, husband, wife)


@pytest.fixture
def chat(db: Database, settings: Settings, clock: FakeClock) -> Chat:
    return Chat(db, settings, clock)


async def register(chat: Chat, person: Person, phone: str) -> str:
    """Consent and share one's own contact; returns the last reply."""
    await chat.say(person, "xin chào")
    await chat.say(person, "1")
    return await chat.share_contact(person, phone)
