"""Reliefs already in force come in with the roster: the members are reduced or exempted from
then on, the period's end and the yearly review are set as for a decision taken in the bot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import col, select

from storage.db import Database
from storage.models import MemberStatus, Organisation, Request, RequestStatus, Timer
from tests.storage.test_roster_import import (  # noqa: F401  (fixture)
    HEADERS,
    row,
    run_import,
    stored,
    tree,
    write_csv,
)
from tests.support import FakeClock

RELIEF = {"relief_kind": "Giảm/miễn sinh hoạt", "relief_reason": "Lý do giảm/miễn",
          "relief_since": "Giảm/miễn từ ngày", "relief_until": "Giảm/miễn đến ngày",
          "relief_decided_on": "Ngày quyết định giảm/miễn",
          "relief_decision_no": "Số quyết định giảm/miễn"}
FIELDS = [*HEADERS, *RELIEF]


def with_reliefs(path: Path, rows: list[dict[str, str]]) -> Path:
    HEADERS.update(RELIEF)
    try:
        return write_csv(path, rows, fields=FIELDS)
    finally:
        for key in RELIEF:
            HEADERS.pop(key)


async def reliefs(db: Database) -> list[Request]:
    async with db.session() as session:
        return list((await session.exec(select(Request).order_by(col(Request.id)))).all())


async def timers(db: Database) -> set[str]:
    async with db.session() as session:
        return {t.key.rsplit(":", 1)[0] if t.kind == "exemption-review" else t.kind
                for t in (await session.exec(select(Timer))).all()}


async def test_current_reliefs_are_brought_in_with_their_decisions(
        db: Database, tree: dict[str, Organisation], clock: FakeClock,  # noqa: F811
        tmp_path: Path) -> None:
    path = with_reliefs(tmp_path / "roster.csv", [
        row("DV001", relief_kind="miễn", relief_reason="Tuổi cao, sức khỏe yếu",
            relief_since="01/03/2024", relief_decided_on="28/02/2024",
            relief_decision_no="12-NQ/CB"),
        row("DV002", "Trần Thị Bình", relief_kind="miễn", relief_reason="thai sản",
            relief_since="01/10/2026", relief_until="31/03/2027"),
        row("DV003", "Lê Văn Cường", relief_kind="giảm", relief_reason="sức khỏe",
            relief_since="15/12/2026"),  # decided, not yet begun
        row("DV004", "Phạm Văn Dũng"),
    ])

    report = await run_import(db, path, clock)

    assert report.ok, report.errors
    assert report.reliefs == 3
    members = await stored(db)
    assert members["DV001"].status == MemberStatus.EXEMPTED
    assert members["DV002"].status == MemberStatus.EXEMPTED
    assert members["DV003"].status == MemberStatus.ACTIVE  # from 15/12 on
    assert members["DV004"].status == MemberStatus.ACTIVE
    first, second, third = await reliefs(db)
    assert (first.kind, first.reason, first.status, first.ends_on) == (
        "exemption", "health", RequestStatus.APPROVED, None)
    assert first.detail == {"imported": True, "decision_no": "12-NQ/CB",
                            "decided_on": "2024-02-28"}
    assert (second.reason, second.starts_on, second.ends_on) == (
        "maternity", date(2026, 10, 1), date(2027, 3, 31))
    assert (third.kind, third.starts_on) == ("reduction", date(2026, 12, 15))
    assert await timers(db) == {f"exemption-review:{first.id}", "exemption-end",
                                "exemption-start", f"exemption-review:{third.id}"}

    again = await run_import(db, path, clock)  # a relief already in force is kept, not doubled
    assert (again.ok, again.reliefs) == (True, 0)
    assert len(await reliefs(db)) == 3


async def test_a_relief_with_bad_cells_is_refused_and_nothing_written(
        db: Database, tree: dict[str, Organisation], clock: FakeClock,  # noqa: F811
        tmp_path: Path) -> None:
    path = with_reliefs(tmp_path / "roster.csv", [
        row("DV001", relief_kind="nghỉ", relief_reason="sức khỏe", relief_since="01/03/2024"),
        row("DV002", relief_kind="miễn", relief_reason="thai sản", relief_since="01/10/2026"),
        row("DV003", relief_kind="miễn", relief_reason="sức khỏe", relief_since="01/03/2024",
            relief_until="01/03/2027"),
        row("DV004", relief_kind="miễn", relief_reason="thai sản", relief_since="01/03/2026",
            relief_until="01/09/2026"),
        row("DV005", relief_kind="miễn"),
    ])

    report = await run_import(db, path, clock)

    problems = [str(e) for e in report.errors]
    assert any("row 2" in p and "'nghỉ' is not understood" in p for p in problems)
    assert any("row 3" in p and "required for a fixed-period reason" in p for p in problems)
    assert any("row 4" in p and "has no end date" in p for p in problems)
    assert any("row 5" in p and "the relief ended on 01/09/2026" in p for p in problems)
    assert any("row 6" in p and "Lý do giảm/miễn" in p and "required" in p for p in problems)
    assert await stored(db) == {}
