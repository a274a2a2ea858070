"""The shipped meetings tour replays: a reminder, «xin vắng» with a reason, the rate."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

ROOT = Path(__file__).resolve().parents[3]


def test_demo_replays_the_meetings_tour(tmp_path: Path) -> None:
    script = ROOT / "examples" / "tour-meetings.txt"
    result = CliRunner().invoke(app, ["demo", "--script", str(script),
                                      "--db", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Đã lập lịch «ngày 5, 19:30» cho Chi bộ ấp Bình Minh" in out
    assert "🔔 Nhắc đồng chí: ngày mai có sinh hoạt định kỳ." in out
    assert "Trả lời «2 h1» để chọn: 🙏 Tôi xin vắng" in out
    assert "Đã ghi: đồng chí xin vắng (Sức khỏe)" in out
    assert "• Phạm Thị Hoa: Sức khỏe" in out
    assert "Tỷ lệ dự buổi này: 12/14 = 86% (đạt, tiêu chí 85%)." in out
