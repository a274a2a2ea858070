"""A chi bo's topics for this month and the next, as planned or sent, and its officers' edits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.topics import calendar, notice
from conversations.topics.rotation import Pick, next_picks
from conversations.topics.rounds import state_of
from storage.models import TopicItem, TopicRound
from storage.repos import topics as repo
from storage.topics.load import ensure_default
from vocabulary.messages import Msg
from vocabulary.settings import Settings


@dataclass
class Month:
    month: str
    picks: list[Pick]
    items: list[TopicItem]
    round: TopicRound | None  # None: computed from the rotation, not yet saved
    editable: bool  # before its send time, and not sent

    @property
    def sent(self) -> bool:
        return self.round is not None and self.round.sent_at is not None


async def sendable(session: AsyncSession, branch_id: int, now: datetime
                   ) -> tuple[int, list[tuple[int, str]]]:
    """The catalogue this chi bo studies and its items that may be sent."""
    default = await ensure_default(session, now)
    catalogue = await repo.catalogue_of(session, branch_id, default.id or 0)
    return catalogue, (await repo.sendable(session, [catalogue])).get(catalogue, [])


async def outlook(session: AsyncSession, settings: Settings, branch_id: int,
                  now: datetime) -> list[Month]:
    """This month's topics and next month's (the next two when this month's never went out)."""
    _catalogue, available = await sendable(session, branch_id, now)
    state = state_of(await repo.rotation(session, branch_id))
    months = []
    this = calendar.month_of(settings, now)
    if await repo.round_of(session, branch_id, this) is None:
        this = calendar.upcoming(settings, now)  # this month's went out before Chibot did
    for month in (this, calendar.next_month(this)):
        saved = await repo.round_of(session, branch_id, month)
        if saved is not None:
            picks = [Pick.from_json(p) for p in saved.items]
            if saved.sent_at is None:
                state = state.after(picks)
        else:
            picks = next_picks(available, state, settings.topics_per_month)
            state = state.after(picks)
        found = await repo.items(session, [p.item_id for p in picks])
        editable = (saved is None or saved.sent_at is None) and \
            calendar.send_at(settings, month) > now
        months.append(Month(month, picks, [found[p.item_id] for p in picks if p.item_id in found],
                            saved, editable))
    return months


async def save(session: AsyncSession, branch_id: int, month: Month, picks: list[Pick],
               by: int, now: datetime) -> TopicRound:
    """Keep an officer's change to a month not yet sent."""
    saved = month.round
    if saved is None:
        catalogue, _available = await sendable(session, branch_id, now)
        saved = TopicRound(branch_id=branch_id, month=month.month, catalogue_id=catalogue,
                           created_at=now)
    saved.items, saved.edited_by = [p.to_json() for p in picks], by
    session.add(saved)
    await session.flush()
    return saved


async def agendas(session: AsyncSession, branch_ids: Collection[int], month: str
                  ) -> dict[int, list[Msg]]:
    """Each chi bo's topics for `month` as a meeting's agenda lists them (code and official
    text, never restated), once set: sent, or planned by its officers. Two queries in all."""
    rounds = await repo.rounds_of(session, branch_ids, month)
    picks = {b: [Pick.from_json(p) for p in r.items] for b, r in rounds.items()}
    found = await repo.items(session, {p.item_id for ps in picks.values() for p in ps})
    lines = {b: [notice.item_lines(found[p.item_id])[0] for p in ps if p.item_id in found]
             for b, ps in picks.items()}
    return {b: found_lines for b, found_lines in lines.items() if found_lines}
