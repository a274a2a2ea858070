"""The desk's list of members away, read from the away capability's own listing."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk.scope import Scope
from conversations.desk.sections import Row, Section
from storage.repos import away
from vocabulary.messages import Msg


async def _away_rows(session: AsyncSession, scope: Scope) -> list[Row]:
    """Where, since, until, how, the state and the last contact; overdue members first."""
    rows: list[Row] = []
    for record, member in await away.listing(session, scope.branch_ids, scope.today):
        rows.append((member.full_name, record.place, record.starts_on,
                     record.ends_on or Msg("away.summary.unsure"),
                     Msg(f"away.kind.{record.arrangement}"),
                     Msg(f"away.state.{away.state(record, scope.today)}"),
                     record.last_contact_at.astimezone(scope.settings.tz).date()))
    return rows


AWAY = Section("away", Msg("desk.section.away"),
               (Msg("desk.col.name"), Msg("desk.col.place"), Msg("desk.col.since"),
                Msg("desk.col.until"), Msg("desk.col.arrangement"), Msg("desk.col.state"),
                Msg("desk.col.last_contact")), _away_rows, order=20,
               sheet=Msg("desk.sheet.away"))
