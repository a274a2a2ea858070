"""The terminal channel and the demo, as a newcomer sees them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.demo import seed_demo
from bot.terminal import TerminalSession, run_script
from storage.db import Database
from tests.support import FakeClock
from vocabulary.settings import Settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def demo_db(tmp_path: Path, clock: FakeClock) -> Database:
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="demo")
    db = Database(settings.effective_database_url)
    await seed_demo(db, settings, clock())
    return db


async def transcript(db: Database, tmp_path: Path, clock: FakeClock, lines: list[str]) -> str:
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="demo")
    out: list[str] = []
    await run_script(TerminalSession(db, settings, clock, out.append), lines)
    await db.dispose()
    return "\n".join(out)


async def test_messages_to_other_people_are_shown_as_such(demo_db: Database, tmp_path: Path,
                                                          clock: FakeClock):
    text = await transcript(demo_db, tmp_path, clock, [
        "/as Võ Thị Mai", "xin chào", "đồng ý", "/share", "/as Nguyễn Văn Hùng", "menu",
    ])
    assert "Cảm ơn đồng chí Võ Thị Mai" in text
    assert "[Nguyễn Văn Hùng] > menu" in text
    assert "5. Việc của cấp ủy" in text  # after «Sinh hoạt chi bộ» (the monthly topics)


async def test_a_forwarded_number_is_refused_in_the_terminal(demo_db: Database, tmp_path: Path,
                                                             clock: FakeClock):
    text = await transcript(demo_db, tmp_path, clock, [
        "/as Võ Thị Mai", "xin chào", "1", "/forward 0912 000 101",
    ])
    assert "Không dùng được số của người khác" in text
    assert "Cảm ơn đồng chí" not in text


async def test_as_explains_unknown_and_ambiguous_names(demo_db: Database, tmp_path: Path,
                                                       clock: FakeClock):
    text = await transcript(demo_db, tmp_path, clock, ["/as Không Ai", "/as Thị"])
    assert "Không tìm thấy ai là «Không Ai»" in text
    assert "Nhiều người khớp với «Thị»" in text


def test_demo_replays_the_shipped_tour(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--script", str(ROOT / "examples" / "tour.txt"),
                                      "--db", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    assert "Cảm ơn đồng chí Võ Thị Mai" in result.output
    assert "From now on Chibot will answer in English." in result.output
    assert "dùng chung cho nhiều đảng viên" in result.output
    assert "Mã mời cho đồng chí Đỗ Văn Long:" in result.output


def test_demo_replays_the_exemption_tour(tmp_path: Path) -> None:
    script = ROOT / "examples" / "tour-exemption.txt"
    result = CliRunner().invoke(app, ["demo", "--script", str(script),
                                      "--db", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    assert "Đã gửi đơn số 1." in result.output
    assert "Đã ghi: đồng ý – do đồng chí Nguyễn Văn Hùng" in result.output
    assert "Đơn số 1 của đồng chí đã được đồng ý." in result.output
    assert "Số nghị quyết: 07-NQ/CB" in result.output
    assert "xin miễn công tác và sinh hoạt đảng – đã được đồng ý" in result.output


def test_demo_replays_the_away_tour(tmp_path: Path) -> None:
    script = ROOT / "examples" / "tour-away.txt"
    result = CliRunner().invoke(app, ["demo", "--script", str(script),
                                      "--db", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    assert "Đồng chí được tạm miễn sinh hoạt đảng từ" in result.output
    assert "thời gian trôi đến" in result.output  # /wait 365
    assert "Đồng chí vẫn còn ở xa, đã về, hay xin gia hạn?" in result.output
    assert "quá hạn về; liên lạc lần cuối" in result.output
    assert "Chào mừng đồng chí trở về" in result.output
    assert "xin xác nhận đã về địa phương – đã được ghi nhận" in result.output


async def test_wait_moves_the_clock_by_whole_days_or_the_undo_window(
        demo_db: Database, tmp_path: Path, clock: FakeClock):
    text = await transcript(demo_db, tmp_path, clock, ["/wait 0", "/wait -3", "/wait 2", "/wait"])
    assert text.count("Gõ /wait để chờ hết thời gian rút lại quyết định") == 2
    later = clock() + timedelta(days=2)
    assert f"thời gian trôi đến {later.astimezone(TZ):%H:%M ngày %d/%m/%Y}" in text
    window = later + timedelta(minutes=10)
    assert f"thời gian trôi đến {window.astimezone(TZ):%H:%M ngày %d/%m/%Y}" in text


async def test_clock_with_a_wrong_date_explains_itself_and_moves_nothing(
        demo_db: Database, tmp_path: Path, clock: FakeClock):
    text = await transcript(demo_db, tmp_path, clock, [
        "/clock 31/02/2027 08:00", "/clock 2027-03-04", "/clock 04/03/2027 08:00",
        "/clock 2027-03-05 09:00"])
    assert text.count("Gõ /clock rồi ngày giờ, ví dụ: /clock 04/03/2027 08:00") == 2
    moved = text.split("Đồng hồ của bản demo:")[1:]
    assert len(moved) == 2  # day first, as written in Viet Nam, or ISO
    assert "04/03/2027" in moved[0]
    assert "05/03/2027" in moved[1]


async def test_as_without_a_name_explains_itself(demo_db: Database, tmp_path: Path,
                                                 clock: FakeClock):
    text = await transcript(demo_db, tmp_path, clock, ["/as", "/as   "])
    assert text.count("Gõ /as rồi tên hoặc số điện thoại") == 2
    assert "Không tìm thấy ai là «»" not in text


async def test_a_guest_who_links_by_code_is_then_shown_by_name(demo_db: Database,
                                                               tmp_path: Path, clock: FakeClock):
    from conversations import identity
    from storage.repos import members

    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="demo")
    async with demo_db.session() as session:
        [mai] = await members.by_phone(session, "+84912000106")
        code, _ = await identity.issue_invite(session, settings, mai, clock(), None)
    text = await transcript(demo_db, tmp_path, clock, [
        "/as 0987 654 321", "xin chào", "đồng ý", code, "menu"])
    assert f"[Khách] > {code}" in text
    assert "[Võ Thị Mai] > menu" in text


async def test_recipients_and_edits_are_shown_without_internal_ids(demo_db: Database,
                                                                   tmp_path: Path,
                                                                   clock: FakeClock):
    text = await (transcript(demo_db, tmp_path, clock, [
        "/as Phạm Thị Hoa", "xin chào", "đồng ý", "/share", "xin giảm, miễn", "2", "1",
        "Tôi sẽ nộp giấy tại cuộc họp", "gửi đơn", "/as Nguyễn Văn Hùng", "1 1", "1"]))
    assert "tm-" not in text
    assert "tin số" not in text
    assert "(tin nhắn đã gửi trước đó được sửa thành:)" in text


async def test_typed_numbers_after_a_notice_never_decide_the_request(demo_db: Database,
                                                                     tmp_path: Path,
                                                                     clock: FakeClock):
    text = await transcript(demo_db, tmp_path, clock, [
        "/as Nguyễn Văn Hùng", "menu",
        "/as Phạm Thị Hoa", "xin chào", "đồng ý", "/share", "xin giảm, miễn", "2", "1",
        "Tôi sẽ nộp giấy tại cuộc họp", "gửi đơn",
        # The notice with the request's options reached anh Hùng; he types menu numbers.
        "/as Nguyễn Văn Hùng", "4", "2", "xong", "/cancel", "2", "xong"])
    assert "Trả lời «2 1» để chọn: ❌ Chi bộ không đồng ý" in text
    assert "Đã ghi quyết định" not in text
    assert "không được đồng ý" not in text
    assert "Đưa ra cuộc họp" not in text.split("[Nguyễn Văn Hùng] > 4")[-1]


def test_a_demo_resumed_goes_on_where_it_stopped(tmp_path: Path) -> None:
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("/as Võ Thị Mai\nxin chào\nđồng ý\n/share\nmenu\n1\n2\n", encoding="utf-8")
    second.write_text("/as Võ Thị Mai\nThuận An, Bình Dương\n", encoding="utf-8")
    database = str(tmp_path / "demo.db")
    opened = CliRunner().invoke(app, ["demo", "--script", str(first), "--db", database])
    assert "Đồng chí đi đâu?" in opened.output
    resumed = CliRunner().invoke(app, ["demo", "--script", str(second), "--db", database,
                                       "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "Xin chào! Đây là Chibot" not in resumed.output  # still linked, no consent again
    assert "Đồng chí đi đâu?" not in resumed.output  # the place was taken: the next question
    afresh = CliRunner().invoke(app, ["demo", "--script", str(second), "--db", database])
    assert "Xin chào! Đây là Chibot" in afresh.output  # without --resume: a new demo
