"""Random sequences of chat steps from several members and officers never break the bot."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.chat_machine import ChatMachine

ChatMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=30, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestChatMachine = ChatMachine.TestCase
