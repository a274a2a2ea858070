"""The reduction-and-exemption rate per chi bo and per dang bo against the deployment's
average, read from the monthly summaries (counted again by a periodic job)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from babel.numbers import format_decimal
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.repos import summaries
from storage.repos.summaries import BranchFigures, ParentFigures, Totals
from vocabulary.messages import Msg
from vocabulary.settings import Settings


@dataclass(frozen=True)
class RateTable:
    """A month's rates: the chi bo asked for, the dang bo above them, and the average."""

    month: date
    branches: list[BranchFigures]
    parents: list[ParentFigures]
    average: Totals


def percent(value: float | None, language: str) -> str:
    """A rate as people write it ("14,9" in Vietnamese); a dash when there is no one."""
    if value is None:
        return "-"
    return format_decimal(value, format="0.0", locale=language)


async def ensure_fresh(session: AsyncSession, now: datetime, month: date) -> None:
    """Count the month when it has no figures yet; counting them again is the periodic
    job's (`recount`), not an officer's request's (seconds on a province)."""
    if await summaries.computed_at(session, month) is None:
        await summaries.refresh(session, month, now)


async def recount(db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
    """The periodic job (every CHIBOT_DESK_SUMMARY_MAX_AGE_MINUTES): this month's figures."""
    now = clock()
    async with db.session() as session:
        await summaries.refresh(session, summaries.month_of(now.astimezone(settings.tz).date()),
                                now)


async def rate_table(session: AsyncSession, settings: Settings, now: datetime,
                     branch_ids: Iterable[int] | None = None) -> RateTable:
    """Rates of these chi bo (or of every chi bo) and of the organisations right above them."""
    month = summaries.month_of(now.astimezone(settings.tz).date())
    await ensure_fresh(session, now, month)
    branches = await summaries.figures(session, month, branch_ids)
    parent_ids = None if branch_ids is None else {
        b.parent_id for b in branches if b.parent_id is not None}
    parents = await summaries.by_parent(session, month, parent_ids)
    return RateTable(month, branches, parents, await summaries.totals(session, month))


def rate_lines(table: RateTable, language: str) -> list[Msg]:
    """The table as chat lines: each chi bo, each dang bo, then the deployment's average."""
    lines = [Msg("desk.rates.head", month=table.month.strftime("%m/%Y"))]
    for item in table.branches:
        lines.append(Msg("desk.rates.branch", name=item.name, relieved=item.relieved,
                         members=item.members, reduced=item.reduced, exempted=item.exempted,
                         rate=percent(item.rate, language)))
        if item.away:
            lines.append(Msg("desk.rates.away", count=item.away))
    lines += [Msg("desk.rates.parent", name=p.name, rate=percent(p.rate, language),
                  relieved=p.relieved, members=p.members) for p in table.parents]
    lines.append(Msg("desk.rates.average", rate=percent(table.average.rate, language),
                     relieved=table.average.relieved, members=table.average.members))
    return lines
