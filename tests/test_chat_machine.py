"""Random sequences of chat steps from several members and officers never break the bot."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.chat_machine import ChatMachine

# About 100 s of CPU on the project's 2-core machine (bench/fuzz.py runs thousands).
ChatMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None, database=None,
    suppress_health_check=list(HealthCheck))
TestChatMachine = ChatMachine.TestCase
