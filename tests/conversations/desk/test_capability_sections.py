"""The lists other capabilities keep, on the desk: members away, absences this year with
Article 8's flags, topics read; and attendance by month as a chart."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from conversations.desk import charts
from storage.db import Database
from storage.models import (
    Attendance,
    AwayArrangement,
    AwayRecord,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    Member,
    TopicCatalogue,
    TopicRead,
    TopicRound,
)
from tests import factories as f
from tests.conversations.desk.conftest import Desk, open_desk, reach
from tests.conversations.desk.test_files import sent_file
from tests.support import Chat

P, E, U = Attendance.PRESENT, Attendance.EXCUSED, Attendance.UNEXCUSED
# Regular meetings of Chi bộ ấp Bình Minh: who came, who was excused, who missed without reason.
MARKS = {
    "2025-12": {"M-005": U},  # last year: not counted in 2026
    "2026-08": {"S-001": P, "M-005": U, "M-006": P, "M-004": P, "M-002": P, "M-003": P},
    "2026-09": {"S-001": P, "M-005": U, "M-006": U, "M-004": E, "M-002": P, "M-003": P},
    "2026-10": {"S-001": P, "M-005": U, "M-006": U, "M-004": E, "M-002": P, "M-003": P},
    "2026-11": {"S-001": P, "M-005": P, "M-006": P, "M-004": E, "M-002": P, "M-003": P},
}


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def _ids(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {m.roster_id: m.id or 0 for m in (await session.exec(select(Member))).all()}


async def _meeting(db: Database, org_id: int, period: str, marks: dict[int, Attendance],
                   *, marked: bool = True, uncounted: tuple[int, ...] = ()) -> None:
    year, month = (int(part) for part in period.split("-"))
    starts = datetime(year, month, 5, 12, 30, tzinfo=UTC)
    async with db.session() as session:
        meeting = Meeting(org_id=org_id, kind=MeetingKind.REGULAR, period=period,
                          starts_at=starts, created_at=starts,
                          marked_at=starts if marked else None)
        session.add(meeting)
        await session.flush()
        for member_id, mark in marks.items():
            session.add(MeetingAttendee(meeting_id=meeting.id or 0, member_id=member_id,
                                        attendance=mark if marked else None,
                                        counted=member_id not in uncounted))


async def _away(db: Database, member_id: int, branch_id: int, arrangement: AwayArrangement,
                place: str, starts: date, ends: date | None, contact: date,
                returned: date | None = None, host: int | None = None) -> None:
    async with db.session() as session:
        session.add(AwayRecord(member_id=member_id, branch_id=branch_id, arrangement=arrangement,
                               place=place, reason="work", starts_on=starts, ends_on=ends,
                               returned_on=returned, host_org_id=host,
                               last_contact_at=_at(contact),
                               created_at=_at(starts)))


async def _round(db: Database, branch_id: int, month: str, items: int, readers: list[int],
                 catalogue_id: int, sent: bool = True) -> None:
    year, number = (int(part) for part in month.split("-"))
    sent_at = datetime(year, number, 5, 2, tzinfo=UTC)
    async with db.session() as session:
        round_ = TopicRound(branch_id=branch_id, month=month, catalogue_id=catalogue_id,
                            items=[{"item": n, "code": f"{n}", "cycle": 1}
                                   for n in range(1, items + 1)],
                            sent_at=sent_at if sent else None, created_at=sent_at)
        session.add(round_)
        await session.flush()
        for member_id in readers:
            session.add(TopicRead(round_id=round_.id or 0, member_id=member_id, read_at=sent_at))


@pytest.fixture
async def lives(db: Database, desk: Desk) -> Desk:
    """Bình Minh: two away (one overdue), one back home; Tân Hòa: one away. Four months of
    meetings in 2026 and one in 2025; two rounds of topics sent, one not yet."""
    ids = await _ids(db)
    a, b = desk.a.id or 0, desk.b.id or 0
    await _away(db, ids["M-009"], a, AwayArrangement.INFORM, "Bình Dương",
                date(2026, 11, 1), None, date(2026, 11, 2))
    await _away(db, ids["M-008"], a, AwayArrangement.SUSPEND, "TP. Hồ Chí Minh",
                date(2026, 5, 1), date(2026, 10, 31), date(2026, 9, 15))
    await _away(db, ids["M-010"], a, AwayArrangement.INFORM, "Hà Nội", date(2026, 3, 1),
                date(2026, 4, 1), date(2026, 4, 1), returned=date(2026, 4, 1))
    await _away(db, ids["T-002"], b, AwayArrangement.INFORM, "Đà Nẵng", date(2026, 10, 1),
                None, date(2026, 10, 1))
    # Tân Hòa's member sent to Bình Minh for a while: he gets Bình Minh's topics.
    async with db.session() as session:
        hosted = await session.get(Member, ids["T-004"])
    assert hosted is not None
    await f.link(db, hosted, "t4")
    await _away(db, ids["T-004"], b, AwayArrangement.TRANSFER, "ấp Bình Minh",
                date(2026, 9, 1), None, date(2026, 9, 1), host=a)
    for period, marks in MARKS.items():
        await _meeting(db, a, period, {ids[r]: mark for r, mark in marks.items()},
                       uncounted=(ids["M-003"],) if period == "2026-09" else ())
    await _meeting(db, a, "2026-07", {ids["S-001"]: P}, marked=False)
    await _meeting(db, b, "2026-11", {ids["T-002"]: U, ids["T-003"]: U})
    async with db.session() as session:
        catalogue = TopicCatalogue(code="04-NQ/TW", title="27 biểu hiện", imported_at=_at(
            date(2026, 1, 1)))
        session.add(catalogue)
        await session.flush()
        catalogue_id = catalogue.id or 0
    readers = [ids[r] for r in ("S-001", "M-002", "M-003", "M-004", "M-007", "M-008", "T-004")]
    await _round(db, a, "2026-10", 3, readers[:3], catalogue_id)
    await _round(db, a, "2026-11", 2, readers, catalogue_id)
    await _round(db, a, "2026-09", 2, [], catalogue_id, sent=False)
    await _round(db, b, "2026-11", 2, [ids["S-101"]], catalogue_id)
    return desk


async def test_away_absences_and_topics_read_are_listed_in_chat(
        chat: Chat, lives: Desk) -> None:
    await open_desk(chat, lives.sec)
    away = await chat.tap(lives.sec, await reach(chat, lives.sec, "đi làm ăn xa"))
    assert "Đảng viên đang đi làm ăn xa: 2" in away
    overdue = ("Đảng viên 8 · TP. Hồ Chí Minh · 01/05/2026 · 31/10/2026 · tạm miễn sinh hoạt "
               "đảng khi đi làm ăn xa · quá hạn về · 15/09/2026")
    assert overdue in away
    assert "Đảng viên 9 · Bình Dương · 01/11/2026 · chưa rõ" in away
    assert away.index("Đảng viên 8") < away.index("Đảng viên 9")  # overdue first
    assert "Hà Nội" not in away  # back home
    assert "Đà Nẵng" not in away  # another chi bộ's
    absences = await chat.tap(lives.sec, await reach(chat, lives.sec, "Vắng sinh hoạt"))
    assert "Họ và tên · Vắng có lý do · Vắng không lý do" in absences
    assert "1. Lý Văn Tâm · 0 · 3 · 3 · đủ 3 tháng: chi bộ xem xét đề nghị xóa tên · -" \
        in absences
    assert "2. Phan Thị Út · 0 · 2 · 2 · cảnh báo: 2/3 tháng · -" in absences
    assert "3. Ngô Thị Hạnh · 3 · 0 · 0 · - · vắng có lý do 3 buổi liên tiếp" in absences
    assert "Đỗ Văn Long" not in absences
    topics = await chat.tap(lives.sec, await reach(chat, lives.sec, "số đồng chí đã đọc"))
    # Reached: Bình Minh's nine linked members (the away ones too; not who left) and the one
    # it hosts.
    assert "1. 11/2026 · 2 · 7 · 10 · 70.0" in topics
    assert "2. 10/2026 · 3 · 3 · 10 · 30.0" in topics
    assert "9/2026" not in topics  # planned, never sent


async def test_the_workbook_has_a_sheet_for_each(chat: Chat, lives: Desk) -> None:
    await open_desk(chat, lives.sec)
    await chat.tap(lives.sec, await reach(chat, lives.sec, "Bảng tính Excel"))
    _ref, content = sent_file(chat, lives.sec)
    book = load_workbook(io.BytesIO(content))
    away = list(book["Đi làm ăn xa"].iter_rows(values_only=True))
    assert away[0] == ("Họ và tên", "Nơi ở, làm việc", "Từ ngày", "Đến ngày", "Hình thức",
                       "Tình trạng", "Liên lạc gần nhất")
    assert [row[0] for row in away[1:]] == ["Đảng viên 8", "Đảng viên 9"]
    assert away[1][3].date() == date(2026, 10, 31)
    assert away[2][3] == "chưa rõ"
    assert away[2][6].date() == date(2026, 11, 2)
    absences = list(book["Vắng sinh hoạt"].iter_rows(values_only=True))
    assert [row[:4] for row in absences[1:]] == [
        ("Lý Văn Tâm", 0, 3, 3), ("Phan Thị Út", 0, 2, 2), ("Ngô Thị Hạnh", 3, 0, 0)]
    assert absences[1][4].startswith("đủ 3 tháng")
    reads = list(book["Chủ đề đã đọc"].iter_rows(values_only=True))
    assert reads[1:] == [("11/2026", 2, 7, 10, 70.0), ("10/2026", 3, 3, 10, 30.0)]


async def test_attendance_by_month_is_drawn_against_85_percent(
        chat: Chat, lives: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[charts.Months] = []
    draw = charts.draw_months

    def recording(months: charts.Months) -> bytes:
        drawn.append(months)
        return draw(months)

    monkeypatch.setattr(charts, "draw_months", recording)
    await open_desk(chat, lives.sec)
    await chat.tap(lives.sec, await reach(chat, lives.sec, "dự sinh hoạt theo tháng"))
    [months] = drawn
    assert months.labels[0] == "12/25"
    assert months.labels[-1] == "11/26"
    values = dict(zip(months.labels, months.values, strict=True))
    assert values["12/25"] == 0.0  # the one expected missed it
    assert values["07/26"] is None  # not marked yet: a gap, not zero
    assert (values["08/26"], values["09/26"], values["10/26"], values["11/26"]) == (
        83.3, 40.0, 50.0, 83.3)  # September: Long was not counted
    assert values["06/26"] is None
    assert months.target == 85.0
    assert months.target_label == "Chỉ tiêu: 85%"
    ref, content = sent_file(chat, lives.sec)
    assert ref.mime_type == "image/png"
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(content) > 10_000


async def test_another_chi_bos_officers_see_only_their_own(chat: Chat, lives: Desk) -> None:
    await open_desk(chat, lives.sec_b)
    away = await chat.tap(lives.sec_b, await reach(chat, lives.sec_b, "đi làm ăn xa"))
    assert "Đà Nẵng" in away
    assert "Đảng viên 8" not in away
    assert "Bình Dương" not in away
    absences = await chat.tap(lives.sec_b, await reach(chat, lives.sec_b, "Vắng sinh hoạt"))
    assert "Lý Văn Tâm" not in absences
    assert "Đảng viên Tân Hòa 2 · 0 · 1 · 1 · - · -" in absences
    topics = await chat.tap(lives.sec_b, await reach(chat, lives.sec_b, "số đồng chí đã đọc"))
    assert "1. 11/2026 · 2 · 1 · 2 · 50.0" in topics  # not the one Bình Minh hosts
    assert "10/2026" not in topics
    # A base committee member drills down: each chi bộ's own list.
    await open_desk(chat, lives.base_member)
    await chat.tap(lives.base_member, await reach(chat, lives.base_member, "Bình Minh"))
    shown = await chat.tap(lives.base_member, await reach(chat, lives.base_member, "đi làm ăn xa"))
    assert "Đảng viên 8" in shown
    assert "Đà Nẵng" not in shown
