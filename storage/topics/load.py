"""Writing a checked catalogue: new items appended in file order, known codes updated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OrgKind, TopicActivation, TopicCatalogue, TopicItem
from storage.repos import orgs
from storage.topics.spec import CatalogueSpec, default_catalogue

# A catalogue is activated where a province's list applies: the province or a base organisation.
ACTIVATABLE = (OrgKind.PROVINCE, OrgKind.BASE_COMMITTEE, OrgKind.BASE_BRANCH)
ITEM_FIELDS = ("group", "parent_code", "text_vi", "text_en", "source", "source_date",
               "source_link", "verified")


@dataclass
class LoadReport:
    catalogue: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def load(session: AsyncSession, spec: CatalogueSpec, now: datetime) -> LoadReport:
    """Create or update the catalogue and its items (nothing is deleted)."""
    found = await session.exec(select(TopicCatalogue).where(TopicCatalogue.code == spec.code))
    catalogue = found.first()
    if catalogue is None:
        catalogue = TopicCatalogue(code=spec.code, title=spec.title, imported_at=now)
    catalogue.title, catalogue.imported_at = spec.title, now
    catalogue.issuer = spec.issuer or catalogue.issuer
    catalogue.issued_on = spec.issued_on or catalogue.issued_on
    session.add(catalogue)
    await session.flush()
    existing = {i.code: i for i in (await session.exec(
        select(TopicItem).where(TopicItem.catalogue_id == catalogue.id))).all()}
    last = await session.exec(select(func.max(TopicItem.position))
                              .where(TopicItem.catalogue_id == catalogue.id))
    position = last.first() or 0
    report = LoadReport(spec.code)
    for spec_item in spec.items:
        values = {name: getattr(spec_item, name) for name in ITEM_FIELDS}
        item = existing.get(spec_item.code)
        if item is None:
            position += 1
            session.add(TopicItem(catalogue_id=catalogue.id or 0, position=position,
                                  code=spec_item.code, **values))
            report.created += 1
        elif any(getattr(item, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(item, name, value)
            report.updated += 1
        else:
            report.unchanged += 1
    await session.flush()
    return report


async def ensure_default(session: AsyncSession, now: datetime) -> TopicCatalogue:
    """The shipped catalogue of the 27, loaded once (an import may have given it texts since)."""
    spec = default_catalogue()
    found = await session.exec(select(TopicCatalogue).where(TopicCatalogue.code == spec.code))
    catalogue = found.first()
    if catalogue is None:
        await load(session, spec, now)
        catalogue = (await session.exec(
            select(TopicCatalogue).where(TopicCatalogue.code == spec.code))).one()
    return catalogue


async def activate(session: AsyncSession, catalogue_code: str, org_code: str,
                   now: datetime) -> str | None:
    """Make an organisation study a catalogue; returns what is wrong, or None."""
    found = await session.exec(select(TopicCatalogue).where(TopicCatalogue.code == catalogue_code))
    catalogue = found.first()
    if catalogue is None:
        return f"no catalogue {catalogue_code!r}"
    org = await orgs.by_code(session, org_code)
    if org is None:
        return f"no organisation {org_code!r}"
    if org.kind not in ACTIVATABLE:
        return (f"{org_code} is a {org.kind}: a catalogue is activated for a province "
                "or a base organisation")
    activation = await session.get(TopicActivation, org.id)
    if activation is None:
        activation = TopicActivation(org_id=org.id or 0, catalogue_id=catalogue.id or 0,
                                     activated_at=now)
    activation.catalogue_id, activation.activated_at = catalogue.id or 0, now
    session.add(activation)
    return None
