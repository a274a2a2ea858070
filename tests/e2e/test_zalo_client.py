"""Chibot's Zalo client against the local fake Zalo Bot API: answers and typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from handlers.zalo.client import (
    BadRequest,
    NetworkError,
    ServerError,
    TooManyRequests,
    Unauthorized,
    ZaloClient,
)
from tests.e2e.fake_zalo_api import FakeZaloAPI
from vocabulary.settings import Settings

TOKEN = "1111:zalo-secret-one"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI({TOKEN: "Chi bộ Bình Minh"}, quota=2) as server:
        yield server


@pytest.fixture
async def client(zalo: FakeZaloAPI) -> AsyncIterator[ZaloClient]:
    async with httpx.AsyncClient() as http:
        yield ZaloClient(TOKEN, zalo.base_url, http)


def test_the_default_api_is_zalos_own() -> None:
    assert Settings(_env_file=None).zalo_api_url == "https://bot-api.zaloplatforms.com"


async def test_get_me_names_the_bot(client: ZaloClient) -> None:
    me = await client.get_me()
    assert me["account_name"] == "Chi bộ Bình Minh"
    assert client.bot_id == "1111"


async def test_an_idle_poll_is_no_update_and_a_message_is_one(zalo: FakeZaloAPI,
                                                               client: ZaloClient) -> None:
    assert await client.get_updates(wait=1) is None
    await zalo.user_message(TOKEN, "u1", "xin chào")
    await zalo.user_message(TOKEN, "u1", "lần hai")
    first = await client.get_updates(wait=1)
    assert first is not None
    assert first["message"]["text"] == "xin chào"
    second = await client.get_updates(wait=1)
    assert second is not None
    assert second["message"]["text"] == "lần hai"


async def test_a_wrong_token_is_unauthorized(zalo: FakeZaloAPI) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(Unauthorized):
            await ZaloClient("1111:wrong", zalo.base_url, http).get_me()


async def test_the_months_quota_answers_429(zalo: FakeZaloAPI, client: ZaloClient) -> None:
    await zalo.user_message(TOKEN, "u1", "xin chào")
    await client.send_message("u1", "một")
    await client.send_message("u1", "hai")
    with pytest.raises(TooManyRequests, match="Quota exceeded"):
        await client.send_message("u1", "ba")
    zalo.assert_no_violations()


async def test_server_errors_and_refusals_are_told_apart(zalo: FakeZaloAPI,
                                                         client: ZaloClient) -> None:
    zalo.fail_next(TOKEN, "getMe", 502, "Bad Gateway")
    with pytest.raises(ServerError):
        await client.get_me()
    await client.set_webhook("http://127.0.0.1:9/zalo", "a-secret-token")
    assert (await client.get_webhook_info())["url"] == "http://127.0.0.1:9/zalo"
    with pytest.raises(BadRequest):  # getUpdates is refused while a webhook is set
        await client.get_updates(wait=1)
    await client.delete_webhook()
    assert await client.get_updates(wait=1) is None


async def test_photo_voice_and_typing_reach_the_user(zalo: FakeZaloAPI,
                                                      client: ZaloClient) -> None:
    await zalo.user_message(TOKEN, "u1", "xin chào")
    url = zalo.serve_file("cert.jpg", b"\xff\xd8jpeg", "image/jpeg")
    await client.send_chat_action("u1")
    await client.send_photo("u1", url, caption="Giấy chứng nhận")
    await client.send_voice("u1", url)
    sent = zalo.sent_to(TOKEN, "u1")
    assert [(s.method, s.fetched) for s in sent] == [("sendPhoto", 200), ("sendVoice", 200)]
    zalo.assert_no_violations()


async def test_an_unreachable_server_is_a_network_error_without_the_token() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(NetworkError) as caught:
            await ZaloClient(TOKEN, "http://127.0.0.1:9", http).get_me()
    assert "zalo-secret" not in str(caught.value)
