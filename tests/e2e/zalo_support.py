"""Chibot's Zalo runtime against the local fake Zalo Bot API: bots, settings, running it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time

from aiohttp import web
from pydantic import SecretStr

from bot import file_links
from bot.telegram import TelegramRuntime
from bot.zalo import ZaloRuntime
from conversations import identity, zalo_bots
from handlers.zalo.app import ZaloChannel
from storage.db import Database
from storage.models import ChatAccount, Member
from tests.e2e.fake_zalo_api import FakeZaloAPI
from vocabulary.settings import Settings, ZaloBot

BINH_MINH = "2001:bot-binh-minh"  # serves Chi bộ ấp Bình Minh
HOA_BINH = "2002:bot-hoa-binh"  # serves Chi bộ ấp Hòa Bình, and Bình Minh too
BOT_NAMES = {BINH_MINH: "Chibot Bình Minh", HOA_BINH: "Chibot Hòa Bình"}


def real_now() -> datetime:
    return datetime.now(UTC)


def zalo_settings(settings: Settings, api: FakeZaloAPI, bots: dict[str, tuple[str, ...]],
                  **more: object) -> Settings:
    """`bots`: token -> codes of the organisations it serves."""
    listed = [ZaloBot(token=SecretStr(token), name=BOT_NAMES[token],
                      link=f"https://zalo.me/{token.split(':')[0]}", organisations=orgs)
              for token, orgs in bots.items()]
    return settings.model_copy(update={
        "zalo_bots": listed, "zalo_api_url": api.base_url,
        "zalo_image_hosts": ("127.0.0.1",), "quiet_hours_start": time(0, 0),
        "quiet_hours_end": time(0, 0),  # bulk messages at any hour the tests run
        **more})


async def invite(db: Database, settings: Settings, member: Member) -> str:
    """A one-time code for `member`, as the secretary would issue it."""
    return (await issue(db, settings, member))[0]


async def issue(db: Database, settings: Settings, member: Member) -> tuple[str, str | None]:
    """A code for `member` and the bot it names, as `chibot invite create` issues it."""
    async with db.session() as session:
        bot = await zalo_bots.bot_for(session, settings, member, real_now())
        code, _expires = await identity.issue_invite(session, settings, member, real_now(),
                                                     None, bot.id if bot else None)
    return code, bot.id if bot else None


@contextlib.asynccontextmanager
async def zalo_polling(db: Database, settings: Settings) -> AsyncIterator[ZaloRuntime]:
    """The bots, long polling the fake server, until the block ends."""
    runtime = ZaloRuntime(db, settings, real_now)
    task = asyncio.create_task(runtime.poll(handle_signals=False))
    try:
        yield runtime
    finally:
        runtime.stop_polling()
        await task


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def zalo_webhook(db: Database, settings: Settings) -> AsyncIterator[ZaloRuntime]:
    """The bots' webhook routes and file links on 127.0.0.1 (CHIBOT_PUBLIC_URL), registered
    with the fake server at start."""
    port = free_port()
    settings = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    runtime = ZaloRuntime(db, settings, real_now, file_links.FileLinks(settings, real_now))
    app = runtime.webhook_app()
    file_links.add_routes(app, db, settings, real_now)  # as `chibot run zalo --webhook` does
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield runtime
    finally:
        await runner.cleanup()


async def link_zalo(db: Database, api: FakeZaloAPI, member: Member, bot: str, user: str) -> None:
    """A Zalo account already proven to be the member's, written from just now."""
    fake = api.bot(bot)
    fake.users.add(user)  # he/she wrote to the bot once
    async with db.session() as session:
        session.add(ChatAccount(channel="zalo", user_id=user, chat_id=user, bot=fake.id,
                                member_id=member.id or 0, linked_at=real_now(),
                                last_seen_at=real_now(),
                                consent_version=Settings.model_fields["consent_version"].default))


@contextlib.asynccontextmanager
async def both_polling(db: Database, settings: Settings) -> AsyncIterator[TelegramRuntime]:
    """`chibot run telegram zalo`: one process polling the fake Telegram and Zalo servers."""
    runtime = TelegramRuntime(db, settings, real_now, [ZaloChannel(db, settings, real_now)])
    task = asyncio.create_task(runtime.poll(handle_signals=False))
    try:
        yield runtime
    finally:
        runtime.stop_polling()
        await task
