"""The pacer keeps a channel's rate, whatever the rate."""

from __future__ import annotations

import asyncio

import pytest

from bot.pacing import Pacer


@pytest.mark.parametrize("rate", [2.0, 25.0, 400.0])
async def test_messages_leave_at_the_configured_rate(rate: float) -> None:
    pacer = Pacer(rate, chat_gap_seconds=0.0)
    loop = asyncio.get_running_loop()
    count = int(rate * 1.5) + 1
    started = loop.time()
    for number in range(count):
        await pacer.wait(f"chat-{number}")
    elapsed = loop.time() - started
    # The bucket lets a tenth of a second's messages through at once, never more.
    assert elapsed >= (count - max(1, rate * 0.1)) / rate - 0.02


async def test_one_chat_gets_at_most_one_message_per_gap() -> None:
    pacer = Pacer(0.0, chat_gap_seconds=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(3):
        await pacer.wait("same-chat")
    assert loop.time() - started >= 0.4 - 0.02
