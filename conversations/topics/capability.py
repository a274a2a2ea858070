"""Monthly topics: «Chu de thang» in the branch-life group, «Da doc», the monthly round."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.registry import BRANCH_LIFE, MenuEntry, Registry
from conversations.topics import (
    calendar,
    flows,
    notice,
    personal_data,
    reading,
    reflections,
    rounds,
)
from storage.models import Timer
from storage.repos.timers import TimerHandler
from vocabulary.messages import Msg
from vocabulary.settings import Settings


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="topics")
    registry.add_menu(MenuEntry("topics", Msg("menu.topics"), flows.NAME, flows.visible,
                                group=BRANCH_LIFE, order=20))
    registry.add_action(notice.READ_ACTION, reading.on_button)
    registry.add_personal_data(personal_data.SECTION)
    registry.add_timer(rounds.TIMER, _round_handler)
    registry.on_consent_withdrawn(reflections.delete_all)


def _round_handler(settings: Settings) -> TimerHandler:
    async def fire(session: AsyncSession, timer: Timer, now: datetime) -> None:
        month = str(timer.payload.get("month", ""))
        if month and month >= calendar.month_of(settings, now):  # a whole month missed: skip it
            await rounds.send_month(session, settings, month, now)
        await reflections.purge_expired(session, settings, now)
        await rounds.schedule_next(session, settings, now)

    return fire
