"""Broadcast delivery: rate, sender ceiling, a naive baseline and kill -9 recovery.

Run: python -m bench.broadcast   (the kill -9 run alone: python -m bench.broadcast --kills-only)
The fake Bot API server runs in its own process; this process is the bot (its CPU is
time.process_time()), except in the kill -9 run, where the bot is a child process
(`python -m bench.broadcast --worker DBURL BASEURL`, production settings) that is killed
and restarted at once.
Each run seeds a fresh SQLite database with N linked members, queues one broadcast with
`storage.repos.broadcasts.start` and lets `Delivery` send it through a real aiogram Bot.
Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
from aiogram import Bot
from pydantic import SecretStr
from sqlmodel import col, func, select

from bench.fake_server import fake_server, stats
from bench.members import FIRST_USER, seed_linked_members
from bot import gc_tuning
from bot.app import build_core
from bot.channels import Rendered, Sender
from bot.delivery import Delivery
from bot.i18n import Msg
from bot.settings import Settings
from handlers.telegram.app import make_bot
from handlers.telegram.sender import TelegramSender
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.repos import broadcasts

TOKEN = "123456:BENCH"
LATENCY_MS = "80"
LIMITS = ("--global-rate", "30", "--per-chat-rate", "1")  # Telegram's documented limits
DEFAULT_RUN, CEILING_RUN, NAIVE_RUN, KILL_RUN = 2_000, 10_000, 300, 1_500
PAID_RATE = 1000.0
UNPACED = 5000.0  # above what one process can send: shows the sender's own limit
KILLS, KILL_EVERY = 3, 10.0  # SIGKILLs, each this many seconds after the last (re)start
TARGET_RATIO, TARGET_CEILING, TARGET_KILL_RATIO = 0.95, 1000.0, 1.2
MIDNIGHT = clock_time(0, 0)  # quiet hours 00:00-00:00: an empty window, never quiet


def now() -> datetime:
    return datetime.now(UTC)


def bench_settings(folder: Path, base_url: str, **overrides: Any) -> Settings:
    """Defaults, except the fake server, a temp folder and no quiet hours."""
    return Settings(_env_file=None, data_dir=folder, secret_key="bench",
                    telegram_token=SecretStr(TOKEN), telegram_api_url=base_url,
                    quiet_hours_start=MIDNIGHT, quiet_hours_end=MIDNIGHT, **overrides)


async def seed(db: Database, members: int) -> list[int]:
    return await seed_linked_members(db, members)


async def queue_broadcast(db: Database, member_ids: list[int]) -> None:
    async with db.session() as session:
        await broadcasts.start(session, started_by=None, audience="bench",
                               member_ids=member_ids, body=[Msg("cancel.done")], now=now())


async def prepared(members: int) -> tuple[Path, Database]:
    """A fresh database in a temp folder with one broadcast to `members` members queued."""
    folder = Path(tempfile.mkdtemp(prefix="chibot-broadcast-"))
    db = Database(f"sqlite+aiosqlite:///{folder / 'chibot.db'}")
    await queue_broadcast(db, await seed(db, members))
    return folder, db


async def unsent(db: Database) -> int:
    """Outbox rows neither sent nor dead."""
    async with db.session() as session:
        query = select(func.count()).select_from(OutboxMessage).where(
            col(OutboxMessage.status).not_in([OutboxStatus.SENT, OutboxStatus.DEAD]))
        return (await session.exec(query)).one()


async def statuses(db: Database) -> dict[str, int]:
    async with db.session() as session:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        return {str(s): n for s, n in (await session.exec(query)).all()}


def make_delivery(db: Database, settings: Settings) -> tuple[Delivery, Bot]:
    bot = make_bot(settings)
    _, delivery = build_core(db, settings, {"telegram": TelegramSender(bot, settings)}, now)
    return delivery, bot


async def until_sent(db: Database, delivery: Delivery, total: int, stop: asyncio.Event) -> None:
    """Set `stop` once every row is sent or dead: watch the delivery's own counters (cheap),
    then confirm in the database."""
    while True:
        while delivery.counts["sent"] + delivery.counts["dead"] < total:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if not await unsent(db):
            break
        await asyncio.sleep(0.5)
    stop.set()


@dataclass
class Run:
    """What one delivery run measured."""

    messages: int
    wall: float
    cpu: float
    server: dict[str, Any]
    counts: dict[str, int]
    times: list[float]

    @property
    def steady_rate(self) -> float:
        """Sends/s between the first and last send the server accepted."""
        first, last = self.server["first_sent_at"], self.server["last_sent_at"]
        return (self.server["sent_messages"] - 1) / (last - first) if last > first else 0.0

    @property
    def middle_rate(self) -> float:
        """Sends/s over the middle 90% of sends (no start-up burst, no tail)."""
        return middle_rate(self.times)

    @property
    def wall_rate(self) -> float:
        return self.messages / self.wall

    @property
    def cpu_per_1000(self) -> float:
        return self.cpu / self.messages * 1000


def per_chat(server: dict[str, Any], chats: int) -> tuple[int, int]:
    """(duplicates, losses) from the server's per-chat counts over the chats expected."""
    sent = server["sent_per_chat"]
    counts = [sent.get(str(FIRST_USER + i), 0) for i in range(chats)]
    return sum(n - 1 for n in counts if n > 1), sum(1 for n in counts if n == 0)


async def run_delivery(base_url: str, members: int, **overrides: Any) -> Run:
    """Seed, queue, then `Delivery.run` in this process until every row is sent or dead."""
    folder, db = await prepared(members)
    settings = bench_settings(folder, base_url, **overrides)
    delivery, bot = make_delivery(db, settings)
    gc_tuning.settle()  # as `chibot run telegram` does
    stop = asyncio.Event()
    cpu, wall = time.process_time(), time.perf_counter()
    watcher = asyncio.create_task(until_sent(db, delivery, members, stop))
    await delivery.run(stop)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await watcher
    await bot.session.close()
    await db.dispose()
    return Run(members, wall, cpu, {}, dict(delivery.counts), [])


def server_stats(base_url: str) -> dict[str, Any]:
    with httpx.Client(base_url=base_url) as client:
        return stats(client)


def sent_times(base_url: str) -> list[float]:
    """When the server accepted each message (its clock), in order."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        response = client.get("/_sent")
        response.raise_for_status()
        return sorted(message["at"] for message in response.json())


def middle_rate(times: list[float]) -> float:
    low, high = len(times) // 20, len(times) - 1 - len(times) // 20
    return (high - low) / (times[high] - times[low]) if high > low else 0.0


def delivered(base_url: str, members: int, **overrides: Any) -> Run:
    """`run_delivery` on a fresh server, with the server's counters once it is done."""
    run = asyncio.run(run_delivery(base_url, members, **overrides))
    run.server, run.times = server_stats(base_url), sent_times(base_url)
    return run


async def run_naive(base_url: str, messages: int, rate: float) -> float:
    """send, then sleep(1/rate), with the same aiogram Bot; returns the wall-time rate."""
    bot = make_bot(bench_settings(Path(tempfile.gettempdir()), base_url))
    wall = time.perf_counter()
    for i in range(messages):
        await bot.send_message(chat_id=FIRST_USER + i, text="naive")
        await asyncio.sleep(1 / rate)
    wall = time.perf_counter() - wall
    await bot.session.close()
    return messages / wall


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report_limited(run: Run, configured: float) -> None:
    dup, lost = per_chat(run.server, run.messages)
    ratio = run.steady_rate / configured
    print(f"1. default limit: {run.messages} messages to {run.messages} chats, Chibot telegram "
          f"rate {configured:.0f}/s; server latency {LATENCY_MS} ms, 30/s global, 1/s per chat")
    print(f"   achieved {run.steady_rate:.2f} msg/s between the first and last send the server "
          f"accepted;\n   {run.middle_rate:.2f} msg/s over the middle 90% of sends; bot wall time "
          f"{run.wall:.1f} s = {run.wall_rate:.2f} msg/s (incl. start-up and the last reply)")
    print(f"   achieved / configured {ratio:.3f}  (target >= {TARGET_RATIO})  "
          f"{mark(ratio >= TARGET_RATIO)}")
    print(f"   429s received {run.server['rate_limited']}  (target 0)  "
          f"{mark(run.server['rate_limited'] == 0)};  bot counted throttled "
          f"{run.counts.get('throttled', 0)}")
    print(f"   duplicates {dup}  (target 0)  {mark(dup == 0)};  losses {lost}  (target 0)  "
          f"{mark(lost == 0)}")
    print(f"   bot CPU {run.cpu:.2f} s = {run.cpu_per_1000:.2f} s per 1,000 messages; "
          f"API calls {run.server['requests_by_method']}")


def report_ceiling(run: Run) -> None:
    dup, lost = per_chat(run.server, run.messages)
    print(f"2. sender's own ceiling: {run.messages} messages, server latency {LATENCY_MS} ms "
          f"and no limits, Chibot telegram rate {PAID_RATE:.0f}/s (other settings default)")
    print(f"   achieved {run.steady_rate:.0f} msg/s between first and last send (middle 90%: "
          f"{run.middle_rate:.0f}; wall {run.wall:.1f} s = {run.wall_rate:.0f} msg/s)  "
          f"(target >= {TARGET_CEILING:.0f})  {mark(run.steady_rate >= TARGET_CEILING)}")
    print(f"   bot CPU {run.cpu:.2f} s = {run.cpu_per_1000:.2f} s per 1,000 messages; "
          f"duplicates {dup} {mark(dup == 0)}, losses {lost} {mark(lost == 0)}; "
          f"API calls {run.server['requests_by_method']}")


def report_unpaced(run: Run) -> None:
    print(f"2b. the same with the rate set to {UNPACED:.0f}/s, so the sender itself sets the pace:")
    print(f"   achieved {run.steady_rate:.0f} msg/s between first and last send; bot CPU "
          f"{run.cpu_per_1000:.2f} s per 1,000 messages")


def report_naive(wall_rate: float, times: list[float], rate: float) -> None:
    steady = (len(times) - 1) / (times[-1] - times[0])
    print(f"3. naive loop (send, then sleep 1/{rate:.0f}): {NAIVE_RUN} messages, server latency "
          f"{LATENCY_MS} ms")
    print(f"   achieved {steady:.2f} msg/s between first and last send ({wall_rate:.2f} by "
          f"wall time) = {steady / rate:.3f} of the {rate:.0f}/s limit")


# ------------------------------------------------------------------ kill -9 run
async def worker(db_url: str, base_url: str) -> None:
    """The bot as a child process, as `chibot run telegram` sends: `Delivery.run` with the
    production settings (lease, heartbeat), until nothing is left to send."""
    logging.basicConfig(level=logging.ERROR)  # re-queues are reported on stdout instead
    folder = Path(tempfile.mkdtemp(prefix="chibot-worker-"))
    settings = bench_settings(folder, base_url, database_url=db_url)
    db = Database(db_url)
    delivery, bot = make_delivery(db, settings)
    timed = TimedSender(delivery.senders["telegram"])
    delivery.senders["telegram"] = timed
    gc_tuning.settle()
    print(f"RUNNING {time.time()}", flush=True)
    stop = asyncio.Event()
    watcher = asyncio.create_task(report_until_sent(db, delivery, timed, stop))
    await delivery.run(stop)
    await watcher
    print(f"DONE {time.time()} {dict(delivery.counts)}", flush=True)
    await bot.session.close()
    await db.dispose()


class TimedSender:
    """The real sender, timing each send from the bot's side (the round trip under load)."""

    def __init__(self, sender: Sender) -> None:
        self.sender, self.info = sender, sender.info
        self.recent: deque[float] = deque(maxlen=100)

    def parts(self, message: Rendered) -> int:
        return self.sender.parts(message)

    async def send_part(self, chat_id: str, message: Rendered, index: int) -> str | None:
        started = time.perf_counter()
        try:
            return await self.sender.send_part(chat_id, message, index)
        finally:
            self.recent.append(time.perf_counter() - started)

    async def edit(self, chat_id: str, message_ref: str, message: Rendered) -> None:
        await self.sender.edit(chat_id, message_ref, message)


async def report_until_sent(db: Database, delivery: Delivery, timed: TimedSender,
                            stop: asyncio.Event) -> None:
    """Print each re-queue as it happens and the recent round trip every half second; set
    `stop` once every row is sent or dead."""
    reported, loop = 0, asyncio.get_running_loop()
    next_round_trip = loop.time()
    while await unsent(db):
        if (recovered := delivery.counts["recovered"]) > reported:
            print(f"RECOVERED {recovered - reported} {time.time()}", flush=True)
            reported = recovered
        if loop.time() >= next_round_trip and timed.recent:
            print(f"ROUNDTRIP {statistics.mean(timed.recent)}", flush=True)
            next_round_trip = loop.time() + 0.5
        await asyncio.sleep(0.02)
    stop.set()


@dataclass
class Worker:
    """A child bot process: when it was started, when it said it was running, and what it
    has printed since (read by a thread, so that a kill never waits on its output)."""

    process: subprocess.Popen[str]
    spawned: float
    running: float
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        self.lines.extend(line.strip() for line in self.process.stdout)

    @property
    def start_up(self) -> float:
        return self.running - self.spawned

    def round_trip(self) -> float:
        """The last mean round trip it reported (seconds)."""
        trips = [float(line.split()[1]) for line in self.lines if line.startswith("ROUNDTRIP ")]
        return trips[-1] if trips else float("nan")

    def finish(self) -> str:
        self.process.wait(timeout=600)
        time.sleep(0.2)  # the reader thread takes the last lines
        return "\n".join(self.lines)


def start_worker(db_url: str, base_url: str) -> Worker:
    spawned = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.broadcast", "--worker", db_url, base_url],
        stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("RUNNING "):
        process.kill()
        raise RuntimeError(f"worker did not start: {line!r}")
    return Worker(process, spawned, float(line.split()[1]))


def recoveries(output: str) -> list[tuple[int, float]]:
    """(rows re-queued, when) for each re-queue the worker reported."""
    return [(int(line.split()[1]), float(line.split()[2])) for line in output.splitlines()
            if line.startswith("RECOVERED ")]


async def prepare_kill_run() -> str:
    folder, db = await prepared(KILL_RUN)
    await db.dispose()
    return f"sqlite+aiosqlite:///{folder / 'chibot.db'}"


async def outbox_statuses(db_url: str) -> dict[str, int]:
    db = Database(db_url)
    try:
        return await statuses(db)
    finally:
        await db.dispose()


def first_sent_after(base_url: str, moment: float) -> float:
    return next((at for at in sent_times(base_url) if at > moment), float("nan"))


def run_without_kills(base_url: str) -> float:
    """One child sends the broadcast; seconds from it running to the last message accepted."""
    db_url = asyncio.run(prepare_kill_run())
    child = start_worker(db_url, base_url)
    child.finish()
    return server_stats(base_url)["last_sent_at"] - child.running


def run_kills(base_url: str, server_log: Path, no_kill: float) -> None:
    """Kill the sending child after KILL_EVERY seconds, KILLS times, restarting it at once;
    let the last one finish; count at the server."""
    db_url = asyncio.run(prepare_kill_run())
    settings = Settings(_env_file=None)
    rate = settings.delivery_rates["telegram"]
    in_flight = rate * (int(LATENCY_MS) + settings.delivery_settle_seconds * 1000) / 1000
    print(f"4. kill -9: {KILL_RUN} messages, server latency {LATENCY_MS} ms, 30/s global, "
          f"1/s per chat (as run 1); Chibot rate {rate:.0f}/s; the bot is a child process "
          f"with the production settings:\n   lease {settings.delivery_lease_seconds:.0f} s, "
          f"heartbeat every {settings.delivery_heartbeat_seconds:.0f} s, dead after "
          f"{settings.delivery_worker_dead_seconds:.0f} s without one (at once when its "
          f"process is gone from this host), claims of at most "
          f"{settings.delivery_claim_seconds:.0f} s of sending")
    print(f"   with no kill: {no_kill:.1f} s from the child running to the last message "
          "accepted")
    cut_off, start_ups, dup_before, bounds = 0, 0.0, 0, []
    child = start_worker(db_url, base_url)
    first_running = child.running
    with httpx.Client(base_url=base_url) as client:
        for number in range(1, KILLS + 1):
            time.sleep(KILL_EVERY if number == 1 else KILL_EVERY / 2)
            before = stats(client)["sent_messages"]
            child.process.send_signal(signal.SIGKILL)
            killed_at = time.time()
            round_trip = child.round_trip()
            child.finish()
            rows = asyncio.run(outbox_statuses(db_url))
            stranded = rows.get("sending", 0)
            child = start_worker(db_url, base_url)
            start_ups += child.start_up
            time.sleep(KILL_EVERY / 2)  # the re-queued claims are re-sent meanwhile
            server = stats(client)
            dup, _ = per_chat(server, KILL_RUN)
            lost_requests = server_log.read_text().count("Error handling request") - cut_off
            cut_off += lost_requests
            print(f"   kill {number}: SIGKILL with {stranded} rows 'sending' "
                  f"(the server had taken {before} messages); restart took "
                  f"{child.start_up:.2f} s (not counted);")
            print(f"      claims re-queued {recovery(child, killed_at)}; first message "
                  f"accepted {first_sent_after(base_url, child.running) - child.running:.2f} s"
                  f" after the restart was running;")
            window = rate * (round_trip + settings.delivery_settle_seconds)
            bounds.append(window)
            print(f"      duplicates from this kill {dup - dup_before}; in flight when killed: "
                  f"{rate:.0f}/s x ({round_trip * 1000:.0f} ms round trip as the bot measured "
                  f"it + {settings.delivery_settle_seconds * 1000:.0f} ms settle) = "
                  f"{window:.1f} (nominal, {LATENCY_MS} ms: {in_flight:.1f}); "
                  f"{lost_requests} requests cut off inside the server")
            dup_before = dup
        out = child.finish()
        server = stats(client)
    rows = asyncio.run(outbox_statuses(db_url))
    dup, lost = per_chat(server, KILL_RUN)
    total = server["last_sent_at"] - first_running - start_ups
    ratio = total / no_kill
    done = next((line for line in out.splitlines() if line.startswith("DONE ")), "no DONE")
    print(f"   last worker finished: {done.split(' ', 2)[-1]}")
    print(f"   outbox rows {rows}; server took {server['sent_messages']} messages, "
          f"429s {server['rate_limited']}")
    print(f"   total {total:.1f} s (first child running to last message accepted, less "
          f"{start_ups:.2f} s of restarts' start-up) vs {no_kill:.1f} s with no kill: "
          f"{ratio:.2f} x  (target <= {TARGET_KILL_RATIO})  {mark(ratio <= TARGET_KILL_RATIO)}")
    print(f"   duplicates {dup} = {dup / KILLS:.1f} per kill (bound: about "
          f"{statistics.mean(bounds):.1f} in flight per kill as measured, {in_flight:.1f} "
          f"nominal);  losses {lost}  (target 0)  {mark(lost == 0)}")
    print("""\
   Why duplicates happen: no messenger takes an idempotency key, so a message is at risk
   from the moment the Bot API accepts it until its row is marked sent: the messages in
   flight, about rate x round trip (plus the settle interval between outcome writes). A
   restarted worker re-queues the dead one's claims at once (its process is gone), and
   those are sent again. The fake server sleeps its latency before reading a request and
   drops one whose connection is gone ("cut off" above); the real Bot API would carry out
   requests fully sent before the kill, so real duplicates can be slightly higher.""")


def recovery(child: Worker, killed_at: float) -> str:
    """When the restarted worker re-queued the dead one's claims, after the kill and after
    it was running (its own start-up not counted)."""
    found = recoveries("\n".join(child.lines))
    if not found:
        return "not yet"
    count, at = found[0]
    return (f"{count} rows, {at - child.running:.2f} s after the restart was running "
            f"({at - killed_at:.2f} s after the kill)")


def main() -> None:
    configured = Settings.model_fields["delivery_rates"].default["telegram"]
    print(f"bench.broadcast on {os.cpu_count()} cores; "
          "the fake Bot API server in its own process")
    with fake_server("--token", TOKEN, "--latency-ms", LATENCY_MS, *LIMITS) as base_url:
        report_limited(delivered(base_url, DEFAULT_RUN), configured)
    with fake_server("--token", TOKEN, "--latency-ms", LATENCY_MS) as base_url:
        report_ceiling(delivered(base_url, CEILING_RUN, delivery_rates={"telegram": PAID_RATE}))
    with fake_server("--token", TOKEN, "--latency-ms", LATENCY_MS) as base_url:
        report_unpaced(delivered(base_url, CEILING_RUN, delivery_rates={"telegram": UNPACED}))
    with fake_server("--token", TOKEN, "--latency-ms", LATENCY_MS, *LIMITS) as base_url:
        wall_rate = asyncio.run(run_naive(base_url, NAIVE_RUN, configured))
        report_naive(wall_rate, sent_times(base_url), configured)
    kill_runs()


def kill_runs() -> None:
    """The broadcast sent by a child process, without a kill and then with kills."""
    with fake_server("--token", TOKEN, "--latency-ms", LATENCY_MS, *LIMITS) as base_url:
        no_kill = run_without_kills(base_url)
    server_log = Path(tempfile.mkdtemp(prefix="chibot-broadcast-")) / "fake_server.log"
    with (server_log.open("w") as log_file,
          fake_server("--token", TOKEN, "--latency-ms", LATENCY_MS, *LIMITS,
                      stderr=log_file) as base_url):
        run_kills(base_url, server_log, no_kill)


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast")
    parser.add_argument("--worker", nargs=2, metavar=("DBURL", "BASEURL"))
    parser.add_argument("--kills-only", action="store_true",
                        help="only the kill -9 run (and the no-kill run it is compared with)")
    args = parser.parse_args(argv)
    if args.worker:
        db_url, base_url = args.worker
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(worker(db_url, base_url))
    elif args.kills_only:
        kill_runs()
    else:
        main()


if __name__ == "__main__":
    cli()
