"""The timers of a request type: the workflow's (reminders, escalation, reports, the purge of
old documents) and the type's own, each run as one act in the timer's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.requests import attachments, member_notices, reminders, reports
from conversations.requests.act import Act
from conversations.requests.kinds import Job, RequestType
from storage.models import Timer
from storage.repos import outbox
from storage.repos.timers import TimerHandler
from vocabulary.settings import Settings


def _jobs(request_type: RequestType) -> dict[str, Job]:
    async def report(act: Act, timer: Timer) -> None:
        await reports.send(act, timer, request_type)

    return {reminders.REMIND: reminders.remind, reminders.ESCALATE: reminders.escalate,
            reports.REPORT: report, reports.DIGEST: report, attachments.PURGE: attachments.purge,
            member_notices.NOTICE: member_notices.send,
            **request_type.jobs}


def timer_kinds(request_type: RequestType) -> dict[str, Callable[[Settings], TimerHandler]]:
    """Every timer kind of the type, with what makes its handler from the settings."""

    def maker(job: Job) -> Callable[[Settings], TimerHandler]:
        def make(settings: Settings) -> TimerHandler:
            async def handler(session: AsyncSession, timer: Timer, now: datetime) -> None:
                act = Act(session, settings, now)
                await job(act, timer)
                await outbox.enqueue(session, act.out, now)

            return handler

        return make

    return {request_type.timer(suffix): maker(job)
            for suffix, job in _jobs(request_type).items()}
