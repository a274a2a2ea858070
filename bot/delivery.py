"""Sends queued outbox messages: resolves the recipient, renders, hands to the channel, marks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.channels import Rendered, RetryLater, Sender, Unreachable
from bot.i18n import Msg, Renderer
from bot.settings import Settings
from storage.db import Database
from storage.models import ChatAccount, Conversation, Member, OutboxMessage, OutboxStatus
from storage.repos import accounts, conversations, outbox

log = logging.getLogger(__name__)


class Delivery:
    """Foundation delivery: sends due rows in priority and queue order, one at a time."""

    def __init__(
        self, db: Database, settings: Settings, senders: dict[str, Sender],
        clock: Callable[[], datetime],
    ) -> None:
        self.db, self.settings, self.senders, self.clock = db, settings, senders, clock

    async def drain(self, batch: int = 100) -> int:
        """Send everything due now; returns how many were sent."""
        sent = 0
        while True:
            async with self.db.session() as session:
                rows = await outbox.due(session, self.clock(), batch)
            if not rows:
                return sent
            for row in rows:
                sent += await self._deliver(row)

    async def _deliver(self, row: OutboxMessage) -> int:
        now = self.clock()
        async with self.db.session() as session:
            target = await self._target(session, row)
            if target is None:
                await outbox.mark(session, row.id or 0, OutboxStatus.DEAD, now, "no account")
                return 0
            channel, chat_id, language, name = target
            rendered = self._render(row.payload, language, name)
            if row.payload["choices"] or row.payload["reply"]:
                menu = [[c["id"], c["label"]] for c in row.payload["choices"]]
                await conversations.set_menu(session, channel, chat_id, menu, now)
        sender = self.senders.get(channel)
        status, error, retry_at = OutboxStatus.SENT, None, None
        try:
            if sender is None:
                raise Unreachable(channel)
            await sender.send(chat_id, rendered)
        except Unreachable:
            status, error = OutboxStatus.DEAD, "unreachable"
        except RetryLater as exc:
            status, error = OutboxStatus.QUEUED, str(exc)
            retry_at = self.clock() + timedelta(seconds=exc.seconds)
        async with self.db.session() as session:
            await outbox.mark(session, row.id or 0, status, self.clock(), error, retry_at)
        return int(status is OutboxStatus.SENT)

    async def _target(
        self, session: Any, row: OutboxMessage
    ) -> tuple[str, str, str, str | None] | None:
        """(channel, chat, language, recipient name) for the row, or None if unreachable."""
        if row.member_id is not None:
            account = await accounts.reachable_account(session, row.member_id)
            member = await session.get(Member, row.member_id)
            if account is None or member is None:
                return None
            language = member.language or self.settings.default_language
            return account.channel, account.chat_id, language, member.full_name
        assert row.channel is not None
        assert row.chat_id is not None
        language = await self._chat_language(session, row.channel, row.chat_id)
        return row.channel, row.chat_id, language, None

    async def _chat_language(self, session: Any, channel: str, chat_id: str) -> str:
        query = select(ChatAccount).where(
            ChatAccount.channel == channel, ChatAccount.chat_id == chat_id)
        account = (await session.exec(query)).first()
        if account is not None:
            member = await session.get(Member, account.member_id)
            if member is not None and member.language:
                return member.language
        state = await session.get(Conversation, (channel, chat_id))
        return (state.language if state else None) or self.settings.default_language

    def _render(self, payload: dict[str, Any], language: str, name: str | None) -> Rendered:
        render = Renderer(language, self.settings.tz)
        return Rendered(
            text="\n".join(render(Msg.from_json(m)) for m in payload["body"]),
            choices=[(c["id"], render(Msg.from_json(c["label"]))) for c in payload["choices"]],
            contact_button=render(Msg("register.contact_button"))
            if payload["request_contact"] else None,
            recipient_name=name,
            language=language,
        )
