"""Order keys: one person's messages are sent one at a time, in the order they were queued."""

from __future__ import annotations


def member_order_key(member_id: int) -> str:
    return f"m:{member_id}"


def chat_order_key(channel: str, chat_id: str) -> str:
    return f"c:{channel}:{chat_id}"
