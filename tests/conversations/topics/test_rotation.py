"""Which items a chi bo gets month after month: cycles, a new catalogue, too few texts."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from storage.db import Database
from storage.models import OutboxMessage, TopicCatalogue, TopicRound
from storage.repos import topics as repo
from storage.topics import load
from storage.topics.spec import CatalogueSpec, ItemSpec
from tests.conversations.topics.conftest import DEC_1, Branch, send
from vocabulary.settings import Settings


async def _codes(db: Database, month: str) -> list[str]:
    async with db.session() as session:
        found = await session.exec(select(TopicRound).where(TopicRound.month == month))
        return [p["code"] for p in found.one().items]


async def _catalogue(db: Database, code: str, items: list[tuple[str, str]], org: str) -> None:
    spec = CatalogueSpec(code, f"Danh mục {code}", "Tỉnh ủy", date(2023, 5, 1), [
        ItemSpec(f"line {n}", c, "A", text, verified=True, source="Văn bản của tỉnh")
        for n, (c, text) in enumerate(items, start=2)])
    async with db.session() as session:
        await load.load(session, spec, DEC_1)
        assert await load.activate(session, code, org, DEC_1) is None


async def test_cycles_go_through_every_sendable_item_before_repeating(
        db: Database, settings: Settings, org: Branch) -> None:
    for month in ("2026-12", "2027-01", "2027-02", "2027-03"):
        await send(db, settings, month, DEC_1)
    assert await _codes(db, "2026-12") == ["A1", "A2", "A3"]
    assert await _codes(db, "2027-01") == ["C1", "C2", "C3"]
    assert await _codes(db, "2027-02") == ["C4", "C5", "A1"]  # A1 opens the second cycle
    assert await _codes(db, "2027-03") == ["A2", "A3", "C1"]


async def test_the_number_a_month_is_a_setting(
        db: Database, settings: Settings, org: Branch) -> None:
    settings.topics_per_month = 2
    await send(db, settings, "2026-12", DEC_1)
    assert await _codes(db, "2026-12") == ["A1", "A2"]


async def test_a_new_catalogue_mid_cycle_starts_at_its_first_item_not_yet_sent(
        db: Database, settings: Settings, org: Branch) -> None:
    await send(db, settings, "2026-12", DEC_1)  # A1, A2, A3 from the default catalogue
    await _catalogue(db, "TV-82", [("A2", "Nội dung một"), ("P1", "Nội dung hai"),
                                   ("P2", "Nội dung ba"), ("P3", "Nội dung bốn")], "TV")
    await send(db, settings, "2027-01", DEC_1)
    assert await _codes(db, "2027-01") == ["P1", "P2", "P3"]


async def test_the_base_committees_catalogue_wins_over_the_provinces(
        db: Database, settings: Settings, org: Branch) -> None:
    await _catalogue(db, "TV-82", [("P1", "Một"), ("P2", "Hai"), ("P3", "Ba")], "TV")
    await _catalogue(db, "AH-1", [("X1", "Một"), ("X2", "Hai"), ("X3", "Ba")], "DU-AH")
    await send(db, settings, "2026-12", DEC_1)
    assert await _codes(db, "2026-12") == ["X1", "X2", "X3"]
    async with db.session() as session:  # as the chat shows it, reading one chain of parents
        catalogue = await repo.catalogue_of(session, org.branch.id or 0, 0)
        assert (await session.get(TopicCatalogue, catalogue)).code == "AH-1"  # type: ignore[union-attr]


async def test_too_few_texts_sends_those_and_tells_the_secretary_and_the_administrator(
        db: Database, settings: Settings, org: Branch) -> None:
    settings.topics_administrators = ["B-001"]
    await _catalogue(db, "AH-1", [("X1", "Nội dung duy nhất")], "DU-AH")
    report = await send(db, settings, "2026-12", DEC_1)
    assert await _codes(db, "2026-12") == ["X1"]
    assert report.short == [org.branch.id]
    async with db.session() as session:
        found = (await session.exec(select(OutboxMessage))).all()
    told = sorted((m.payload["body"][0]["key"], m.member_id) for m in found
                  if m.dedupe_key.startswith("topics-short"))
    assert told == [("topics.short.admin", org.base_member.id),  # only the short chi bo's
                    ("topics.short.branch", org.secretary.id)]  # leaders, each told once
