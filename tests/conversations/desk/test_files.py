"""The workbook, the chart and the DOCX drafts: opened and checked against the data."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from openpyxl import load_workbook

from conversations.desk.drafts import BLANK
from storage.db import Database
from storage.files import FileStore
from storage.repos import audit
from tests.conversations.desk.conftest import Desk, open_desk, reach
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings
from vocabulary.types import ChannelInfo, FileRef


def sent_file(chat: Chat, person: Person) -> tuple[FileRef, bytes]:
    """The last file sent to this person, as stored for the channel to upload or link."""
    for chat_id, message in reversed(chat.sender.sent):
        if chat_id == person.chat_id and message.attachment is not None:
            ref = message.attachment
            content = FileStore.of(chat.settings).read(ref.path)
            assert content is not None, "the sent file is gone from the store"
            return ref, content
    raise AssertionError("no file was sent")


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_the_workbook_holds_the_lists_and_the_rates(chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "Bảng tính Excel"))
    ref, content = sent_file(chat, desk.sec)
    assert ref.name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(content))
    relief = list(book.worksheets[0].iter_rows(values_only=True))
    assert relief[0] == ("Họ và tên", "Giảm/miễn", "Từ ngày", "Đến ngày", "Xem xét lại")
    by_name = {row[0]: row for row in relief[1:]}
    assert set(by_name) == {"Trần Thị Mai", "Đỗ Văn Long", "Ngô Thị Hạnh"}
    assert by_name["Đỗ Văn Long"][1] == "miễn"
    assert by_name["Đỗ Văn Long"][3].date().isoformat() == "2027-02-28"
    assert by_name["Trần Thị Mai"][3] == "không thời hạn"
    unlinked = list(book["Chưa kết nối"].iter_rows(values_only=True))
    assert [row[0] for row in unlinked[1:]] == ["Lý Văn Tâm"]
    rates = list(book["Tỷ lệ theo chi bộ"].iter_rows(values_only=True))
    assert rates[1][:7] == ("CB-BM", "Chi bộ ấp Bình Minh", 10, 1, 2, 3, 30.0)
    assert rates[-1][2] == 16
    assert rates[-1][5] == 3
    assert rates[-1][6] == 18.75
    parents = list(book["Tỷ lệ theo đảng bộ"].iter_rows(values_only=True))
    assert parents[1][:5] == ("DU-AH", "Đảng bộ xã An Hòa", 16, 3, 18.75)


async def test_every_export_is_audited(chat: Chat, desk: Desk, db: Database) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "Bảng tính Excel"))
    await chat.tap(desk.sec, await reach(chat, desk.sec, "Biểu đồ"))
    await chat.tap(desk.sec, await reach(chat, desk.sec, "báo cáo lên cấp ủy"))
    async with db.session() as session:
        entries = await audit.entries(session, "desk.export")
    assert [(e.detail["output"], e.subject_id) for e in entries] == [
        ("xlsx", str(desk.a.id)), ("rate_chart", str(desk.a.id)), ("report", str(desk.a.id))]


async def test_the_rate_chart_arrives_as_a_png(chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "Biểu đồ"))
    ref, content = sent_file(chat, desk.sec)
    assert ref.mime_type == "image/png"
    assert content.startswith(b"\x89PNG\r\n\x1a\n")


async def test_on_a_terminal_without_files_the_path_under_data_reports_is_printed(
        db: Database, settings: Settings, clock: FakeClock, desk: Desk) -> None:
    terminal = Chat(db, settings, clock, ChannelInfo("terminal", True, files=False,
                                                     buttons=False))
    await open_desk(terminal, desk.sec)
    shown = await terminal.tap(desk.sec, await reach(terminal, desk.sec, "Bảng tính Excel"))
    path = Path(shown.split("Tệp đã ghi tại: ")[1].splitlines()[0].strip())
    assert path.parent == settings.data_dir / "reports"
    assert load_workbook(path).sheetnames[0] == "Giảm, miễn"


async def test_the_report_to_the_committee_above_carries_the_figures(
        chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "báo cáo lên cấp ủy"))
    ref, content = sent_file(chat, desk.sec)
    text = docx_text(content)
    assert ref.name == "bao-cao.docx"
    assert "Kính gửi: Đảng bộ xã An Hòa" in text
    assert "Chi bộ có 10 đảng viên; được giảm: 1; được miễn: 2; tỷ lệ giảm, miễn: 30,0%" in text
    assert "bình quân toàn đảng bộ: 18,8%" in text
    assert "Đỗ Văn Long" in text
    assert "28/02/2027" in text
    assert "Nguyễn Văn Hùng" in text  # the secretary signs


async def test_the_yearly_review_lists_only_open_ended_reliefs(chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "rà soát"))
    _ref, content = sent_file(chat, desk.sec)
    text = docx_text(content)
    assert "DANH SÁCH RÀ SOÁT NĂM 2026" in text
    assert "(2 đồng chí)" in text
    assert "Trần Thị Mai" in text
    assert "01/03/2027" in text  # her next review
    assert "Ngô Thị Hạnh" in text
    assert "Đỗ Văn Long" not in text  # a fixed period ends by itself


async def test_the_resolution_takes_the_meeting_figures_recorded_with_the_decision(
        chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "nghị quyết"))
    await chat.tap(desk.sec, await reach(chat, desk.sec, f"Đơn số {desk.open_request.id}"))
    _ref, content = sent_file(chat, desk.sec)
    text = docx_text(content)
    assert "Số: 05-NQ/CB" in text
    assert "Ngày 27/02/2026, Chi bộ ấp Bình Minh họp xem xét" in text
    assert "Đảng viên có mặt: 8/10" in text
    assert "tán thành 7, không tán thành 1" in text
    assert "đồng chí Trần Thị Mai được miễn công tác và sinh hoạt đảng từ ngày 01/03/2026" in text


async def test_what_was_not_recorded_is_left_blank_in_the_resolution(
        chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "nghị quyết"))
    await chat.tap(desk.sec, await reach(chat, desk.sec, "Đỗ Văn Long"))
    _ref, content = sent_file(chat, desk.sec)
    text = docx_text(content)
    assert f"Đảng viên có mặt: {BLANK}/10" in text
    assert f"tán thành {BLANK}, không tán thành {BLANK}" in text
    assert f"Số: {BLANK}" in text
    assert "đến ngày 28/02/2027" in text


async def test_a_file_sent_in_chat_is_deleted_after_its_retention(
        chat: Chat, desk: Desk, db: Database, settings: Settings, clock: FakeClock) -> None:
    from bot.timer_kinds import timer_runner

    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "Bảng tính Excel"))
    ref, _content = sent_file(chat, desk.sec)
    stored = settings.files_dir / ref.path
    clock.advance(hours=settings.desk_file_retention_hours - 1)
    await timer_runner(db, settings, clock).fire_due()
    assert stored.exists()
    clock.advance(hours=2)
    await timer_runner(db, settings, clock).fire_due()
    assert not stored.exists()
