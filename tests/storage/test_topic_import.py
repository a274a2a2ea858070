"""`chibot topics import`: CSV, XLSX and Word catalogues, checked all or nothing."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from bot.samples import SAMPLE_TREE
from storage.topics import validate
from storage.topics.reader import CatalogueFileError, DocxMeta, read_catalogue
from storage.topics.spec import default_catalogue
from tests.test_cli_admin import Cli
from tests.test_cli_admin import cli as cli  # the fixture

HEADER = ["catalogue", "title", "issuer", "issued_on", "code", "group", "parent", "text_vi",
          "text_en", "source", "source_date", "source_link", "verified"]
GOOD = [
    ["TV-82", "82 biểu hiện", "Tỉnh ủy Trà Vinh", "2023-05-01", "1", "A", "A1",
     "Nội dung thứ nhất của tỉnh.", "", "Hướng dẫn của Tỉnh ủy", "2023-05-01", "", "yes"],
    ["", "", "", "", "2", "A", "A2", "Nội dung thứ hai của tỉnh.", "Second item.", "", "", "",
     "yes"],
]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in [HEADER, *rows]),
                    encoding="utf-8")
    return path


def _problems(path: Path, meta: DocxMeta | None = None) -> list[str]:
    spec, problems = read_catalogue(path, meta)
    return problems + validate.problems(spec)


def test_the_default_catalogue_has_the_27_and_only_the_8_confirmed_texts() -> None:
    spec = default_catalogue()
    assert [i.code for i in spec.items] == [f"{g}{n}" for g in "ABC" for n in range(1, 10)]
    verified = {i.code for i in spec.items if i.verified}
    assert verified == {"A1", "A2", "A3", "C1", "C2", "C3", "C4", "C5"}
    assert all(i.text_vi and i.source for i in spec.items if i.verified)
    assert all(i.text_vi is None for i in spec.items if not i.verified)
    indicators = Path("/work/shared/domain/indicators.md")
    if indicators.exists():  # the texts are the confirmed ones, character for character
        table = indicators.read_text(encoding="utf-8")
        assert all(f"| {i.code} | {i.text_vi} |" in table for i in spec.items if i.verified)


def test_a_good_csv_reads_without_problems(tmp_path: Path) -> None:
    spec, problems = read_catalogue(_csv(tmp_path / "tv.csv", GOOD))
    assert problems == []
    assert validate.problems(spec) == []
    assert (spec.code, spec.issuer, len(spec.items)) == ("TV-82", "Tỉnh ủy Trà Vinh", 2)
    assert spec.items[1].text_en == "Second item."
    assert spec.items[0].parent_code == "A1"


def test_csv_errors_name_their_lines(tmp_path: Path) -> None:
    rows = [*GOOD,
            ["", "", "", "", "2", "D", "A10", "", "", "", "", "", "maybe"],
            ["OTHER", "", "", "", "4", "B", "", "Bốn.", "", "", "", "", "no"]]
    problems = _problems(_csv(tmp_path / "bad.csv", rows))
    assert "line 4: verified must be yes or no, not 'maybe'" in problems
    assert "line 5: catalogue 'OTHER' differs from the rows above ('TV-82')" in problems
    assert "line 4: code 2 is already used (line 3)" in problems
    assert "line 4: group 'D' is not A, B or C" in problems
    assert any(p.startswith("line 4: parent A10 is not one of the 27") for p in problems)
    assert "line 4: item 2 has no Vietnamese text" in problems


def test_a_bad_issue_date_names_its_line(tmp_path: Path) -> None:
    rows = [GOOD[0], ["", "", "", "01/05/2023", *GOOD[1][4:]]]
    assert _problems(_csv(tmp_path / "tv.csv", rows)) == [
        "line 3: issued_on '01/05/2023' is not a date (YYYY-MM-DD)"]


def test_a_csv_saved_in_another_encoding_names_the_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "tv.csv"
    _csv(path, GOOD)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("utf-16"))  # Excel's "Unicode text"
    with pytest.raises(CatalogueFileError, match=r"tv\.csv: line 1 is not UTF-8"):
        read_catalogue(path)
    lines = text.split("\n")
    latin = lines[2].replace("Nội dung", "Hà Nội").encode("cp1252", errors="replace")
    path.write_bytes("\n".join(lines[:2]).encode() + b"\n" + latin)  # "à" is one byte
    with pytest.raises(CatalogueFileError, match=r"tv\.csv: line 3 is not UTF-8"):
        read_catalogue(path)


def test_xlsx_errors_name_their_rows(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, GOOD[0], ["", "", "", "", "1", "C", "", "Trùng mã.", "", "", "", "",
                                  "yes"]]:
        sheet.append(row)
    book.save(tmp_path / "tv.xlsx")
    assert _problems(tmp_path / "tv.xlsx") == ["row 3: code 1 is already used (row 2)"]


def _docx(path: Path, paragraphs: list[str]) -> Path:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_a_word_document_reads_numbered_items_under_group_headings(tmp_path: Path) -> None:
    path = _docx(tmp_path / "tv.docx", [
        "82 NỘI DUNG BIỂU HIỆN SUY THOÁI", "",
        "A. Suy thoái về tư tưởng chính trị",
        "1. Nội dung thứ nhất. [A1]", "2. Nội dung thứ hai.",
        "B. Suy thoái về đạo đức, lối sống", "3. Nội dung thứ ba. [B2]"])
    spec, problems = read_catalogue(path, DocxMeta(code="TV-82", source="Hướng dẫn 05"))
    assert problems == []
    assert validate.problems(spec) == []
    assert spec.title == "82 NỘI DUNG BIỂU HIỆN SUY THOÁI"
    assert [(i.code, i.group, i.parent_code, i.text_vi) for i in spec.items] == [
        ("1", "A", "A1", "Nội dung thứ nhất."), ("2", "A", None, "Nội dung thứ hai."),
        ("3", "B", "B2", "Nội dung thứ ba.")]
    assert all(i.verified and i.source == "Hướng dẫn 05" for i in spec.items)


def test_word_errors_name_their_paragraphs(tmp_path: Path) -> None:
    path = _docx(tmp_path / "bad.docx", [
        "Danh mục", "1. Trước mọi nhóm.", "A. Nhóm A", "2. Được. [Z9]", "Một đoạn lạc.",
        "2. Trùng."])
    problems = _problems(path, DocxMeta(code="TV-82"))
    assert "paragraph 2: item 1 comes before any group heading (A., B. or C.)" in problems
    assert any(p.startswith("paragraph 4: parent Z9") for p in problems)
    assert "paragraph 5: neither a group heading nor a numbered item (after item 2)" in problems
    assert "paragraph 6: code 2 is already used (paragraph 4)" in problems


def test_a_word_document_without_group_headings_names_each_item(tmp_path: Path) -> None:
    path = _docx(tmp_path / "flat.docx", ["Danh mục", "1. Một.", "2. Hai."])
    assert _problems(path, DocxMeta(code="TV-82")) == [
        "paragraph 2: item 1 comes before any group heading (A., B. or C.)",
        "paragraph 3: item 2 comes before any group heading (A., B. or C.)",
        "paragraph 2: group '' is not A, B or C",
        "paragraph 3: group '' is not A, B or C"]
    empty = _docx(tmp_path / "prose.docx", ["Danh mục", "Chỉ có lời văn."])
    assert "no numbered items under group headings were found" in _problems(
        empty, DocxMeta(code="TV-82"))


def _stored(folder: Path) -> tuple[list[str], list[str], list[int]]:
    """Catalogue codes, item codes and activated organisations in the CLI's database."""
    with closing(sqlite3.connect(folder / "chibot.db")) as connection:
        codes = [r[0] for r in connection.execute("SELECT code FROM topiccatalogue")]
        items = [r[0] for r in connection.execute("SELECT code FROM topicitem ORDER BY id")]
        orgs = [r[0] for r in connection.execute("SELECT org_id FROM topicactivation")]
    return codes, items, orgs


def test_import_is_all_or_nothing_and_dry_run_writes_nothing(
        cli: Cli, tmp_path: Path) -> None:
    bad = _csv(tmp_path / "bad.csv", [*GOOD, ["", "", "", "", "3", "A", "", "", "", "", "", "",
                                              "yes"]])
    result = cli("topics", "import", bad)
    assert result.exit_code == 1
    assert "line 4: item 3 has no Vietnamese text" in result.output
    good = _csv(tmp_path / "good.csv", GOOD)
    assert "dry run" in cli.ok("topics", "import", good, "--dry-run")
    assert _stored(tmp_path) == ([], [], [])
    result = cli("topics", "import", good, "--activate", "NOWHERE")
    assert result.exit_code == 1
    assert "no organisation 'NOWHERE'" in result.output
    assert _stored(tmp_path) == ([], [], [])
    cli.ok("org", "load", SAMPLE_TREE)
    assert "created: 2" in cli.ok("topics", "import", good, "--activate", "NA")
    codes, items, orgs = _stored(tmp_path)
    assert (codes, items, len(orgs)) == (["TV-82"], ["1", "2"], 1)
    assert "unchanged: 2" in cli.ok("topics", "import", good)


def test_a_bad_issue_date_on_the_command_line_is_refused_politely(
        cli: Cli, tmp_path: Path) -> None:
    path = _docx(tmp_path / "tv.docx", ["A. Nhóm A", "1. Một. [A1]"])
    result = cli("topics", "import", path, "--catalogue", "TV-82", "--title", "T",
                 "--issued-on", "1/5/2023")
    assert result.exit_code == 2
    assert '"1/5/2023"' in result.output
    assert "YYYY-MM-DD" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _stored(tmp_path) == ([], [], [])
