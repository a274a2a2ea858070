"""One step taken on requests: by whom, when, and where its messages and audit entries go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.settings import Settings
from conversations.context import Ctx
from conversations.types import Outbound
from storage.models import Member, Request
from storage.repos import audit

SYSTEM = "system"


@dataclass
class Act:
    session: AsyncSession
    settings: Settings
    now: datetime
    by: Member | None = None  # None: a timer acting on its own
    actor: str = SYSTEM
    out: list[Outbound] = field(default_factory=list)

    @classmethod
    def of(cls, ctx: Ctx) -> Act:
        actor = f"{ctx.inbound.channel}:{ctx.account.id if ctx.account else 'anonymous'}"
        return cls(ctx.session, ctx.settings, ctx.now, ctx.member, actor, ctx.outbox)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.settings.tz).date()

    def audit(self, action: str, request: Request, **detail: Any) -> None:
        """`action` is the step ("decided"); the entry is named for the request's type."""
        audit.record(self.session, at=self.now, actor=self.actor,
                     action=f"{request.type}.{action}", subject=(request.type, request.id),
                     actor_member_id=self.by.id if self.by else None, **detail)
