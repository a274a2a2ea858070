"""Everything one handled message can see and do, inside one database transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatAccount, Member
from storage.order import member_order_key
from storage.personal_data import Section
from storage.repos import audit
from storage.repos.conversations import ChatState
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings
from vocabulary.types import ChannelInfo, ChatRef, Choice, Inbound, Outbound


@dataclass
class Ctx:
    session: AsyncSession
    settings: Settings
    now: datetime
    inbound: Inbound
    channel: ChannelInfo
    state: ChatState
    account: ChatAccount | None = None
    member: Member | None = None
    outbox: list[Outbound] = field(default_factory=list)
    # What capabilities do when the member withdraws consent (set by the engine).
    on_consent_withdrawn: list[Callable[[Ctx], Awaitable[list[Msg]]]] = field(
        default_factory=list)
    personal_data: list[Section] = field(default_factory=list)  # set by the engine

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.inbound.channel, self.inbound.chat_id, self.inbound.bot)

    @property
    def language(self) -> str:
        if self.member is not None and self.member.language:
            return self.member.language
        return self.state.language or self.settings.default_language

    @property
    def order_key(self) -> str | None:
        """Replies share the member's order with notices sent to him/her by member id."""
        return member_order_key(self.member.id) if self.member and self.member.id else None

    @property
    def today(self) -> date:
        return self.now.astimezone(self.settings.tz).date()

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data

    def renderer(self, language: str | None = None) -> Renderer:
        return Renderer(language or self.language, self.settings.tz)

    def reply(
        self, *body: Msg, choices: list[Choice] | None = None, request_contact: bool = False
    ) -> None:
        self.outbox.append(Outbound(self.chat, list(body), choices or [],
                                    request_contact=request_contact, order_key=self.order_key))

    def notify(
        self,
        member_id: int,
        *body: Msg,
        choices: list[Choice] | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        """A message to another member, reached on the channel he/she used last."""
        self.outbox.append(Outbound(member_id, list(body), choices or [], dedupe_key=dedupe_key))

    def audit(self, action: str, subject: tuple[str, object], **detail: Any) -> None:
        actor = f"{self.inbound.channel}:{self.account.id if self.account else 'anonymous'}"
        audit.record(
            self.session,
            at=self.now,
            actor=actor,
            action=action,
            subject=subject,
            actor_member_id=self.member.id if self.member else None,
            **detail,
        )
