"""A request type the workflow has never seen (tests/conversations/requests/trip.py) gets the
whole decision machinery from its hooks alone: what the working-away request will need."""

from __future__ import annotations

from datetime import date

import pytest

from bot.timer_kinds import timer_runner
from conversations.catalogue import default_registry
from conversations.registry import Registry
from conversations.requests import decisions
from conversations.requests.act import Act
from storage.db import Database
from storage.models import Member, OfficerRole, OrgKind, Request, RequestStage, RequestStatus
from storage.repos import outbox
from tests import factories as f
from tests.conversations.exemption.conftest import (  # noqa: F401  (fixture)
    People,
    people,
    settle,
)
from tests.conversations.requests import trip
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings

TAM = Person("tam")  # the secretary of the chi bo the member goes to


@pytest.fixture
def registry() -> Registry:
    return default_registry(trip.register)


@pytest.fixture
def chat(db: Database, settings: Settings, clock: FakeClock, registry: Registry) -> Chat:
    return Chat(db, settings, clock, registry=registry)


@pytest.fixture
async def receiving(db: Database, people: People) -> int:  # noqa: F811
    """A second chi bo under the same base committee, with its own linked secretary."""
    other = await f.org(db, "CB-HB", OrgKind.BRANCH, people.org.base, name="Chi bộ ấp Hòa Bình")
    secretary = await f.member(db, "H-001", "Lý Văn Tâm", other, "+84912000301")
    await f.role(db, secretary, other, OfficerRole.SECRETARY)
    await f.link(db, secretary, TAM.chat_id)
    return other.id or 0


async def submit(chat: Chat, who: Member, kind: str, *, other: int | None = None,
                 related: int | None = None, until: date | None = None) -> int:
    """The member's request, submitted as the type's own flow would."""
    now = chat.clock()
    async with chat.db.session() as session:
        request = Request(type=trip.NAME, member_id=who.id or 0, branch_id=who.branch_id,
                          kind=kind, reason="work", other_org_id=other, related_id=related,
                          starts_on=now.date(), ends_on=until, detail={"place": "Bình Dương"},
                          created_at=now, stage_since=now)
        act = Act(session, chat.settings, now, by=who)
        await decisions.submit(act, request)
        await outbox.enqueue(session, act.out, now)
    await chat.flush()
    return request.id or 0


async def stored(db: Database, request_id: int) -> Request:
    async with db.session() as session:
        found = await session.get(Request, request_id)
        assert found is not None
        return found


def received(chat: Chat, person: Person, since: int = 0) -> str:
    return "\n".join(m.text for c, m in chat.sender.sent[since:] if c == person.chat_id)


def labels(chat: Chat, person: Person) -> list[str]:
    return [label for _id, label in chat.last_choices(person)]


def test_the_type_registers_its_buttons_and_every_timer_kind(registry: Registry) -> None:
    assert "tr" in registry.actions
    assert {"trip-remind", "trip-escalate", "trip-report", "trip-digest", "trip-purge",
            "trip-overdue"} <= set(registry.timers)
    assert not set(default_registry().timers) & {"trip-remind", "trip-overdue"}


async def test_an_inform_only_request_is_acknowledged_not_decided(
    chat: Chat, people: People, db: Database, clock: FakeClock,  # noqa: F811
    registry: Registry,
) -> None:
    number = await submit(chat, people.org.mai, trip.INFORM, until=date(2026, 12, 20))
    assert labels(chat, people.sec) == ["✅ Đã ghi nhận"]
    assert "không cần quyết định" in received(chat, people.dep)
    mark = len(chat.sender.sent)
    reply = await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    assert f"Đã ghi quyết định về đơn số {number}: đã ghi nhận" in reply
    await settle(chat, clock, registry)
    assert f"Chi bộ đã ghi nhận đơn số {number}" in received(chat, people.mai, mark)
    assert "trip.effect.away" in received(chat, people.mai, mark)
    request = await stored(db, number)
    assert (request.status, request.stage) == (RequestStatus.ACKNOWLEDGED, None)
    edited = {c: m for c, _ref, m in chat.sender.edits}
    assert "Đã ghi: đã ghi nhận – do đồng chí Nguyễn Văn Hùng" in edited[people.dep.chat_id].text


async def test_a_second_branch_confirms_after_the_home_branch_agrees(
    chat: Chat, people: People, db: Database, receiving: int, clock: FakeClock,  # noqa: F811
    registry: Registry,
) -> None:
    number = await submit(chat, people.org.mai, trip.TRANSFER, other=receiving,
                          until=date(2027, 5, 31))
    assert received(chat, TAM) == ""  # nothing for the receiving branch before home agrees
    await chat.tap(people.sec, chat.choice_id(people.sec, "đã đồng ý"))
    request = await stored(db, number)
    assert (request.status, request.stage) == (RequestStatus.PENDING, RequestStage.CONFIRM)
    assert request.stage_org_id == receiving
    assert "Chờ Chi bộ ấp Hòa Bình xác nhận" in received(chat, TAM)
    assert labels(chat, TAM) == ["✅ Xác nhận", "❌ Không xác nhận"]
    confirm = chat.choice_id(TAM, "Xác nhận")
    assert "không có quyền" in await chat.tap(people.dep, confirm)  # home's officers cannot
    mark = len(chat.sender.sent)
    await chat.tap(TAM, confirm)
    await settle(chat, clock, registry)
    assert f"Đơn số {number} của đồng chí đã được Chi bộ ấp Hòa Bình xác nhận" in received(
        chat, people.mai, mark)
    assert (await stored(db, number)).status == RequestStatus.APPROVED


async def test_the_receiving_branch_may_refuse_with_a_reason(
    chat: Chat, people: People, db: Database, receiving: int, clock: FakeClock,  # noqa: F811
    registry: Registry,
) -> None:
    number = await submit(chat, people.org.mai, trip.TRANSFER, other=receiving,
                          until=date(2027, 5, 31))
    await chat.tap(people.sec, chat.choice_id(people.sec, "đã đồng ý"))
    assert "lý do không xác nhận" in await chat.tap(TAM, chat.choice_id(TAM, "Không xác nhận"))
    await chat.say(TAM, "Chưa nhận được giấy giới thiệu")
    await settle(chat, clock, registry)
    assert "Lý do: Chưa nhận được giấy giới thiệu" in received(chat, people.mai)
    assert (await stored(db, number)).status == RequestStatus.REJECTED


async def test_an_extension_moves_the_end_of_the_approved_request(
    chat: Chat, people: People, db: Database  # noqa: F811
) -> None:
    away = await submit(chat, people.org.mai, trip.INFORM, until=date(2026, 12, 20))
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    await chat.say(people.sec, "1")  # done
    longer = await submit(chat, people.org.mai, trip.EXTEND, related=away,
                          until=date(2027, 2, 28))
    assert "đã đồng ý" in " ".join(labels(chat, people.sec))  # an extension is decided
    await chat.tap(people.sec, chat.choice_id(people.sec, "đã đồng ý"))
    assert (await stored(db, longer)).status == RequestStatus.APPROVED
    assert (await stored(db, away)).ends_on == date(2027, 2, 28)


async def test_a_confirmed_return_closes_the_away_record(
    chat: Chat, people: People, db: Database  # noqa: F811
) -> None:
    away = await submit(chat, people.org.mai, trip.INFORM, until=date(2026, 12, 20))
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    await chat.say(people.sec, "1")
    back = await submit(chat, people.org.mai, trip.RETURN, related=away)
    await chat.tap(people.dep, chat.choice_id(people.dep, "Đã ghi nhận"))
    assert (await stored(db, back)).status == RequestStatus.ACKNOWLEDGED
    assert (await stored(db, away)).status == RequestStatus.ENDED


async def test_the_type_gets_reminders_and_fires_its_own_timer(
    chat: Chat, people: People, db: Database, settings: Settings, clock: FakeClock,  # noqa: F811
    registry: Registry,
) -> None:
    number = await submit(chat, people.org.mai, trip.INFORM, until=date(2026, 11, 30))
    clock.advance(days=settings.officer_reminder_days, minutes=1)
    mark = len(chat.sender.sent)
    await timer_runner(db, settings, clock, registry).fire_due()
    await chat.flush()
    assert "Nhắc việc: đơn này đang chờ" in received(chat, people.sec, mark)
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    clock.advance(days=7)
    mark = len(chat.sender.sent)
    await timer_runner(db, settings, clock, registry).fire_due()
    await chat.flush()
    assert "trip.overdue" in received(chat, people.mai, mark)
    assert (await stored(db, number)).status == RequestStatus.ACKNOWLEDGED
