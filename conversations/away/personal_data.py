"""The member's whereabouts in "my data" and its copy (they are personal data)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member
from storage.personal_data import Row, Section
from storage.repos import away
from vocabulary.messages import Msg
from vocabulary.settings import Settings


async def read(session: AsyncSession, member: Member, settings: Settings) -> list[Row]:
    """Every away record of the member, latest first."""
    del settings
    return [{"place": r.place, "arrangement": r.arrangement, "reason": r.reason,
             "contact_phone": r.contact_phone, "starts_on": r.starts_on, "ends_on": r.ends_on,
             "host": r.host_name, "arrived_on": r.arrived_on, "returned_on": r.returned_on}
            for r in await away.of_member(session, member.id or 0)]


def lines(rows: list[Row]) -> list[Msg]:
    return [Msg("mydata.away", place=r["place"], start=r["starts_on"],
                end=r["returned_on"] or r["ends_on"] or Msg("mydata.away_open"))
            for r in rows]


SECTION = Section("whereabouts", read, Msg("mydata.away_title"), lines)
