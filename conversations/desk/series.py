"""Monthly series a chart shows against a target: pluggable, like the lists.

The desk adds attendance per month from the meetings data (attendance.py, against
CHIBOT_ATTENDANCE_TARGET_PERCENT): `add_series(MonthlySeries("attendance", ...))`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk.charts import Months
from conversations.desk.scope import Scope
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings

# The months asked for (first days, oldest first) -> a percent per month, None when unknown.
ValuesFn = Callable[[AsyncSession, Scope, list[date]], Awaitable[dict[date, float | None]]]


@dataclass(frozen=True)
class MonthlySeries:
    id: str
    title: Msg
    target: Callable[[Settings], float | None]
    values: ValuesFn
    order: int = 0


_SERIES: dict[str, MonthlySeries] = {}


def add_series(series: MonthlySeries) -> None:
    _SERIES[series.id] = series


def all_series() -> list[MonthlySeries]:
    return sorted(_SERIES.values(), key=lambda s: (s.order, s.id))


def series(series_id: str) -> MonthlySeries | None:
    return _SERIES.get(series_id)


def last_months(today: date, count: int) -> list[date]:
    """The first days of the `count` months up to today's, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


async def monthly_chart(session: AsyncSession, chosen: MonthlySeries, scope: Scope,
                        render: Renderer) -> Months:
    """The series' last months (one bar each, at most CHIBOT_DESK_CHART_BARS) to draw."""
    months = last_months(scope.today, scope.settings.desk_chart_bars)
    values = await chosen.values(session, scope, months)
    target = chosen.target(scope.settings)
    label = render(Msg("desk.chart.target", target=f"{target:g}")) if target is not None else ""
    return Months(render(chosen.title), [m.strftime("%m/%y") for m in months],
                  [values.get(m) for m in months], target, label)
