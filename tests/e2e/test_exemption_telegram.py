"""Exemption requests on Telegram: the officers' inline buttons, forged and replayed presses."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from handlers.telegram import CALLBACK_VERSION
from handlers.telegram.app import make_bot
from handlers.telegram.sender import TelegramSender
from storage.db import Database
from storage.files import FileStore
from storage.models import (
    AuditEntry,
    OfficerRole,
    OutboxMessage,
    OutboxStatus,
    Request,
    RequestDecision,
    RequestStatus,
)
from tests import factories as f
from tests.conversations.conftest import Branch
from tests.e2e.conftest import polling
from tests.e2e.fake_bot_api import FakeBotAPI, SentMessage
from tests.e2e.test_telegram import button
from vocabulary.channels import Rendered
from vocabulary.settings import Settings

MAI, SEC, DEP, LONG = 7001, 7002, 7003, 7004  # Telegram user ids (private chats)
APPROVE = "Chi bộ đã đồng ý"


@pytest.fixture
async def linked(db: Database, org: Branch) -> None:
    """Mai, the secretary, a deputy secretary and Long (a plain member), linked on Telegram."""
    deputy = await f.member(db, "S-002", "Lê Văn Phúc", org.branch, "+84912000111")
    await f.role(db, deputy, org.branch, OfficerRole.DEPUTY_SECRETARY)
    for member, user_id in ((org.mai, MAI), (org.secretary, SEC), (deputy, DEP),
                            (org.husband, LONG)):
        await f.link(db, member, str(user_id), channel="telegram")
# The member hears of a decision once its undo window has passed: here at the next timer scan.
TOLD_AT_ONCE = {"decision_undo_minutes": 0, "timer_scan_seconds": 1}


async def tap(telegram: FakeBotAPI, user_id: int, label: str) -> SentMessage:
    """Press the button like `label` on the last message to `user_id`; return the reply."""
    shown = telegram.sent_to(user_id)
    await telegram.user_callback(user_id, shown[-1].message_id, button(shown[-1], label))
    return (await telegram.wait_for_sent(user_id, count=len(shown) + 1))[-1]


async def ask_health(telegram: FakeBotAPI) -> SentMessage:
    """Mai asks for exemption for health, the certificate at the meeting; returns the
    secretary's copy of the request (the deputy has received his too)."""
    await telegram.user_message(MAI, "/menu")
    await telegram.wait_for_sent(MAI)
    await tap(telegram, MAI, "Đơn từ của tôi")
    await tap(telegram, MAI, "Xin giảm, miễn công tác và sinh hoạt đảng")
    await tap(telegram, MAI, "MIỄN")
    await tap(telegram, MAI, "sức khỏe yếu")
    await tap(telegram, MAI, "Tôi sẽ nộp giấy tại cuộc họp")
    submitted = await tap(telegram, MAI, "Gửi đơn")
    assert "Đã gửi đơn số 1" in (submitted.text or "")
    await telegram.wait_for_sent(DEP)
    return (await telegram.wait_for_sent(SEC))[-1]


async def approve(telegram: FakeBotAPI, copy: SentMessage) -> str:
    """The secretary presses approve; returns the callback query's id."""
    update = await telegram.user_callback(SEC, copy.message_id, button(copy, APPROVE))
    return str(update["callback_query"]["id"])


def edited_texts(telegram: FakeBotAPI, chat_id: int) -> list[str]:
    return [e.text or "" for e in telegram.edits
            if e.method == "editMessageText" and str(e.chat_id) == str(chat_id)]


async def stored(db: Database) -> tuple[Request, int, list[AuditEntry]]:
    """The one request, how many decisions it has, and the refusals audited."""
    async with db.session() as session:
        request = (await session.exec(select(Request))).one()
        decisions = (await session.exec(select(RequestDecision))).all()
        refusals = (await session.exec(
            select(AuditEntry).where(AuditEntry.action == "exemption.refused"))).all()
    return request, len(decisions), list(refusals)


async def test_the_secretary_approves_by_inline_button(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch, linked: None
):
    async with polling(db, tg_settings.model_copy(update=TOLD_AT_ONCE)):
        copy = await ask_health(telegram)
        assert copy.callback_data()[0] == f"{CALLBACK_VERSION}a:xr:ok:1:1"
        query_id = await approve(telegram, copy)
        told = (await telegram.wait_for_sent(MAI, count=8))[-1]  # after 7 while asking
        await telegram.wait_until(lambda: query_id in telegram.answered_callbacks,
                                  what="the approve button answered")
        await telegram.wait_until(lambda: bool(edited_texts(telegram, SEC)
                                               and edited_texts(telegram, DEP)),
                                  what="both officers' copies edited")
    assert "Đơn số 1 của đồng chí đã được đồng ý" in (told.text or "")
    for officer in (SEC, DEP):
        assert "Đã ghi: đồng ý – do đồng chí Nguyễn Văn Hùng" in edited_texts(telegram,
                                                                              officer)[-1]
    request, decisions, _ = await stored(db)
    assert (request.status, decisions) == (RequestStatus.APPROVED, 1)


async def test_a_plain_members_forged_button_is_refused(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch, linked: None
):
    async with polling(db, tg_settings):
        await ask_health(telegram)
        await telegram.user_message(LONG, "/menu")
        menu = (await telegram.wait_for_sent(LONG))[-1]
        forged = f"{CALLBACK_VERSION}a:xr:ok:1:1"
        update = await telegram.user_callback(LONG, menu.message_id, forged, check_button=False)
        refusal = (await telegram.wait_for_sent(LONG, count=2))[-1]
        await telegram.wait_until(
            lambda: update["callback_query"]["id"] in telegram.answered_callbacks,
            what="the forged press answered")
    assert "không có quyền" in (refusal.text or "")
    assert len(telegram.sent_to(MAI)) == 7  # nothing after "Đã gửi đơn số 1"
    request, decisions, refusals = await stored(db)
    assert (request.status, decisions) == (RequestStatus.PENDING, 0)
    assert [r.subject_id for r in refusals] == [str(request.id)]


async def test_a_replayed_old_button_decides_nothing_twice(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch, linked: None
):
    async with polling(db, tg_settings.model_copy(update=TOLD_AT_ONCE)):
        copy = await ask_health(telegram)
        old = button(copy, APPROVE)
        deputys = telegram.sent_to(DEP)[-1]
        await approve(telegram, copy)
        await telegram.wait_for_sent(MAI, count=8)
        await telegram.wait_until(lambda: bool(edited_texts(telegram, DEP)),
                                  what="the deputy's copy edited")
        # The edit took the keyboard away; a stale client still sends the old press.
        await telegram.user_callback(DEP, deputys.message_id, old, check_button=False)
        replay = (await telegram.wait_for_sent(DEP, count=2))[-1]
        await telegram.wait_until(lambda: not telegram.unanswered_callbacks(), what="answers")
    assert "đã được xử lý" in (replay.text or "")
    assert "Nguyễn Văn Hùng" in (replay.text or "")  # who recorded the decision
    assert len(telegram.sent_to(MAI)) == 8  # told once
    request, decisions, _ = await stored(db)
    assert (request.status, decisions) == (RequestStatus.APPROVED, 1)


async def test_a_certificate_goes_to_the_officer_before_the_request_text(
    telegram: FakeBotAPI, tg_settings: Settings
) -> None:
    stored = FileStore.of(tg_settings).save(b"\xff\xd8\xff certificate", "giay.jpg",
                                            "image/jpeg")
    document = FileStore.of(tg_settings).save(b"%PDF-1.4", "giay.pdf",
                                              "application/pdf")
    bot = make_bot(tg_settings)
    sender = TelegramSender(bot, tg_settings)
    try:
        for chat, message in ((SEC, Rendered("Đơn số 1", attachment=stored)),
                              (DEP, Rendered("Đơn số 2", attachment=document))):
            for index in range(sender.parts(message)):
                await sender.send_part(str(chat), message, index)
    finally:
        await bot.session.close()
    assert [m.method for m in telegram.sent_to(SEC)] == ["sendPhoto", "sendMessage"]
    assert [m.method for m in telegram.sent_to(DEP)] == ["sendDocument", "sendMessage"]


async def unsent_outbox(db: Database) -> int:
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return sum(r.status not in (OutboxStatus.SENT, OutboxStatus.DEAD) for r in rows)


async def test_a_pdf_certificate_reaches_each_officer_once_under_the_per_chat_limit(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch, linked: None
):
    """The PDF and the request text are two messages to one chat, which Telegram lets
    through at 1/s: each goes once, paced apart, and nothing is sent again."""
    telegram.set_latency(80)
    telegram.set_rates(global_rate=30, per_chat_rate=1)
    # A margin over the server's 1/s: an upload reaches it later than the text after it.
    paced = tg_settings.model_copy(update={"delivery_chat_gap_seconds": {"telegram": 1.2}})
    async with polling(db, paced):
        await telegram.user_message(MAI, "/menu")
        await telegram.wait_for_sent(MAI)
        for label in ("Đơn từ của tôi", "Xin giảm, miễn công tác và sinh hoạt đảng", "MIỄN",
                      "sức khỏe yếu"):
            await tap(telegram, MAI, label)
        shown = len(telegram.sent_to(MAI))
        await telegram.user_document(MAI, "pdf-1", "giay.pdf", content=b"%PDF-1.4 giay")
        await telegram.wait_for_sent(MAI, count=shown + 1)
        submitted = await tap(telegram, MAI, "Gửi đơn")
        assert "Đã gửi đơn số 1" in (submitted.text or "")
        await telegram.wait_until(lambda: len(telegram.sent_to(SEC)) >= 2
                                  and len(telegram.sent_to(DEP)) >= 2, within=15,
                                  what="both officers' copies")
        for _ in range(100):  # until every outbox row is settled (sent, not re-queued)
            if not await unsent_outbox(db):
                break
            await asyncio.sleep(0.1)
    for officer in (SEC, DEP):
        assert [m.method for m in telegram.sent_to(officer)] == ["sendDocument", "sendMessage"]
        assert "đơn số 1" in (telegram.sent_to(officer)[1].text or "").lower()
        assert not telegram.rate_limited[str(officer)]  # the parts were paced 1 s apart
    assert await unsent_outbox(db) == 0
