"""What a Zalo member may send that Chibot cannot take, and what Zalo may answer back."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.zalo import ZaloRuntime
from handlers.zalo.polling import TokenRefused
from storage import migrate
from storage.db import Database
from storage.models import ChatAccount
from tests.conversations.conftest import Branch
from tests.e2e.fake_zalo_api import FakeZaloAPI
from tests.e2e.test_zalo_flows import MAI, Typist
from tests.e2e.zalo_support import (
    BINH_MINH,
    BOT_NAMES,
    link_zalo,
    real_now,
    zalo_polling,
    zalo_settings,
)
from vocabulary.settings import Settings


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI(BOT_NAMES) as server:
        yield server
        server.assert_no_violations()


@pytest.fixture
def z_settings(settings: Settings, zalo: FakeZaloAPI) -> Settings:
    return zalo_settings(settings, zalo, {BINH_MINH: ("CB-BM",)},
                         zalo_rate_limit_pause_seconds=0.5, file_max_bytes=1000)


async def test_stickers_voice_and_photos_from_elsewhere_are_answered_kindly(
        db: Database, z_settings: Settings, zalo: FakeZaloAPI, org: Branch) -> None:
    await link_zalo(db, zalo, org.mai, BINH_MINH, MAI)
    mai = Typist(zalo, MAI)
    async with zalo_polling(db, z_settings):
        await mai.say(event="message.sticker.received", expect="nhãn dán")
        await mai.say(event="message.voice.received", expect="tin nhắn thoại")
        await mai.say(event="message.unsupported.received", expect="Zalo không cho Chibot xem")
        await mai.say("menu", expect="Xin đồng chí gõ số")
        await mai.say("xin giảm, miễn", expect="1. Xin GIẢM")
        await mai.say("2", expect="1. Tuổi cao")
        await mai.say("1", expect="giấy xác nhận")
        elsewhere = "https://example.com/giay.jpg"  # not Zalo's: never fetched
        await mai.say(photo_url=elsewhere, expect="không tải được ảnh")
        text_file = zalo.serve_file("giay.txt", b"not an image", "image/jpeg")
        await mai.say(photo_url=text_file, expect="chỉ nhận ảnh")
        big = zalo.serve_file("lon.jpg", b"\xff\xd8\xff" + b"\x00" * 2000, "image/jpeg")
        await mai.say(photo_url=big, expect="lớn quá")  # over CHIBOT_FILE_MAX_BYTES


async def test_a_429_below_the_count_is_a_pause_and_a_403_alone_keeps_the_account(
        db: Database, z_settings: Settings, zalo: FakeZaloAPI, org: Branch) -> None:
    z_settings = z_settings.model_copy(update={"delivery_backoff_seconds": 0.2})
    await link_zalo(db, zalo, org.mai, BINH_MINH, MAI)
    mai = Typist(zalo, MAI)
    zalo.fail_next(BINH_MINH, "sendMessage", 429, "Too many requests")
    zalo.fail_next(BINH_MINH, "sendMessage", 403, "Internal server error")
    async with zalo_polling(db, z_settings):
        await mai.say("menu", expect="Xin đồng chí gõ số")
    assert not zalo.bot(BINH_MINH).failures["sendMessage"]  # both failures were met
    async with db.session() as session:
        account = (await session.exec(select(ChatAccount))).one()
    assert account.unreachable_at is None


async def test_a_refused_token_stops_the_bot_at_start(
        db: Database, z_settings: Settings, zalo: FakeZaloAPI) -> None:
    zalo.fail_next(BINH_MINH, "getMe", 401, "Unauthorized")
    runtime = ZaloRuntime(db, z_settings, real_now)
    with pytest.raises(TokenRefused):
        await runtime.poll(handle_signals=False)


async def test_chibot_run_zalo_says_which_bots_token_was_refused(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'chibot.db'}")
    await migrate.upgrade(database)
    await database.dispose()
    bots = [{"token": token, "name": name, "link": "https://zalo.me/x"}
            for token, name in BOT_NAMES.items()]
    async with FakeZaloAPI({BINH_MINH: "Chibot Bình Minh"}) as zalo:  # the second is unknown
        env = {**os.environ, "CHIBOT_DATA_DIR": str(tmp_path),
               "CHIBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chibot.db'}",
               "CHIBOT_ZALO_API_URL": zalo.base_url, "CHIBOT_ZALO_BOTS": json.dumps(bots)}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.cli import app; app()", "run", "zalo", env=env,
            cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    errors = stderr.decode()
    assert "Zalo từ chối mã của bot 2002" in errors
    assert "bot-hoa-binh" not in errors  # the secret part of a token is never shown
