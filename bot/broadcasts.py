"""Keeps each running broadcast's progress line up to date, and closes finished ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.delivery import Delivery
from storage.db import Database
from storage.models import Member, OutboxMessage
from storage.repos import broadcasts
from vocabulary.messages import Msg


class ProgressUpdater:
    """A periodic scan: edit the starter's progress message when the counts have moved."""

    def __init__(self, db: Database, delivery: Delivery, clock: Callable[[], datetime]) -> None:
        self.db, self.delivery, self.clock = db, delivery, clock
        self._shown: dict[int, tuple[int, int]] = {}

    async def run(self) -> None:
        edits: list[tuple[OutboxMessage, Msg, str]] = []
        async with self.db.session() as session:
            for broadcast in await broadcasts.unfinished(session):
                done = await broadcasts.counts(session, broadcast.id or 0)
                shown = (done["sent"], done["failed"])
                finished = sum(shown) >= broadcast.total
                if finished:
                    broadcast.finished_at = self.clock()
                    session.add(broadcast)
                if self._shown.get(broadcast.id or 0) == shown and not finished:
                    continue
                self._shown[broadcast.id or 0] = shown
                line = await session.get(OutboxMessage, broadcast.progress_outbox_id or 0)
                starter = await session.get(Member, broadcast.started_by or 0)
                if line is not None:
                    text = (Msg("broadcast.done", total=broadcast.total, **done) if finished
                            else Msg("broadcast.progress", total=broadcast.total, **done))
                    language = (starter.language if starter else None) or "vi"
                    edits.append((line, text, language))
        for line, text, language in edits:  # network calls outside the transaction
            await self.delivery.edit(line, [text], language)
