"""The monthly round's rows written set-based: chi bo sharing a catalogue and a place in the
cycle form a group, and a round and a rotation row per chi bo are made from its group by
INSERT ... SELECT over two temporary tables (50,000 chi bo, a handful of groups)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Integer, MetaData, Table, literal, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import TopicRotation, TopicRound

_META = MetaData()
BATCH = Table("topic_batch", _META, Column("branch_id", Integer, primary_key=True),
              Column("grp", Integer, nullable=False),
              prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
GROUPS = Table("topic_group", _META, Column("grp", Integer, primary_key=True),
               Column("catalogue_id", Integer, nullable=False),
               Column("items", JSON, nullable=False), Column("message_id", Integer),
               Column("cycle", Integer, nullable=False), Column("sent", JSON, nullable=False),
               prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


@dataclass(frozen=True)
class Group:
    grp: int
    catalogue_id: int
    items: list[dict[str, Any]]
    message_id: int
    cycle: int  # the rotation once these items are sent
    sent: list[str]


async def write(session: AsyncSession, month: str, now: datetime, groups: list[Group],
                members: list[tuple[int, int]]) -> None:
    """A sent round and the moved rotation for each (branch_id, grp) in `members`."""
    if not members:
        return
    connection = await session.connection()
    dialect = connection.dialect.name
    await connection.run_sync(lambda sync: _META.create_all(sync, checkfirst=False))
    try:
        await connection.execute(GROUPS.insert(), [g.__dict__ for g in groups])
        await connection.execute(BATCH.insert(),
                                 [{"branch_id": b, "grp": g} for b, g in members])
        joined = BATCH.join(GROUPS, GROUPS.c.grp == BATCH.c.grp)
        rounds = TopicRound.__table__  # type: ignore[attr-defined]
        await connection.execute(rounds.insert().from_select(
            ["branch_id", "month", "catalogue_id", "items", "message_id", "sent_at",
             "created_at"],
            select(BATCH.c.branch_id, literal(month), GROUPS.c.catalogue_id, GROUPS.c["items"],
                   GROUPS.c.message_id, literal(now, rounds.c.sent_at.type),
                   literal(now, rounds.c.created_at.type)).select_from(joined)))
        rotation = TopicRotation.__table__  # type: ignore[attr-defined]
        insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(rotation)
        moved = insert.from_select(
            ["branch_id", "cycle", "sent", "updated_at"],
            # SQLite needs a WHERE here to read ON CONFLICT as the upsert's, not a join's
            select(BATCH.c.branch_id, GROUPS.c.cycle, GROUPS.c.sent,
                   literal(now, rotation.c.updated_at.type)).select_from(joined).where(true()))
        await connection.execute(moved.on_conflict_do_update(
            index_elements=["branch_id"],
            set_={"cycle": moved.excluded.cycle, "sent": moved.excluded.sent,
                  "updated_at": moved.excluded.updated_at}))
    finally:
        if dialect != "postgresql":  # PostgreSQL drops them at commit
            await connection.run_sync(lambda sync: _META.drop_all(sync, checkfirst=False))
