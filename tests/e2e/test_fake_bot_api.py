"""The fake Bot API server, driven by the real aiogram Bot (and raw HTTP for what aiogram
would refuse to send)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler

from tests.e2e.fake_bot_api import FakeBotAPI
from tests.e2e.spec import load_spec

TOKEN = "123456:TEST"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession(api=api.api_server))
    yield bot
    await bot.session.close()


async def raw_call(api: FakeBotAPI, method: str, **fields: Any) -> tuple[int, dict[str, Any]]:
    """POST form fields as-is, for requests aiogram's own validation would not let through."""
    async with aiohttp.ClientSession() as session, session.post(
        f"{api.base_url}/bot{TOKEN}/{method}", data={k: str(v) for k, v in fields.items()}
    ) as response:
        return response.status, await response.json()


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=f"Button {i}", callback_data=data)]
        for i, data in enumerate(datas)
    ])


# ----------------------------------------------------------------- messages
async def test_send_message_with_inline_keyboard_round_trips(api: FakeBotAPI, bot: Bot) -> None:
    markup = keyboard("member:confirm", "member:cancel")

    first = await bot.send_message(42, "Xác nhận đăng ký?", reply_markup=markup)
    second = await bot.send_message(42, "Tin thứ hai")
    other_chat = await bot.send_message(43, "Chat khác")

    assert isinstance(first, Message)
    assert (first.message_id, second.message_id, other_chat.message_id) == (1, 2, 1)
    assert first.chat.id == 42
    assert first.chat.type == "private"
    assert first.reply_markup.model_dump() == markup.model_dump()
    sent = api.sent[0]
    assert (sent.chat_id, sent.message_id, sent.text) == (42, 1, "Xác nhận đăng ký?")
    assert sent.reply_markup == {"inline_keyboard": [
        [{"text": "Button 0", "callback_data": "member:confirm"}],
        [{"text": "Button 1", "callback_data": "member:cancel"}],
    ]}
    assert sent.callback_data() == ["member:confirm", "member:cancel"]
    assert [m.text for m in api.sent_to(42)] == ["Xác nhận đăng ký?", "Tin thứ hai"]
    api.assert_no_violations()


async def test_reply_keyboards_and_html_are_accepted(api: FakeBotAPI, bot: Bot) -> None:
    contact_keyboard = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Chia sẻ số điện thoại", request_contact=True)]],
        resize_keyboard=True, one_time_keyboard=True,
    )
    await bot.send_message(42, "Gửi số điện thoại", reply_markup=contact_keyboard)
    await bot.send_message(42, "Đã xong", reply_markup=ReplyKeyboardRemove())
    html_message = await bot.send_message(
        42, "<b>Chi bộ</b> &amp; <a href=\"https://example.org\">liên kết</a>",
        parse_mode="HTML", link_preview_options=LinkPreviewOptions(is_disabled=True))

    assert html_message.text == "Chi bộ & liên kết"  # entities parsed, as Telegram returns it
    assert api.sent[0].reply_markup == {"keyboard": [[
        {"text": "Chia sẻ số điện thoại", "request_contact": True}]],
        "resize_keyboard": True, "one_time_keyboard": True}
    assert api.sent[1].reply_markup == {"remove_keyboard": True}
    api.assert_no_violations()


async def test_callback_data_over_64_bytes_is_a_violation(api: FakeBotAPI, bot: Bot) -> None:
    too_long = "x" * 65
    with pytest.raises(TelegramBadRequest, match="callback_data"):
        await bot.send_message(42, "Chọn", reply_markup=keyboard("ok", too_long))

    assert len(api.violations) == 1
    assert "reply_markup.inline_keyboard[1][0].callback_data: 65 bytes" in api.violations[0]
    assert api.sent == []
    with pytest.raises(AssertionError, match="65 bytes"):
        api.assert_no_violations()


async def test_callback_data_limit_counts_utf8_bytes(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(42, "ok", reply_markup=keyboard("ữ" * 21))  # 63 bytes
    assert api.violations == []
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(42, "Chọn", reply_markup=keyboard("ữ" * 22))  # 22 chars, 66 B
    assert "66 bytes" in api.violations[0]


async def test_text_over_4096_characters_is_a_violation(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(42, "a" * 4096)
    # HTML tags do not count: 4096 visible characters plus markup is fine.
    await bot.send_message(42, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    assert api.violations == []

    with pytest.raises(TelegramBadRequest, match="4097 characters"):
        await bot.send_message(42, "a" * 4097)
    with pytest.raises(TelegramBadRequest):
        await bot.edit_message_text("b" * 4097, chat_id=42, message_id=1)

    assert len(api.sent) == 2
    assert api.violations == [
        "sendMessage: text: 4097 characters, allowed 1-4096 characters",
        "editMessageText: text: 4097 characters, allowed 1-4096 characters",
    ]


async def test_empty_text_is_a_violation(api: FakeBotAPI, bot: Bot) -> None:
    # aiogram drops empty top-level strings, so the server sees no text at all.
    with pytest.raises(TelegramBadRequest, match="text: missing required parameter"):
        await bot.send_message(42, "")
    status, body = await raw_call(api, "sendMessage", chat_id=42, text="")
    assert status == 400
    assert "text: 0 characters" in body["description"]  # an empty form value
    async with aiohttp.ClientSession() as session, session.post(
        f"{api.base_url}/bot{TOKEN}/sendMessage", json={"chat_id": 42, "text": ""}
    ) as response:
        assert response.status == 400
    assert api.violations[-1] == "sendMessage: text: 0 characters, allowed 1-4096 characters"


async def test_broken_html_is_a_violation(api: FakeBotAPI, bot: Bot) -> None:
    for text in ("Dòng 1<br>Dòng 2", "<b>đậm <i>nghiêng</b></i>", "a < b", "&nbsp;x"):
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(42, text, parse_mode="HTML")
    assert len(api.violations) == 4
    # The same texts are fine without parse_mode.
    await bot.send_message(42, "a < b")
    assert len(api.violations) == 4


async def test_unknown_parameter_missing_parameter_and_wrong_type(api: FakeBotAPI) -> None:
    status, body = await raw_call(api, "sendMessage", chat_id=42, text="hi", colour="red")
    assert status == 400
    assert body["ok"] is False
    assert body["error_code"] == 400
    assert "unknown parameter 'colour'" in body["description"]

    status, body = await raw_call(api, "sendMessage", text="hi")
    assert status == 400
    assert "chat_id: missing required parameter" in body["description"]

    status, body = await raw_call(api, "sendMessage", chat_id=42, text="hi",
                                  disable_notification="maybe")
    assert status == 400
    assert "disable_notification: expected Boolean" in body["description"]

    status, body = await raw_call(api, "sendMessage", chat_id=42, text="hi",
                                  reply_markup='{"inline_keyboard": [[{"text": "no action"}]]}')
    assert status == 400
    assert "exactly one of" in body["description"]

    status, body = await raw_call(api, "sendMessage", chat_id=42, text="hi",
                                  reply_markup='{"inline_keyboard": "nope"}')
    assert status == 400
    assert "inline_keyboard: expected Array of Array of InlineKeyboardButton" in body["description"]

    assert [v.split(":")[0] for v in api.violations] == ["sendMessage"] * 5
    assert api.sent == []


async def test_unknown_method_is_a_violation(api: FakeBotAPI) -> None:
    status, body = await raw_call(api, "sendMesage", chat_id=42, text="hi")
    assert (status, body["description"]) == (404, "Not Found")
    assert api.violations == ["sendMesage: unknown method"]


async def test_json_bodies_are_validated_too(api: FakeBotAPI) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{api.base_url}/bot{TOKEN}/sendMessage", json={
            "chat_id": 42, "text": "hi",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        }) as response:
            assert response.status == 200
        async with session.post(f"{api.base_url}/bot{TOKEN}/sendMessage",
                                json={"chat_id": 42.5, "text": "hi"}) as response:
            assert response.status == 400
    assert api.sent[0].reply_markup == {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    assert api.violations == ["sendMessage: chat_id: expected Integer or String, got float 42.5"]


# ------------------------------------------------------------------ updates
async def test_get_updates_long_polls_and_confirms_by_offset(api: FakeBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()  # waiting for an update

    injected = await api.user_message(7, "/start", first_name="Lan")
    updates = await asyncio.wait_for(poll, 3)

    assert [u.update_id for u in updates] == [injected["update_id"]]
    message = updates[0].message
    assert message is not None
    assert (message.text, message.from_user.id, message.chat.type) == ("/start", 7, "private")
    assert message.entities[0].type == "bot_command"
    # Not confirmed yet: delivered again.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [injected["update_id"]]
    # Confirmed by offset: dropped.
    assert await bot.get_updates(offset=injected["update_id"] + 1, timeout=0) == []
    assert api.pending_updates == []

    await api.user_message(7, "một")
    await api.user_message(7, "hai")
    limited = await bot.get_updates(limit=1, timeout=0)
    assert [u.message.text for u in limited] == ["một"]
    api.assert_no_violations()


async def test_allowed_updates_filters_new_updates(api: FakeBotAPI, bot: Bot) -> None:
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    await api.user_message(7, "bị lọc")
    assert api.pending_updates == []
    assert len(api.dropped_updates) == 1


async def test_second_poller_gets_conflict(api: FakeBotAPI, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 3)
    assert await second == []


async def test_injected_updates_are_spec_valid_and_parse_in_aiogram(
        api: FakeBotAPI, bot: Bot) -> None:
    spec = load_spec()
    sent = await bot.send_message(7, "Chọn", reply_markup=keyboard("yes"))
    updates = [
        await api.user_message(7, "xin chào", first_name="Lan", username="lan_vn"),
        await api.user_contact(7, "+84912345678", contact_user_id=7),
        await api.user_contact(7, "0912345678", contact_user_id=None, first_name="Người khác"),
        await api.user_photo(7, "PHOTO1", 2048, caption="ảnh"),
        await api.user_document(7, "DOC1", "danh-sach.xlsx", file_size=5000),
        await api.user_sticker(7),
        await api.user_callback(7, sent.message_id, "yes"),
        await api.group_message(7, -1001234567890, "/help@chibot_test_bot"),
    ]
    for update in updates:
        assert spec.validate_object(update, "Update") == []
        parsed = Update.model_validate(update, context={"bot": bot})
        assert parsed.event_type in ("message", "callback_query")
    contact = Update.model_validate(updates[1]).message.contact
    assert (contact.user_id, contact.phone_number) == (7, "+84912345678")
    assert Update.model_validate(updates[2]).message.contact.user_id is None
    assert Update.model_validate(updates[7]).message.chat.type == "supergroup"
    with pytest.raises(ValueError, match="not spec-valid"):
        await api.push_update({"update_id": 1, "message": {"message_id": 1, "text": "no chat"}})
    with pytest.raises(ValueError, match="no button"):
        await api.user_callback(7, sent.message_id, "forged")


async def test_dispatcher_polling_end_to_end(api: FakeBotAPI, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"Bạn nói: {message.text}",
                             reply_markup=keyboard("again"))

    @dp.callback_query(F.data == "again")
    async def again(callback: CallbackQuery) -> None:
        await callback.answer("Đã nhận")
        await callback.message.edit_text("Đã bấm")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False,
                                                   close_bot_session=False, polling_timeout=1))
    try:
        await api.user_message(7, "chào bot")
        [reply] = await api.wait_for_sent(chat_id=7)
        assert reply.text == "Bạn nói: chào bot"
        await api.user_callback(7, reply.message_id, "again")
        await api.wait_until(lambda: not api.unanswered_callbacks() and api.edits,
                             what="callback answered and message edited")
        await api.wait_updates_consumed()
    finally:
        await dp.stop_polling()
        await polling
    assert api.edits[0].text == "Đã bấm"
    assert next(iter(api.answered_callbacks.values()))["text"] == "Đã nhận"
    api.assert_no_violations()


# -------------------------------------------------------------- edits, callbacks
async def test_edits_not_modified_and_not_found(api: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(42, "Bản gốc", reply_markup=keyboard("a"))

    edited = await bot.edit_message_text("Bản sửa", chat_id=42, message_id=message.message_id,
                                         reply_markup=keyboard("a"))
    assert edited.text == "Bản sửa"
    assert edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Bản sửa", chat_id=42, message_id=message.message_id,
                                    reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(chat_id=42, message_id=message.message_id,
                                        reply_markup=keyboard("b"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=42, message_id=message.message_id,
                                            reply_markup=keyboard("b"))
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("?", chat_id=42, message_id=999)
    user_update = await api.user_message(42, "tin của người dùng")
    with pytest.raises(TelegramBadRequest, match="can't be edited"):
        await bot.edit_message_text("?", chat_id=42,
                                    message_id=user_update["message"]["message_id"])

    assert [(e.method, e.text) for e in api.edits] == [
        ("editMessageText", "Bản sửa"), ("editMessageReplyMarkup", None)]
    assert api.messages[(42, message.message_id)]["reply_markup"] == keyboard("b").model_dump(
        exclude_none=True)
    api.assert_no_violations()


async def test_callbacks_must_be_answered(api: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(42, "Chọn", reply_markup=keyboard("a", "b"))
    first = await api.user_callback(42, message.message_id, "a")
    second = await api.user_callback(42, message.message_id, "b")
    first_id = first["callback_query"]["id"]

    assert await bot.answer_callback_query(first_id, text="OK")
    assert api.unanswered_callbacks() == [second["callback_query"]["id"]]
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(first_id)  # answered twice
    with pytest.raises(TelegramBadRequest, match="200 characters"):
        await bot.answer_callback_query(second["callback_query"]["id"], text="x" * 201)
    assert api.violations == ["answerCallbackQuery: text: 201 characters, allowed 0-200 characters"]


# ------------------------------------------------------------ failure injection
async def test_429_surfaces_as_retry_after(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(42, "một")
    assert caught.value.retry_after == 7
    assert api.stats()["rate_limited"] == 1
    await bot.send_message(42, "một")  # only the next call failed
    assert api.stats()["early_retries"] == 1  # ...but it came before the 7 s were over
    assert [m.text for m in api.sent] == ["một"]


async def test_403_and_5xx_injection(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", 403, times=2)
    for _ in range(2):
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(42, "x")
    api.fail_next("sendMessage", 502)
    with pytest.raises(TelegramServerError):
        await bot.send_message(42, "x")
    await bot.send_message(42, "x")

    api.block_bot(43)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(43, "x")
    assert [m.chat_id for m in api.sent] == [42]


async def test_rate_limits_answer_429() -> None:
    # One message per 5 s per chat, one per 2 s overall: nothing refills during the test.
    async with FakeBotAPI(per_chat_rate=0.2, global_rate=0.5) as api:
        bot = api.make_bot(TOKEN)
        try:
            await bot.send_message(1, "a")
            with pytest.raises(TelegramRetryAfter) as per_chat:
                await bot.send_message(1, "b")
            with pytest.raises(TelegramRetryAfter) as overall:
                await bot.send_message(2, "c")
            await bot.send_chat_action(2, "typing")  # not a message: not limited
        finally:
            await bot.session.close()
        assert (per_chat.value.retry_after, overall.value.retry_after) == (5, 2)
        stats = api.stats()
        assert stats["sent_messages"] == 1
        assert stats["rate_limited"] == 2
        assert stats["rate_limited_per_chat"] == {"1": 1, "2": 1}
        api.assert_no_violations()


async def test_latency(api: FakeBotAPI, bot: Bot) -> None:
    api.set_latency(150)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await bot.get_me()
    assert loop.time() - started >= 0.15


# ------------------------------------------------------------------ webhook
@contextlib.asynccontextmanager
async def webhook_receiver(handler: Any) -> AsyncIterator[str]:
    app = aiohttp.web.Application()
    app.router.add_post("/hook", handler)
    runner = aiohttp.web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_webhook_push_sends_secret_header(api: FakeBotAPI, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: aiohttp.web.Request) -> aiohttp.web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                         await request.json()))
        return aiohttp.web.json_response({})

    async with webhook_receiver(hook) as url:
        await api.user_message(7, "chờ sẵn")  # queued before the webhook: delivered later
        assert await bot.set_webhook(url, secret_token="s3cret-Token_1",
                                     allowed_updates=["message", "callback_query"])
        await api.wait_until(lambda: len(received) == 1, what="pending update delivery")
        update = await api.user_message(7, "qua webhook")
        assert api.webhook_deliveries[-1].status == 200
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (url, 0)
        assert info.allowed_updates == ["message", "callback_query"]
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []

    assert [secret for secret, _ in received] == ["s3cret-Token_1"] * 2
    assert received[1][1] == update
    assert received[0][1]["message"]["text"] == "chờ sẵn"
    api.assert_no_violations()


async def test_webhook_failure_is_kept_pending(api: FakeBotAPI, bot: Bot) -> None:
    async def hook(request: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.Response(status=403)

    async with webhook_receiver(hook) as url:
        await bot.set_webhook(url)
        await api.user_message(7, "mất?")
        info = await bot.get_webhook_info()
    assert api.webhook_deliveries[0].status == 403
    assert info.pending_update_count == 1
    assert info.last_error_message


async def test_webhook_reply_method_is_executed(api: FakeBotAPI, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def reply(message: Message) -> Any:
        return message.answer("Trả lời trong webhook")  # returned, not awaited

    handler = SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="abc")
    app = aiohttp.web.Application()
    handler.register(app, path="/hook")
    runner = aiohttp.web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="abc")
        assert await api.user_message(7, "xin chào")
        assert api.webhook_deliveries[-1].status == 200
        assert api.webhook_deliveries[-1].reply_method == "sendMessage"
    finally:
        await runner.cleanup()
    assert api.last_sent(7).text == "Trả lời trong webhook"
    api.assert_no_violations()


async def test_webhook_needs_https_except_on_loopback(api: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
        await bot.set_webhook("http://bot.example.org/hook")
    assert await bot.set_webhook("https://bot.example.org/hook", secret_token="x")
    await api.user_message(7, "không gửi ra ngoài")
    assert api.webhook_deliveries[0].status is None
    assert "only posts to loopback" in (api.webhook_deliveries[0].error or "")
    with pytest.raises(TelegramBadRequest, match="secret_token"):
        await bot.set_webhook("https://bot.example.org/hook", secret_token="có dấu")


# ------------------------------------------------------------ files, commands
async def test_get_file_and_download(api: FakeBotAPI, bot: Bot) -> None:
    api.add_file("FILE-1", b"ma_dang_vien,ho_ten\n1,Lan\n", "documents/roster.csv")
    file = await bot.get_file("FILE-1")
    assert (file.file_path, file.file_size) == ("documents/roster.csv", 26)
    downloaded = await bot.download("FILE-1")
    assert downloaded is not None
    assert downloaded.read() == b"ma_dang_vien,ho_ten\n1,Lan\n"

    await api.user_document(7, "DOC-2", "a.txt", "text/plain", content=b"hello")
    assert (await bot.download("DOC-2")).read() == b"hello"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("NOPE")


async def test_send_document_and_photo_are_recorded(api: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_document(
        42, BufferedInputFile(b"a,b\n1,2\n", filename="bao-cao.csv"), caption="Báo cáo")
    assert message.document is not None
    assert message.document.file_name == "bao-cao.csv"
    api.add_file("PHOTO-1", b"\xff\xd8jpeg", "photos/p.jpg")
    photo = await bot.send_photo(42, "PHOTO-1", caption="<i>ảnh</i>", parse_mode="HTML")
    assert photo.caption == "ảnh"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(42, "UNKNOWN-FILE-ID")

    kinds = [(m.kind, m.caption, m.file_bytes) for m in api.sent]
    assert kinds == [("document", "Báo cáo", b"a,b\n1,2\n"),
                     ("photo", "<i>ảnh</i>", b"\xff\xd8jpeg")]
    # The uploaded document can be fetched back by its new file_id.
    assert (await bot.download(message.document.file_id)).read() == b"a,b\n1,2\n"
    api.assert_no_violations()


async def test_commands_are_stored_per_scope_and_language(api: FakeBotAPI, bot: Bot) -> None:
    vi = [BotCommand(command="start", description="Bắt đầu"),
          BotCommand(command="dangky", description="Đăng ký")]
    en = [BotCommand(command="start", description="Start"),
          BotCommand(command="register", description="Register")]
    assert await bot.set_my_commands(vi, scope=BotCommandScopeAllPrivateChats(),
                                     language_code="vi")
    assert await bot.set_my_commands(en, scope=BotCommandScopeAllPrivateChats(),
                                     language_code="en")
    assert await bot.set_my_commands(en[:1])
    assert await bot.set_my_commands(en[:1], scope=BotCommandScopeChat(chat_id=42))

    async def names(**kwargs: Any) -> list[tuple[str, str]]:
        return [(c.command, c.description) for c in await bot.get_my_commands(**kwargs)]

    assert await names(scope=BotCommandScopeAllPrivateChats(), language_code="vi") == [
        ("start", "Bắt đầu"), ("dangky", "Đăng ký")]
    assert await names(scope=BotCommandScopeAllPrivateChats(), language_code="en") == [
        ("start", "Start"), ("register", "Register")]
    assert await names() == [("start", "Start")]
    assert await bot.get_my_commands(language_code="fr") == []
    assert api.commands_for({"type": "all_private_chats"}, "vi") == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "dangky", "description": "Đăng ký"}]
    assert api.commands_for({"type": "chat", "chat_id": 42}) == [
        {"command": "start", "description": "Start"}]
    assert await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(),
                                        language_code="vi")
    assert api.commands_for({"type": "all_private_chats"}, "vi") is None

    with pytest.raises(TelegramBadRequest, match="lowercase"):
        await bot.set_my_commands([BotCommand(command="DangKy", description="x")])
    assert len(api.violations) == 1


async def test_chat_action_and_get_me(api: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "chibot_test_bot")
    assert await bot.send_chat_action(42, "typing")
    assert api.chat_actions == [(42, "typing")]
    with pytest.raises(TelegramBadRequest, match="not a chat action"):
        await bot.send_chat_action(42, "thinking")


async def test_bad_token_is_refused() -> None:
    async with FakeBotAPI(token=TOKEN) as api:
        bot = Bot("999:WRONG", session=AiohttpSession(api=api.api_server))
        try:
            with pytest.raises(Exception, match="Unauthorized"):
                await bot.get_me()
        finally:
            await bot.session.close()
        async with aiohttp.ClientSession() as session, session.post(
                f"{api.base_url}/botnot-a-token/getMe") as response:
            assert response.status == 404


async def test_unimplemented_methods_fail_loudly(api: FakeBotAPI, bot: Bot) -> None:
    assert await bot.pin_chat_message(42, 1)  # Boolean results are generic
    with pytest.raises(TelegramBadRequest, match="does not implement getChat"):
        await bot.get_chat(42)
    with pytest.raises(AssertionError, match="not implemented by FakeBotAPI: getChat"):
        api.assert_no_violations()


# -------------------------------------------------------- aiogram oddities
@pytest.mark.parametrize(
    ("defaults", "expected_violation"),
    [
        (DefaultBotProperties(parse_mode="HTML"), None),
        (DefaultBotProperties(link_preview=LinkPreviewOptions(is_disabled=True)), None),
        (DefaultBotProperties(link_preview_is_disabled=True),
         "sendMessage: unknown parameter 'disable_web_page_preview'"),
    ],
)
async def test_aiogram_default_properties_send_legacy_parameters(
        api: FakeBotAPI, defaults: DefaultBotProperties, expected_violation: str | None) -> None:
    bot = Bot(TOKEN, session=AiohttpSession(api=api.api_server), default=defaults)
    try:
        with contextlib.suppress(TelegramBadRequest):
            await bot.send_message(42, "<b>hi</b>")
    finally:
        await bot.session.close()
    assert api.violations == ([expected_violation] if expected_violation else [])


async def test_aiogram_request_encoding(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message("@chibot_channel", "kênh", disable_notification=False)
    await bot.send_message(42, "x", reply_markup=keyboard("a"))
    channel_call, keyboard_call = api.calls("sendMessage")
    # Strings arrive raw, booleans as JSON literals, objects as JSON strings: all decoded.
    assert channel_call["chat_id"] == "@chibot_channel"
    assert channel_call["disable_notification"] is False
    assert keyboard_call["reply_markup"] == {"inline_keyboard": [
        [{"text": "Button 0", "callback_data": "a"}]]}
    assert api.sent[0].chat_id < 0  # a channel id was made up for the username


async def test_aiogram_drops_empty_strings(api: FakeBotAPI, bot: Bot) -> None:
    # setWebhook(url="") is how the Bot API removes a webhook, but aiogram never sends "".
    with pytest.raises(TelegramBadRequest, match="url: missing required parameter"):
        await bot.set_webhook("")
    assert await bot.delete_webhook()


async def test_not_found_for_unknown_method_via_aiogram(api: FakeBotAPI, bot: Bot) -> None:
    class Bogus(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "sendTelepathy"

    with pytest.raises(TelegramNotFound):
        await bot(Bogus())
    assert api.violations == ["sendTelepathy: unknown method"]


# ------------------------------------------------------------------ process
async def test_runs_as_a_process_with_stats_endpoint() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.e2e.fake_bot_api", "--port", "0", "--per-chat-rate", "0.1",
        "--latency-ms", "5", cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().strip()
        assert line.startswith("READY http://127.0.0.1:")
        base = line.split()[1]
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{base}/_inject", json={
                    "kind": "user_message", "args": {"user_id": 5, "text": "hi"}}) as response:
                assert response.status == 200
            for text in ("a", "a", "b"):
                async with session.post(f"{base}/bot{TOKEN}/sendMessage",
                                        data={"chat_id": "5", "text": text}):
                    pass
            async with session.get(f"{base}/_stats") as response:
                stats = await response.json()
            async with session.post(f"{base}/bot{TOKEN}/getUpdates") as response:
                updates = (await response.json())["result"]
            async with session.get(f"{base}/_sent", params={"chat_id": "5"}) as response:
                sent = await response.json()
            async with session.post(f"{base}/_config", json={"per_chat_rate": None}):
                pass
            async with session.post(f"{base}/_fail", json={
                    "method": "sendMessage", "status": 429, "retry_after": 3}):
                pass
            async with session.post(f"{base}/bot{TOKEN}/sendMessage",
                                    data={"chat_id": "6", "text": "x"}) as response:
                flood = await response.json()
        assert flood["parameters"] == {"retry_after": 3}
        assert [m["text"] for m in sent] == ["a"]
        assert stats["sent_messages"] == 1
        assert stats["rate_limited"] == 2
        assert stats["config"]["per_chat_rate"] == 0.1
        assert stats["pending_updates"] == 1
        assert updates[0]["message"]["text"] == "hi"
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_stats_count_duplicates(api: FakeBotAPI, bot: Bot) -> None:
    for text in ("nhắc họp", "nhắc họp", "khác"):
        await bot.send_message(42, text)
    stats = api.stats()
    assert stats["duplicates"] == 1
    assert stats["duplicate_texts"] == [{"chat_id": 42, "text": "nhắc họp", "count": 2}]
    assert stats["sent_per_chat"] == {"42": 3}
