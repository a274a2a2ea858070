"""A roster may list members already away (place, since, until, arrangement): their away
records open once, with the question after the expected return; bad away cells are errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import col, select

from storage.db import Database
from storage.models import AwayArrangement, AwayRecord, Organisation, Timer
from tests.storage.test_roster_import import HEADERS, row, run_import, tree, write_csv  # noqa: F401
from tests.support import FakeClock

AWAY = {"away_place": "Nơi đang ở xa", "away_since": "Ở xa từ ngày",
        "away_until": "Dự kiến về", "away_arrangement": "Hình thức ở xa"}
FIELDS = [*HEADERS, *AWAY]


def away_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    HEADERS.update(AWAY)
    try:
        return write_csv(path, rows, fields=FIELDS)
    finally:
        for key in AWAY:
            HEADERS.pop(key)


async def opened(db: Database) -> list[AwayRecord]:
    async with db.session() as session:
        return list((await session.exec(select(AwayRecord).order_by(col(AwayRecord.id)))).all())


async def test_members_already_away_are_recorded_once(
    db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path  # noqa: F811
) -> None:
    path = away_csv(tmp_path / "roster.csv", [
        row("DV001"),
        row("DV002", "Trần Thị Bình", away_place="Bình Dương", away_since="01/09/2026",
            away_until="28/02/2027", away_arrangement="Tạm miễn"),
        row("DV003", "Lê Văn Cường", away_place="Đà Nẵng", away_since="15/10/2026")])

    report = await run_import(db, path, clock)
    assert report.ok, report.errors
    assert report.away == 2
    first, second = await opened(db)
    assert (first.place, first.starts_on, first.ends_on, first.arrangement) == (
        "Bình Dương", date(2026, 9, 1), date(2027, 2, 28), AwayArrangement.SUSPEND)
    assert (second.arrangement, second.ends_on) == (AwayArrangement.INFORM, None)
    async with db.session() as session:
        kinds = {t.kind for t in (await session.exec(select(Timer))).all()}
    assert kinds == {"away-overdue", "away-dues"}

    again = await run_import(db, path, clock)
    assert again.away == 0
    assert len(await opened(db)) == 2


async def test_bad_away_cells_are_reported_and_nothing_is_written(
    db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path  # noqa: F811
) -> None:
    path = away_csv(tmp_path / "roster.csv", [
        row("DV001", away_since="01/09/2026"),
        row("DV002", "Trần Thị Bình", away_place="Huế", away_since="01/09/2026",
            away_until="01/08/2026"),
        row("DV003", "Lê Văn Cường", away_place="Huế", away_since="01/09/2026",
            away_arrangement="Chuyển tạm thời"),
        row("DV004", "Phan Văn Dũng", away_place="Huế", away_since="01/09/2026",
            away_arrangement="đi chơi", away_until="01/01/2027")])

    report = await run_import(db, path, clock)
    found = sorted((e.row, e.column, e.message) for e in report.errors)
    assert found == [
        (2, "Nơi đang ở xa", "a value is required"),
        (3, "Dự kiến về", "01/08/2026 is not after 01/09/2026"),
        (4, "Dự kiến về", "required unless the chi bo was only informed"),
        (5, "Hình thức ở xa", "'đi chơi' is not understood: write one of Báo chi bộ, "
                              "Tạm miễn sinh hoạt, Chuyển sinh hoạt tạm thời"),
    ]
    assert await opened(db) == []
