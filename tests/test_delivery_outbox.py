"""The outbox under pressure: crashes, 429s, blocked users, broadcasts, quiet hours, shutdown."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot import unreachable
from bot.app import build_core
from bot.delivery import Delivery
from bot.timers import TimerRunner
from storage.db import Database
from storage.models import (
    ChatAccount,
    Conversation,
    Member,
    OfficerRole,
    Organisation,
    OrgKind,
    OutboxMessage,
)
from storage.repos import broadcasts, orgs, outbox
from tests import factories as f
from tests.conversations.conftest import register
from tests.support import Chat, FakeClock, Person, RecordingSender
from vocabulary.channels import Rendered, RetryLater, Unreachable
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings
from vocabulary.types import ChannelInfo, ChatRef, Inbound, InboundKind, Outbound

TG = ChannelInfo("telegram", True, True)


class Scripted(RecordingSender):
    """Sends like RecordingSender, but raises what `failures` says for given chats or calls."""

    def __init__(self) -> None:
        super().__init__(TG)
        self.blocked: set[str] = set()
        self.throttle_first: float | None = None
        self.throttled_at = 0.0
        self.times: list[float] = []

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        if self.throttle_first is not None:
            seconds, self.throttle_first = self.throttle_first, None
            self.throttled_at = time.monotonic()
            raise RetryLater(seconds)
        if chat_id in self.blocked:
            raise Unreachable(chat_id)
        self.times.append(time.monotonic())
        return await super().send(chat_id, message)


class Slow(Scripted):
    """A platform that takes a moment to accept each message."""

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        await asyncio.sleep(0.1)
        return await super().send(chat_id, message)


async def members_with_accounts(db: Database, clock: FakeClock, count: int) -> list[Member]:
    base = await f.org(db, "DU", OrgKind.BASE_COMMITTEE)
    branch = await f.org(db, "CB", OrgKind.BRANCH, base)
    people = [await f.member(db, f"M{i}", f"Người {i}", branch) for i in range(count)]
    async with db.session() as session:
        for person in people:
            session.add(ChatAccount(channel="telegram", user_id=f"u{person.id}",
                                    chat_id=f"c{person.id}", member_id=person.id or 0,
                                    linked_at=clock(), last_seen_at=clock()))
    return people


def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"delivery_rates": {"telegram": 0.0},
                                       "delivery_chat_gap_seconds": {}})


async def queue(db: Database, clock: FakeClock, messages: list[Outbound]) -> None:
    async with db.session() as session:
        await outbox.enqueue(session, messages, clock())


async def run_until_sent(delivery: Delivery, sender: RecordingSender, count: int) -> None:
    """Run the delivery loop until `count` messages went out (or five seconds passed)."""
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop, idle_seconds=0.05))
    for _ in range(100):
        if len(sender.sent) >= count:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, 5)


async def registered_member(db: Database, settings: Settings,
                            clock: FakeClock) -> tuple[Chat, Person, Member]:
    """Lê Văn Tâm, registered on the test channel through the real conversation."""
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M", "Lê Văn Tâm", branch, "+84912000301")
    chat, tam = Chat(db, settings, clock), Person("tam")
    await register(chat, tam, "0912000301")
    return chat, tam, member


async def statuses(db: Database) -> list[str]:
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [str(r.status) for r in rows]


async def test_a_crash_between_claim_and_send_loses_and_doubles_nothing(
    db: Database, settings: Settings, clock: FakeClock
):
    people = await members_with_accounts(db, clock, 3)
    await queue(db, clock, [Outbound(p.id or 0, [Msg("cancel.done")]) for p in people])
    async with db.session() as session:  # a worker claims, then dies before sending
        taken = await outbox.claim(session, clock(), 10)
    assert len(taken.rows) == 3
    assert not taken.behind  # one message each: nothing waits behind them
    sender = Scripted()
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, clock)
    assert await delivery.drain() == 0  # still claimed by the dead worker
    clock.advance(seconds=settings.delivery_lease_seconds + 1)
    assert await delivery.recover() == 3
    assert await delivery.drain() == 3
    assert sorted(chat for chat, _ in sender.sent) == sorted(f"c{p.id}" for p in people)
    assert await statuses(db) == ["sent"] * 3


async def test_a_429_pauses_every_send_for_retry_after(db: Database, settings: Settings,
                                                       clock: FakeClock):
    people = await members_with_accounts(db, clock, 5)
    await queue(db, clock, [Outbound(p.id or 0, [Msg("cancel.done")]) for p in people])
    sender = Scripted()
    sender.throttle_first = 0.4
    one_at_a_time = fast(settings).model_copy(update={"delivery_in_flight": 1})
    _core, delivery = build_core(db, one_at_a_time, {"telegram": sender}, clock)
    sent = await delivery.drain()
    clock.advance(seconds=1)
    sent += await delivery.drain()
    assert sent == 5
    assert min(sender.times) - sender.throttled_at >= 0.4  # nothing started during the pause
    assert delivery.counts["throttled"] == 1


async def test_blocked_accounts_are_marked_and_the_secretary_told_once(
    db: Database, settings: Settings, clock: FakeClock
):
    people = await members_with_accounts(db, clock, 4)
    secretary = people[0]
    await f.role(db, secretary, await _branch(db), OfficerRole.SECRETARY)
    sender = Scripted()
    sender.blocked = {f"c{p.id}" for p in people[1:]}
    await queue(db, clock, [Outbound(p.id or 0, [Msg("cancel.done")]) for p in people[1:]])
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, clock)
    await delivery.drain()
    async with db.session() as session:
        accounts = (await session.exec(select(ChatAccount))).all()
    assert sum(a.unreachable_at is not None for a in accounts) == 3
    assert await statuses(db) == ["dead"] * 3  # no other account to fall back on

    runner = TimerRunner(db, clock)
    runner.register(unreachable.KIND, unreachable.summarise)
    clock.advance(minutes=30)
    assert await runner.fire_due() == 1
    await delivery.drain()
    to_secretary = [m.text for chat, m in sender.sent if chat == f"c{secretary.id}"]
    assert len(to_secretary) == 1
    assert "3 đảng viên" in to_secretary[0]
    assert all(p.full_name in to_secretary[0] for p in people[1:])


async def _branch(db: Database) -> Organisation:
    async with db.session() as session:
        branch = await orgs.by_code(session, "CB")
    assert branch is not None
    return branch


async def test_interactive_replies_overtake_a_running_broadcast(db: Database, settings: Settings,
                                                                clock: FakeClock):
    people = await members_with_accounts(db, clock, 6)
    async with db.session() as session:
        await broadcasts.start(session, started_by=None, audience="test",
                               member_ids=[p.id or 0 for p in people[1:]],
                               body=[Msg("cancel.done")], now=clock())
    await queue(db, clock, [Outbound(people[0].id or 0, [Msg("cancel.nothing")])])
    async with db.session() as session:
        first = (await outbox.claim(session, clock(), 1)).rows
    assert first[0].member_id == people[0].id


async def test_one_persons_messages_keep_their_order(db: Database, settings: Settings,
                                                     clock: FakeClock):
    (person,) = await members_with_accounts(db, clock, 1)
    keys = ["cancel.done", "cancel.nothing", "menu.prompt"]
    await queue(db, clock, [Outbound(person.id or 0, [Msg(k)]) for k in keys])
    async with db.session() as session:
        taken = await outbox.claim(session, clock(), 10)
    assert len(taken.rows) == 1  # the rest wait their turn
    assert taken.behind
    clock.advance(seconds=settings.delivery_lease_seconds + 1)
    sender = Scripted()
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, clock)
    await delivery.recover()
    assert await delivery.drain() == 3
    assert [m.text.split(".")[0] for _, m in sender.sent] == [
        "Đã hủy", "Không có việc gì đang làm dở để hủy", "Đồng chí cần làm gì? Xin chọn:"]


async def test_sends_under_way_are_recorded_even_when_the_next_claim_fails(
    db: Database, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    """The database fails while messages are on their way: what went out is still marked
    sent, so nothing is sent twice once the claim lease runs out."""
    people = await members_with_accounts(db, clock, 3)
    await queue(db, clock, [Outbound(p.id or 0, [Msg("cancel.done")]) for p in people])
    sender = Slow()
    two_at_a_time = fast(settings).model_copy(update={"delivery_batch": 2})
    _core, delivery = build_core(db, two_at_a_time, {"telegram": sender}, clock)
    real_claim, calls = Delivery._claim, 0

    async def failing_second(self: Delivery, limit: int) -> tuple[int, list[object], bool]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise ConnectionError("database unavailable")
        return await real_claim(self, limit)

    monkeypatch.setattr(Delivery, "_claim", failing_second)
    with pytest.raises(ConnectionError):
        await delivery.drain()
    assert len(sender.sent) == 2
    assert await statuses(db) == ["sent", "sent", "queued"]


async def test_bulk_messages_wait_out_quiet_hours(db: Database, settings: Settings):
    night = FakeClock(datetime(2026, 11, 21, 15, 30, tzinfo=UTC))  # 22:30 in Ho Chi Minh City
    people = await members_with_accounts(db, night, 2)
    async with db.session() as session:
        await outbox.enqueue(session, [Outbound(people[0].id or 0, [Msg("cancel.done")],
                                                bulk=True),
                                       Outbound(people[1].id or 0, [Msg("cancel.nothing")])],
                             night())
    sender = Scripted()
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, night)
    assert await delivery.drain() == 1
    assert [chat for chat, _ in sender.sent] == [f"c{people[1].id}"]
    night.now = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)  # 07:00 local
    assert await delivery.drain() == 1


async def test_shutdown_gives_back_claimed_messages(db: Database, settings: Settings,
                                                    clock: FakeClock):
    people = await members_with_accounts(db, clock, 3)
    await queue(db, clock, [Outbound(p.id or 0, [Msg("cancel.done")]) for p in people])
    slow = settings.model_copy(update={"delivery_rates": {"telegram": 1.0},
                                       "delivery_chat_gap_seconds": {}})
    sender = Scripted()
    _core, delivery = build_core(db, slow, {"telegram": sender}, clock)
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop))
    await asyncio.sleep(0.3)  # the first goes out; the others wait for the rate
    stop.set()
    await asyncio.wait_for(running, 5)
    assert len(sender.sent) == 1
    assert sorted(await statuses(db)) == ["queued", "queued", "sent"]


async def test_an_announcement_reaches_the_branch_and_reports_progress(
    db: Database, settings: Settings, clock: FakeClock
):
    from bot.broadcasts import ProgressUpdater
    from tests.support import Chat, Person

    chat = Chat(db, settings, clock)
    base = await f.org(db, "DU", OrgKind.BASE_COMMITTEE)
    branch = await f.org(db, "CB", OrgKind.BRANCH, base, name="Chi bộ ấp Bình Minh")
    secretary = await f.member(db, "S", "Nguyễn Văn Hùng", branch, "+84912000101")
    await f.role(db, secretary, branch, OfficerRole.SECRETARY)
    people = [Person("sec")]
    for i in range(3):
        await f.member(db, f"M{i}", f"Người {i}", branch, f"+8491200020{i}")
        people.append(Person(f"m{i}"))
    for person, phone in zip(people, ["0912000101", "0912000200", "0912000201", "0912000202"],
                             strict=True):
        await chat.say(person, "xin chào")
        await chat.say(person, "đồng ý")
        await chat.share_contact(person, phone)
    await chat.say(people[0], "thông báo")
    preview = await chat.say(people[0], "Họp chi bộ 19h thứ Sáu tại nhà văn hóa ấp.")
    assert "3 đảng viên" in preview
    assert "Họp chi bộ 19h thứ Sáu" in preview
    await chat.say(people[0], "gửi ngay")
    for member in people[1:]:
        received = [m.text for c, m in chat.sender.sent if c == member.chat_id]
        assert "Thông báo của Chi bộ ấp Bình Minh:\nHọp chi bộ 19h thứ Sáu" in received[-1]
    await ProgressUpdater(db, chat.delivery, clock).run()
    assert "Đã gửi xong: 3/3" in chat.sender.edits[-1][2].text


async def test_a_failing_pass_does_not_stop_delivery(db: Database, settings: Settings,
                                                     clock: FakeClock,
                                                     monkeypatch: pytest.MonkeyPatch):
    people = await members_with_accounts(db, clock, 2)
    await queue(db, clock, [Outbound(p.id or 0, [Msg("cancel.done")]) for p in people])
    real_claim, calls = outbox.claim, []

    async def flaky_claim(*args: object, **kwargs: object) -> outbox.Taken:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk briefly unavailable")
        return await real_claim(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox, "claim", flaky_claim)
    sender = Scripted()
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, clock)
    await run_until_sent(delivery, sender, 2)
    assert len(sender.sent) == 2


async def test_a_failing_message_is_tried_max_attempts_times_then_dead(
    db: Database, settings: Settings, clock: FakeClock
):
    (person,) = await members_with_accounts(db, clock, 1)
    await queue(db, clock, [Outbound(person.id or 0, [Msg("cancel.done")])])

    class Broken(Scripted):
        calls = 0

        async def send(self, chat_id: str, message: Rendered) -> str | None:
            Broken.calls += 1
            raise ConnectionError("network down")

    limited = fast(settings).model_copy(update={"delivery_max_attempts": 3})
    _core, delivery = build_core(db, limited, {"telegram": Broken()}, clock)
    for _ in range(6):
        await delivery.drain()
        clock.advance(hours=1)
    assert Broken.calls == 3
    assert await statuses(db) == ["dead"]


async def test_claims_of_a_dead_worker_are_recovered_while_running(
    db: Database, settings: Settings, clock: FakeClock
):
    people = await members_with_accounts(db, clock, 2)
    await queue(db, clock, [Outbound(p.id or 0, [Msg("cancel.done")]) for p in people])
    async with db.session() as session:  # another worker claims and dies
        await outbox.claim(session, clock(), 10)
    short = fast(settings).model_copy(update={"delivery_lease_seconds": 0.2})
    sender = Scripted()
    _core, delivery = build_core(db, short, {"telegram": sender}, clock)
    async def lease_runs_out() -> None:
        await asyncio.sleep(0.1)
        clock.advance(seconds=1)  # after this worker started

    await asyncio.gather(run_until_sent(delivery, sender, 2), lease_runs_out())
    assert len(sender.sent) == 2


async def test_a_process_for_another_channel_leaves_telegram_messages_alone(
    db: Database, settings: Settings, clock: FakeClock
):
    from vocabulary.types import ChatRef

    (person,) = await members_with_accounts(db, clock, 1)
    await queue(db, clock, [Outbound(person.id or 0, [Msg("cancel.done")]),
                            Outbound(ChatRef("telegram", "c-other"), [Msg("cancel.nothing")])])
    terminal = RecordingSender(ChannelInfo("terminal", True, False))
    _core, terminal_delivery = build_core(db, fast(settings), {"terminal": terminal}, clock)
    assert await terminal_delivery.drain() == 0
    assert await statuses(db) == ["queued", "queued"]
    sender = Scripted()
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, clock)
    assert await delivery.drain() == 2


async def test_writing_to_the_bot_again_makes_an_account_reachable(
    db: Database, settings: Settings, clock: FakeClock
):
    chat, tam, member = await registered_member(db, settings, clock)
    async with db.session() as session:
        account = (await session.exec(select(ChatAccount))).one()
        account.unreachable_at = clock()
        session.add(account)
    await chat.say(tam, "menu")
    await queue(db, clock, [Outbound(member.id or 0, [Msg("cancel.done")])])
    assert "Đã hủy" in "\n".join(m.text for m in await chat.flush(tam))


async def test_at_night_replies_still_follow_each_other_and_pass_waiting_bulk(
    db: Database, settings: Settings
):
    night = FakeClock(datetime(2026, 11, 21, 17, 30, tzinfo=UTC))  # 00:30 in Ho Chi Minh City
    (person,) = await members_with_accounts(db, night, 1)
    to = person.id or 0
    async with db.session() as session:
        await outbox.enqueue(session, [Outbound(to, [Msg("cancel.done")], bulk=True)], night())
        await outbox.enqueue(session, [Outbound(to, [Msg("cancel.nothing")])], night())
    sender = Scripted()
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, night)
    assert await delivery.drain() == 1
    await queue(db, night, [Outbound(to, [Msg("menu.prompt")])])
    assert await delivery.drain() == 1  # the earlier reply, already sent, holds nothing back
    assert await statuses(db) == ["queued", "sent", "sent"]


async def test_a_reply_and_a_notice_to_one_member_keep_their_order(
    db: Database, settings: Settings, clock: FakeClock
):
    chat, tam, member = await registered_member(db, settings, clock)
    await chat.core.handle(Inbound("terminal", tam.chat_id, tam.user_id, InboundKind.TEXT, clock(),
                                   text="menu"))
    await queue(db, clock, [Outbound(member.id or 0, [Msg("cancel.done")])])
    async with db.session() as session:
        first = (await outbox.claim(session, clock(), 10)).rows
    assert [row.chat_id for row in first] == ["tam"]  # the reply; the notice waits for it


async def test_messages_sharing_a_body_keep_what_differs_between_them(
        db: Database, clock: FakeClock) -> None:
    """A bulk send encodes a shared body once; a message that also asks for the contact,
    or carries a file, still says so."""
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    body, choices = [Msg("error.internal")], []
    ids = [m.id or 0 for m in await members_with_accounts(db, clock, 3)]
    messages = [Outbound(ids[0], body, choices, dedupe_key="a", bulk=True),
                Outbound(ids[1], body, choices, request_contact=True, dedupe_key="b", bulk=True),
                Outbound(ids[2], body, choices, dedupe_key="c", bulk=True)]
    async with db.session() as session:
        await outbox.enqueue_uncounted(session, messages, now)
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.dedupe_key))).all()
    assert [r.payload["request_contact"] for r in rows] == [False, True, False]
    assert {r.payload["body"][0]["key"] for r in rows} == {"error.internal"}


async def test_a_message_queued_while_a_pass_runs_goes_without_waiting_for_the_idle_poll(
    db: Database, settings: Settings, clock: FakeClock
):
    """The core wakes the sender when it queues; a wake-up during a pass is not lost."""
    first, second = await members_with_accounts(db, clock, 2)
    await queue(db, clock, [Outbound(first.id or 0, [Msg("cancel.done")])])

    class QueuesWhileSending(Scripted):
        async def send(self, chat_id: str, message: Rendered) -> str | None:
            if not self.sent:  # the core handles someone else's message meanwhile
                await queue(db, clock, [Outbound(second.id or 0, [Msg("cancel.nothing")])])
                delivery.wakeup.set()
            return await super().send(chat_id, message)

    sender = QueuesWhileSending()
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, clock)
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop, idle_seconds=30))
    for _ in range(60):
        if len(sender.sent) == 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert [chat for chat, _ in sender.sent] == [f"c{first.id}", f"c{second.id}"]


async def test_a_reply_is_in_the_chats_language_and_a_linked_members_where_the_chat_never_wrote(
    db: Database, settings: Settings, clock: FakeClock
):
    """A stranger chose English in the conversation; a member set English on the roster but
    his chat has no conversation yet (an apology to a first, unreadable update)."""
    (member,) = await members_with_accounts(db, clock, 1)
    async with db.session() as session:
        stored = await session.get(Member, member.id)
        assert stored is not None
        stored.language = "en"
        session.add(Conversation(channel="telegram", chat_id="stranger", language="en",
                                 updated_at=clock()))
    await queue(db, clock, [Outbound(ChatRef("telegram", "stranger"), [Msg("cancel.done")]),
                            Outbound(ChatRef("telegram", f"c{member.id}"), [Msg("cancel.done")]),
                            Outbound(ChatRef("telegram", "unknown"), [Msg("cancel.done")])])
    sender = Scripted()
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, clock)
    assert await delivery.drain() == 3
    english, vietnamese = Renderer("en", settings.tz), Renderer("vi", settings.tz)
    assert {chat: m.text for chat, m in sender.sent} == {
        "stranger": english(Msg("cancel.done")), f"c{member.id}": english(Msg("cancel.done")),
        "unknown": vietnamese(Msg("cancel.done"))}
