"""`chibot report`: the deployment-wide table and a chi bộ's files, written under data/reports."""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
from openpyxl import load_workbook

from tests.test_cli_admin import Cli, cli, loaded  # noqa: F401  (fixtures)
from vocabulary.messages import Msg, Renderer


def vi(key: str, **params: object) -> str:
    """A text as the Vietnamese catalogue says it (Vietnamese lives only in the .po files)."""
    return Renderer("vi", ZoneInfo("Asia/Ho_Chi_Minh"))(Msg(key, **params))


def _path(output: str) -> Path:
    return Path(output.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def _vietnamese(cli: Cli) -> None:  # noqa: F811
    cli.env["CHIBOT_DEFAULT_LANGUAGE"] = "vi"  # these tests read the Vietnamese texts


def test_the_deployment_wide_table_counts_every_chi_bo(loaded: Cli, tmp_path: Path) -> None:  # noqa: F811
    path = _path(loaded.ok("report", "rates", "--show"))
    assert path.parent == tmp_path / "reports"
    book = load_workbook(path)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    members = {row[0]: row[2] for row in rows[1:-1]}
    assert sum(members.values()) == 10  # the sample roster's ten members
    assert rows[-1][2] == 10
    assert rows[-1][6] == 0.0  # no one is relieved yet


def test_an_unknown_chi_bo_is_refused(loaded: Cli) -> None:  # noqa: F811
    result = loaded("report", "workbook", "--branch", "NOPE")
    assert result.exit_code == 2
    assert vi("cli.report.no_branch", code="NOPE") in result.output


def test_a_chi_bos_workbook_chart_and_report(loaded: Cli) -> None:  # noqa: F811
    book = load_workbook(_path(loaded.ok("report", "workbook", "--branch", "NA-NP-X1")))
    assert book.sheetnames[:6] == ["Giảm, miễn", "Đi làm ăn xa", "Vắng sinh hoạt",
                                   "Chủ đề đã đọc", "Chưa kết nối", "Không gửi được"]
    unlinked = list(book["Chưa kết nối"].iter_rows(values_only=True))
    assert ("NA012301" in [row[1] for row in unlinked])
    png = _path(loaded.ok("report", "chart", "--under", "NA-NP")).read_bytes()
    assert png.startswith(b"\x89PNG")
    attendance = _path(loaded.ok("report", "chart", "--series", "attendance",
                                 "--branch", "NA-NP-X1")).read_bytes()
    assert attendance.startswith(b"\x89PNG")
    whole = loaded("report", "chart", "--series", "attendance")
    assert whole.exit_code == 2
    assert vi("cli.report.series_scope") in whole.output
    report = _path(loaded.ok("report", "draft", "report", "--branch", "NA-NP-X1")).read_bytes()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(report)).paragraphs)
    assert "Kính gửi: Đảng bộ xã Nghi Phong" in text


def test_exports_from_the_command_line_are_audited(loaded: Cli, tmp_path: Path) -> None:  # noqa: F811
    import sqlite3
    loaded.ok("report", "rates")
    loaded.ok("report", "draft", "review")
    with sqlite3.connect(tmp_path / "chibot.db") as connection:
        found = connection.execute("SELECT actor, subject_type, subject_id FROM auditentry "
                                   "WHERE action = 'desk.export'").fetchall()
    assert found == [("cli", "deployment", "all"), ("cli", "deployment", "all")]


def test_templates_are_checked(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    shipped = vi("cli.report.template_ok", file="nghi-quyet.docx",
                 whose=Msg("cli.report.shipped"), path="")
    assert shipped.removesuffix(" ()") in cli.ok("report", "templates")
    (tmp_path / "mau").mkdir()
    (tmp_path / "mau" / "bao-cao.docx").write_bytes(b"broken")
    cli.env["CHIBOT_DESK_TEMPLATES_DIR"] = str(tmp_path / "mau")
    result = cli("report", "templates")
    assert result.exit_code == 1
    assert vi("cli.report.template_bad", problem="").strip() in result.output
    cli.env["CHIBOT_DEFAULT_LANGUAGE"] = "en"
    english = cli("report", "templates")
    assert "REFUSED" in english.output
    assert "ok nghi-quyet.docx: shipped" in english.output
