"""The desk's list of the monthly topics sent and how many read them, counted by the topics
capability's own tally."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk.scope import Scope
from conversations.desk.sections import Row, Section
from conversations.desk.series import last_months
from conversations.topics import notice, reading
from storage.repos import topics
from vocabulary.messages import Msg

MONTHS = 12  # the topics rounds shown, up to this month's


async def _read_rows(session: AsyncSession, scope: Scope) -> list[Row]:
    """Per month sent, newest first: the items, readers of those reached, in percent."""
    rows: list[Row] = []
    for month in reversed(last_months(scope.today, MONTHS)):
        for branch_id in scope.branch_ids:
            round_ = await topics.round_of(session, branch_id, month.strftime("%Y-%m"))
            if round_ is None or round_.sent_at is None:
                continue
            # Those the round reached when it went out, not who has joined since.
            sent_on = round_.sent_at.astimezone(scope.settings.tz).date()
            found = await reading.tally(session, round_, sent_on)
            rate = round(100 * found.read / found.reached, 1) if found.reached else None
            rows.append((notice.month_label(round_.month), len(round_.items), found.read,
                         found.reached, rate))
    return rows


TOPIC_READS = Section("topic_reads", Msg("desk.section.topic_reads"),
                      (Msg("desk.col.month"), Msg("desk.col.items"), Msg("desk.col.read"),
                       Msg("desk.col.reached"), Msg("desk.col.read_rate")), _read_rows,
                      order=40, sheet=Msg("desk.sheet.topic_reads"))
