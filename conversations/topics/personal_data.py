"""The member's private reflections in "my data" and its copy (political views)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.topics import notice
from storage.models import Member, TopicItem, TopicReflection, TopicRound
from storage.personal_data import Row, Section
from vocabulary.messages import Msg
from vocabulary.settings import Settings


async def read(session: AsyncSession, member: Member, settings: Settings) -> list[Row]:
    """Every reflection the member wrote, oldest first, with whether it is shared."""
    del settings
    query = (select(TopicReflection, TopicItem.code, TopicRound.month)
             .join(TopicItem, col(TopicItem.id) == TopicReflection.item_id)
             .join(TopicRound, col(TopicRound.id) == TopicReflection.round_id)
             .where(TopicReflection.member_id == member.id)
             .order_by(col(TopicReflection.created_at)))
    return [{"month": month, "code": code, "shared_with_secretary": r.shared, "text": r.text,
             "written_at": r.created_at} for r, code, month in (await session.exec(query)).all()]


def lines(rows: list[Row]) -> list[Msg]:
    return [Msg("topics.mine.line", month=notice.month_label(r["month"]), code=r["code"],
                share=Msg("topics.mine.shared") if r["shared_with_secretary"]
                else Msg("topics.mine.private"), text=r["text"]) for r in rows]


SECTION = Section("reflections", read, Msg("mydata.reflections_title"), lines)
