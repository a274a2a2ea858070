"""Queries of the monthly topics: which catalogue a chi bo studies, its items, its rounds."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Organisation,
    TopicActivation,
    TopicCatalogue,
    TopicItem,
    TopicRead,
    TopicRotation,
    TopicRound,
)
from storage.repos import orgs
from storage.topics.spec import default_catalogue


class Catalogues:
    """Which catalogue each organisation studies, read once for a whole tree: the nearest
    activation above it (a base committee's before its province's), else the default one."""

    def __init__(self, parents: dict[int, int | None], activated: dict[int, int],
                 default_id: int) -> None:
        self.parents, self.activated, self.default_id = parents, activated, default_id
        self._found: dict[int, int] = {}

    def of(self, org_id: int) -> int:
        path: list[int] = []
        current: int | None = org_id
        found = self.default_id
        while current is not None:
            if current in self._found:
                found = self._found[current]
                break
            path.append(current)
            if current in self.activated:
                found = self.activated[current]
                break
            current = self.parents.get(current)
        for org in path:
            self._found[org] = found
        return found


async def catalogues(session: AsyncSession, default_id: int) -> Catalogues:
    parents = {i: p for i, p in (await session.exec(
        select(Organisation.id, Organisation.parent_id))).all() if i is not None}
    activated = {a.org_id: a.catalogue_id for a in (await session.exec(
        select(TopicActivation))).all()}
    return Catalogues(parents, activated, default_id)


async def catalogue_of(session: AsyncSession, org_id: int, default_id: int) -> int:
    """The catalogue one organisation studies, reading only its own chain of parents."""
    org = await session.get(Organisation, org_id)
    if org is None:
        return default_id
    chain = [org, *await orgs.ancestors(session, org)]
    activated = {a.org_id: a.catalogue_id for a in (await session.exec(
        select(TopicActivation).where(col(TopicActivation.org_id).in_(
            [o.id for o in chain])))).all()}
    return next((activated[o.id] for o in chain if o.id in activated), default_id)


async def default_id(session: AsyncSession) -> int | None:
    found = await session.exec(select(TopicCatalogue.id)
                               .where(TopicCatalogue.code == default_catalogue().code))
    return found.first()


async def sendable(session: AsyncSession, catalogue_ids: Iterable[int]
                   ) -> dict[int, list[tuple[int, str]]]:
    """Per catalogue, the items that may be sent (verified, with text), in catalogue order."""
    query = (select(TopicItem.catalogue_id, TopicItem.id, TopicItem.code)
             .where(col(TopicItem.catalogue_id).in_(list(catalogue_ids)),
                    col(TopicItem.verified).is_(True), col(TopicItem.text_vi).is_not(None))
             .order_by(col(TopicItem.catalogue_id), col(TopicItem.position)))
    found: dict[int, list[tuple[int, str]]] = {}
    for catalogue_id, item_id, code in (await session.exec(query)).all():
        found.setdefault(catalogue_id, []).append((item_id or 0, code))
    return found


async def items(session: AsyncSession, ids: Iterable[int]) -> dict[int, TopicItem]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    found = await session.exec(select(TopicItem).where(col(TopicItem.id).in_(wanted)))
    return {i.id or 0: i for i in found.all()}


async def round_of(session: AsyncSession, branch_id: int, month: str) -> TopicRound | None:
    found = await session.exec(select(TopicRound).where(TopicRound.branch_id == branch_id,
                                                        TopicRound.month == month))
    return found.first()


async def rounds_in(session: AsyncSession, month: str) -> dict[int, TopicRound]:
    found = await session.exec(select(TopicRound).where(TopicRound.month == month))
    return {r.branch_id: r for r in found.all()}


async def rounds_of(session: AsyncSession, branch_ids: Iterable[int], month: str
                    ) -> dict[int, TopicRound]:
    """The rounds of these chi bo for `month` (one query; a day's meetings, not a province)."""
    wanted = list(set(branch_ids))
    if not wanted:
        return {}
    found = await session.exec(select(TopicRound).where(TopicRound.month == month,
                                                        col(TopicRound.branch_id).in_(wanted)))
    return {r.branch_id: r for r in found.all()}


async def rotation(session: AsyncSession, branch_id: int) -> TopicRotation | None:
    return await session.get(TopicRotation, branch_id)


async def rotations(session: AsyncSession) -> dict[int, TopicRotation]:
    return {r.branch_id: r for r in (await session.exec(select(TopicRotation))).all()}


async def readers(session: AsyncSession, round_id: int) -> set[int]:
    found = await session.exec(select(TopicRead.member_id).where(TopicRead.round_id == round_id))
    return set(found.all())
