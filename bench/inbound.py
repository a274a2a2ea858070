"""Inbound throughput: 5,000 updates from 1,000 users through the whole Telegram stack.

Run: python -m bench.inbound [--users N] [--postgres-only]
(the PostgreSQL runs need CHIBOT_BENCH_POSTGRES_URL=postgresql+asyncpg://...)
The fake Bot API server runs in its own process; on SQLite this process is the bot, polling.
On PostgreSQL (a database the bench may wipe) one and then two `chibot run telegram --webhook`
processes are the bot, and the fake server posts each update to one of them in turn, with up
to WEBHOOK_CONNECTIONS posts under way (Telegram's default for a webhook). As with polling,
the updates wait at the server when the clock starts. An update counts
when its conversation state is committed together with its reply in the outbox (the sender
interface). Delivery runs alongside as in production, at Telegram's default limit of 25
messages/s, so most replies wait in the outbox; a second run lifts that limit to show what
sending every reply at once costs the same process. The baseline is a bare aiogram echo bot
(aiogram's defaults) against the same server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import col, func, select

from bench.fake_server import fake_server, inject
from bench.members import FIRST_USER, seed_linked_members
from bot import gc_tuning
from bot.telegram import TelegramRuntime
from storage.db import Database
from storage.models import (
    InboxUpdate,
)
from vocabulary.settings import Settings

USERS = 1000
MESSAGES = ("menu", "1", "ngon ngu", "1", "tro giup")  # typed without diacritics, as many do
TOKEN = "123456:BENCH"
POSTGRES_ENV = "CHIBOT_BENCH_POSTGRES_URL"
WEBHOOK_CONNECTIONS = 40
WEBHOOK_SECRET = "bench-webhook-secret"
WEBHOOK_PATH = "/telegram/webhook"


def now() -> datetime:
    return datetime.now(UTC)


async def seed(db: Database) -> None:
    """One branch, USERS members, each already linked to a Telegram account."""
    await seed_linked_members(db, USERS)


def inject_all(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for text in MESSAGES:
            for i in range(USERS):
                inject(client, "user_message", user_id=FIRST_USER + i, text=text)


async def handled_count(db: Database) -> int:
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(InboxUpdate).where(
            col(InboxUpdate.processed_at).is_not(None)))).one()


async def latencies(db: Database) -> list[float]:
    """Per update: from recorded in the inbox to state and reply committed (seconds)."""
    async with db.session() as session:
        rows = (await session.exec(select(InboxUpdate))).all()
    return [(r.processed_at - r.received_at).total_seconds() for r in rows if r.processed_at]


async def run_chibot(base_url: str, *, sending_lifted: bool) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="chibot-bench-"))
    lifted = {"delivery_rates": {"telegram": 0.0}, "delivery_chat_gap_seconds": {}}
    settings = Settings(_env_file=None, data_dir=folder, secret_key="bench",
                        telegram_token=SecretStr(TOKEN), telegram_api_url=base_url,
                        **(lifted if sending_lifted else {}))
    db = Database(settings.effective_database_url)
    await seed(db)
    inject_all(base_url)
    runtime = TelegramRuntime(db, settings, now)
    gc_tuning.settle()  # as `chibot run telegram` does
    cpu, wall = time.process_time(), time.perf_counter()
    task = asyncio.create_task(runtime.poll(handle_signals=False))
    total = USERS * len(MESSAGES)
    while await handled_count(db) < total:  # noqa: ASYNC110 (progress is in the database)
        await asyncio.sleep(0.25)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    runtime.stop_polling()
    await task
    lat = await latencies(db)
    await db.dispose()
    return figures(total, wall, cpu, lat)


async def run_echo(base_url: str) -> dict[str, float]:
    inject_all(base_url)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dispatcher = Dispatcher()
    lat: list[float] = []
    total = USERS * len(MESSAGES)
    finished = asyncio.Event()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        started = time.perf_counter()
        await bot.send_message(message.chat.id, message.text or "")
        lat.append(time.perf_counter() - started)
        if len(lat) == total:
            finished.set()

    cpu, wall = time.process_time(), time.perf_counter()
    task = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    await finished.wait()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await dispatcher.stop_polling()
    await task
    return figures(total, wall, cpu, lat)


async def run_webhook_workers(base_url: str, database_url: str, workers: int,
                              ) -> dict[str, float]:
    """`workers` webhook processes on one PostgreSQL database, fed by the fake server."""
    db = Database(database_url)
    async with db.engine.begin() as connection:  # a fresh database for each run
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await seed(db)
    ports = [_free_port() for _ in range(workers)]
    with webhook_processes(base_url, database_url, ports) as processes:
        inject_all(base_url)  # queued until the webhook is set
        cpu, wall = _cpu(processes), time.perf_counter()
        async with httpx.AsyncClient(base_url=base_url) as client:
            (await client.post("/_config", json={
                "webhook_workers": [f"http://127.0.0.1:{p}{WEBHOOK_PATH}" for p in ports],
                "webhook_secret": WEBHOOK_SECRET, "webhook_connections": WEBHOOK_CONNECTIONS,
            })).raise_for_status()
            total = USERS * len(MESSAGES)
            while await handled_count(db) < total:  # noqa: ASYNC110 (progress is in the db)
                await asyncio.sleep(0.1)
            wall, cpu = time.perf_counter() - wall, _cpu(processes) - cpu
            print(f"  {(await client.get('/_stats')).json()['webhook_deliveries']} posts")
    lat = await latencies(db)
    await db.dispose()
    return figures(total, wall, cpu, lat)


@contextmanager
def webhook_processes(base_url: str, database_url: str, ports: list[int],
                      ) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`chibot run telegram --webhook` on each port, as an operator would start them."""
    folder = Path(tempfile.mkdtemp(prefix="chibot-bench-"))
    env = {**os.environ, "CHIBOT_DATABASE_URL": database_url, "CHIBOT_DATA_DIR": str(folder),
           "CHIBOT_SECRET_KEY": "bench", "CHIBOT_TELEGRAM_TOKEN": TOKEN,
           "CHIBOT_FILE_KEYS": json.dumps([Fernet.generate_key().decode()]),
           "CHIBOT_TELEGRAM_API_URL": base_url, "CHIBOT_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
           "CHIBOT_TELEGRAM_WEBHOOK_HOST": "127.0.0.1",
           "CHIBOT_TELEGRAM_WEBHOOK_PATH": WEBHOOK_PATH}
    command = [sys.executable, "-c", "from bot.cli import app; app()", "run", "telegram",
               "--webhook"]
    processes = [subprocess.Popen(command, env={**env, "CHIBOT_TELEGRAM_WEBHOOK_PORT": str(p)},
                                  cwd=folder) for p in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_listening(port, process)
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"the webhook process exited ({process.returncode})") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _cpu(processes: list[subprocess.Popen[bytes]]) -> float:
    """The processes' CPU seconds so far (Linux: /proc)."""
    ticks = 0
    for process in processes:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def figures(total: int, wall: float, cpu: float, lat: list[float]) -> dict[str, float]:
    return {"updates": total, "seconds": wall, "cpu": cpu, "p50": _q(lat, 0.5),
            "p99": _q(lat, 0.99)}


def _q(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] if len(values) > 1 else 0.0


def report(name: str, figures: dict[str, float]) -> float:
    rate = figures["updates"] / figures["seconds"]
    print(f"{name}: {figures['updates']:.0f} updates in {figures['seconds']:.2f} s = "
          f"{rate:.0f} updates/s; latency p50 {figures['p50'] * 1000:.1f} ms, "
          f"p99 {figures['p99'] * 1000:.1f} ms; bot CPU {figures['cpu']:.2f} s")
    return rate


def main() -> None:
    global USERS
    options = argparse.ArgumentParser(description="Inbound throughput of the Telegram stack.")
    options.add_argument("--users", type=int, default=USERS, help="members, 5 messages each")
    options.add_argument("--postgres-only", action="store_true",
                         help="only the webhook runs on PostgreSQL")
    args = options.parse_args()
    USERS = args.users
    if not args.postgres_only:
        run_sqlite()
    postgres = os.environ.get(POSTGRES_ENV)
    if not postgres:
        print(f"PostgreSQL runs skipped: set {POSTGRES_ENV} to a database the bench may wipe")
        return
    rates = []
    for workers in (1, 2):
        with fake_server("--token", TOKEN) as base_url:
            rates.append(report(f"chibot on PostgreSQL, {workers} webhook process(es)",
                                asyncio.run(run_webhook_workers(base_url, postgres, workers))))
    print(f"two webhook processes / one: {rates[1] / rates[0]:.2f} "
          f"(targets: >= 1.00, >= 200 updates/s)")


def run_sqlite() -> None:
    # The bare echo bot first: Chibot's garbage-collector settings last for the process.
    with fake_server("--token", TOKEN) as base_url:
        echo = report("echo (bare aiogram)", asyncio.run(run_echo(base_url)))
    with fake_server("--token", TOKEN) as base_url:
        chibot = report("chibot", asyncio.run(run_chibot(base_url, sending_lifted=False)))
    with fake_server("--token", TOKEN) as base_url:
        report("chibot, sending every reply at once",
               asyncio.run(run_chibot(base_url, sending_lifted=True)))
    with fake_server("--token", TOKEN) as base_url:
        tuned = report("echo with Chibot's garbage-collector settings",
                       asyncio.run(run_echo(base_url)))
    print(f"chibot / echo baseline: {chibot / echo:.2f} (targets: >= 300 updates/s, >= 0.30); "
          f"against the tuned echo: {chibot / tuned:.2f}")


if __name__ == "__main__":
    main()
