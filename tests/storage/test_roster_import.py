"""Importing the roster: parsing, every kind of row error, all-or-nothing, re-imports."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from storage import org_tree
from storage.db import Database
from storage.models import AuditEntry, ChatAccount, Member, MemberStatus, Organisation, OrgKind
from storage.repos import audit
from storage.roster import ImportReport, MissingMember, import_roster
from tests import factories
from tests.support import FakeClock

EXAMPLES = Path(__file__).parents[2] / "bot" / "samples"

HEADERS = {
    "roster_id": "Số thẻ đảng viên",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "gender": "Giới tính",
    "phone": "Số điện thoại",
    "branch": "Mã chi bộ",
    "group": "Mã tổ đảng",
    "admitted_on": "Ngày vào Đảng",
    "official_on": "Ngày chính thức",
    "retired": "Cán bộ hưu trí",
    "managing_body": "Cấp ủy quản lý",
    "language": "Ngôn ngữ",
}


def row(roster_id: str, name: str = "Nguyễn Văn An", **cells: str) -> dict[str, str]:
    """A valid row of chi bo B1, group G1; `cells` override by field key."""
    base = {
        "roster_id": roster_id, "full_name": name, "birth_date": "05/03/1960", "gender": "Nam",
        "phone": "0912 000 201", "branch": "B1", "group": "G1", "admitted_on": "19/05/1985",
        "official_on": "19/05/1986", "retired": "", "managing_body": "", "language": "",
    }
    return base | cells


def write_csv(path: Path, rows: list[dict[str, str]], *, delimiter: str = ",",
              bom: bool = False, fields: list[str] | None = None) -> Path:
    keys = fields or list(HEADERS)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow([HEADERS.get(k, k) for k in keys])
        writer.writerows([[r.get(k, "") for k in keys] for r in rows])
    return path


@pytest.fixture
async def tree(db: Database) -> dict[str, Organisation]:
    """Province P > base committee BC > branches B1 (groups G1, G2) and B2; base branch CB."""
    p = await factories.org(db, "P", OrgKind.PROVINCE)
    bc = await factories.org(db, "BC", OrgKind.BASE_COMMITTEE, p)
    b1 = await factories.org(db, "B1", OrgKind.BRANCH, bc)
    b2 = await factories.org(db, "B2", OrgKind.BRANCH, bc)
    g1 = await factories.org(db, "G1", OrgKind.GROUP, b1)
    g2 = await factories.org(db, "G2", OrgKind.GROUP, b1)
    cb = await factories.org(db, "CB", OrgKind.BASE_BRANCH, p)
    return {o.code: o for o in (p, bc, b1, b2, g1, g2, cb)}


async def run_import(db: Database, path: Path, clock: FakeClock, **options: bool) -> ImportReport:
    return await import_roster(db, path, now=clock(), today=clock().date(), **options)


async def stored(db: Database) -> dict[str, Member]:
    async with db.session() as session:
        return {m.roster_id: m for m in (await session.exec(select(Member))).all()}


async def import_entries(db: Database) -> list[AuditEntry]:
    async with db.session() as session:
        return await audit.entries(session, "roster.import")


# The happy path


async def test_csv_import_creates_members_with_every_field(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [
        row("DV001", "Nguyễn Văn An", retired="có", managing_body="Sở Y tế", language="en"),
        row("DV002", "Trần Thị Bình", gender="Nữ", phone="+84 913 000 202", group="",
            birth_date="1-2-1970", retired="không"),
        row("DV003", "Lê Văn Cường", branch="CB", group="", phone="", gender="",
            official_on=""),
    ])
    progress: list[tuple[str, int, int]] = []

    report = await import_roster(db, path, now=clock(), today=clock().date(),
                                 progress=lambda *step: progress.append(step))

    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    members = await stored(db)
    an, binh, cuong = members["DV001"], members["DV002"], members["DV003"]
    assert an.full_name == "Nguyễn Văn An"
    assert an.birth_date == date(1960, 3, 5)  # day first
    assert an.gender == "male"
    assert an.phone == "+84912000201"
    assert (an.branch_id, an.group_id) == (tree["B1"].id, tree["G1"].id)
    assert (an.admitted_on, an.official_on) == (date(1985, 5, 19), date(1986, 5, 19))
    assert (an.is_retired_cadre, an.managing_body, an.language) == (True, "Sở Y tế", "en")
    assert an.status == MemberStatus.ACTIVE
    assert an.created_at == clock()
    assert (binh.gender, binh.phone, binh.group_id) == ("female", "+84913000202", None)
    assert binh.birth_date == date(1970, 2, 1)
    assert binh.is_retired_cadre is False
    assert (cuong.branch_id, cuong.phone, cuong.gender, cuong.official_on) == (
        tree["CB"].id, None, None, None)
    assert progress[-1] == ("writing", 3, 3)


async def test_semicolon_separated_csv_with_bom_is_read(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [row("DV001"), row("DV002", "Trần Thị Bình")],
                     delimiter=";", bom=True)

    report = await run_import(db, path, clock)

    assert report.ok, report.errors
    assert report.created == 2
    assert (await stored(db))["DV002"].full_name == "Trần Thị Bình"


async def test_xlsx_import_reads_date_cells_numbers_and_a_title_row(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH ĐẢNG VIÊN CHI BỘ B1"])
    sheet.append([])
    sheet.append(["STT", "Số thẻ Đảng", "Họ tên", "Ngày sinh", "SĐT", "Chi bộ", "Tổ đảng",
                  "Ngày vào Đảng"])
    sheet.append([1, 1001, "Nguyễn Văn An", datetime(1960, 3, 5), 912000201, "B1", "G1",
                  date(1985, 5, 19)])
    sheet.append([2, "DV002", "Trần Thị Bình", "01/02/1970", "0913 000 202", "B2", None, None])
    book.save(tmp_path / "roster.xlsx")

    report = await run_import(db, tmp_path / "roster.xlsx", clock)

    assert report.ok, report.errors
    assert report.created == 2
    assert [str(w) for w in report.warnings] == ["file, column 'STT': unknown column, ignored"]
    an = (await stored(db))["1001"]
    assert (an.birth_date, an.admitted_on) == (date(1960, 3, 5), date(1985, 5, 19))
    assert an.phone == "+84912000201"  # Excel dropped the leading 0
    assert an.group_id == tree["G1"].id


async def test_xlsx_errors_name_the_spreadsheet_row(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Danh sách"])
    sheet.append(["Số thẻ đảng viên", "Họ và tên", "Mã chi bộ"])
    sheet.append(["DV001", "Nguyễn Văn An", "B1"])
    sheet.append(["DV002", "Trần Thị Bình", "B7"])
    book.save(tmp_path / "roster.xlsx")

    report = await run_import(db, tmp_path / "roster.xlsx", clock)

    assert [(e.row, e.column) for e in report.errors] == [(4, "Mã chi bộ")]
    assert await stored(db) == {}


async def test_the_examples_load_and_import_cleanly(db: Database, clock: FakeClock) -> None:
    await org_tree.load_tree_file(db, EXAMPLES / "organisation-sample.toml", now=clock())

    report = await run_import(db, EXAMPLES / "roster-sample.csv", clock)

    assert report.ok, report.errors
    assert (report.created, report.warnings) == (10, [])
    members = await stored(db)
    assert len(members) == 10
    couple = [m.roster_id for m in members.values() if m.phone == "+84912000101"]
    assert sorted(couple) == ["NA012301", "NA012302"]


# Row errors: reported with row and column, and nothing written


ROW_ERRORS = [
    pytest.param({"roster_id": ""}, "Số thẻ đảng viên", "a value is required", id="no-roster-id"),
    pytest.param({"roster_id": "X" * 40}, "Số thẻ đảng viên", "longer than 32", id="long-id"),
    pytest.param({"full_name": ""}, "Họ và tên", "a value is required", id="no-name"),
    pytest.param({"branch": ""}, "Mã chi bộ", "a value is required", id="no-branch"),
    pytest.param({"phone": "0912 000 2"}, "Số điện thoại", "invalid phone number (ending 002)",
                 id="bad-phone"),
    pytest.param({"birth_date": "31/02/1960"}, "Ngày sinh", "'31/02/1960' is not a date",
                 id="impossible-date"),
    pytest.param({"admitted_on": "19/05"}, "Ngày vào Đảng", "'19/05' is not a date",
                 id="date-without-year"),
    pytest.param({"official_on": "01/01/2030"}, "Ngày chính thức", "01/01/2030 is in the future",
                 id="future-date"),
    pytest.param({"branch": "B9", "group": ""}, "Mã chi bộ", "no organisation has code 'B9'",
                 id="unknown-branch"),
    pytest.param({"branch": "BC", "group": ""}, "Mã chi bộ", "'BC' is a base_committee, not a",
                 id="branch-not-a-branch"),
    pytest.param({"branch": "B2", "group": "G1"}, "Mã tổ đảng", "group 'G1' is not in branch 'B2'",
                 id="group-of-other-branch"),
    pytest.param({"group": "B2"}, "Mã tổ đảng", "'B2' is a branch, not a party group",
                 id="group-not-a-group"),
    pytest.param({"group": "G9"}, "Mã tổ đảng", "no organisation has code 'G9'",
                 id="unknown-group"),
    pytest.param({"gender": "Trai"}, "Giới tính", "'Trai' is not understood: write one of Nam, Nữ",
                 id="bad-gender"),
    pytest.param({"retired": "có", "managing_body": ""}, "Cấp ủy quản lý",
                 "required for a retired cadre", id="retired-without-body"),
    pytest.param({"retired": "chắc"}, "Cán bộ hưu trí", "write one of có, không",
                 id="bad-yes-no"),
    pytest.param({"official_on": "19/05/1984"}, "Ngày chính thức",
                 "official date 19/05/1984 is before the admission date 19/05/1985",
                 id="official-before-admission"),
    pytest.param({"language": "fr"}, "Ngôn ngữ", "'fr' is not understood", id="bad-language"),
]


@pytest.mark.parametrize(("cells", "column", "message"), ROW_ERRORS)
async def test_a_bad_row_is_reported_and_nothing_is_written(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path,
        cells: dict[str, str], column: str, message: str) -> None:
    path = write_csv(tmp_path / "roster.csv", [
        row("DV001"), row("DV002", "Trần Thị Bình") | cells, row("DV003", "Lê Văn Cường")])

    report = await run_import(db, path, clock)

    assert len(report.errors) == 1, report.errors
    error = report.errors[0]
    assert (error.row, error.column) == (3, column)  # the header is row 1
    assert message in error.message
    assert await stored(db) == {}
    assert await import_entries(db) == []


async def test_every_error_of_every_row_is_reported_at_once(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [
        row("DV001", phone="12"), row("DV002", gender="?", branch="B9", group=""), row("DV003")])

    report = await run_import(db, path, clock)

    assert [(e.row, e.column) for e in report.errors] == [
        (2, "Số điện thoại"), (3, "Giới tính"), (3, "Mã chi bộ")]
    assert await stored(db) == {}


async def test_a_duplicate_roster_id_names_the_first_row(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [
        row("DV001"), row("DV002", "Trần Thị Bình"), row("DV001", "Lê Văn Cường")])

    report = await run_import(db, path, clock)

    assert [str(e) for e in report.errors] == [
        "row 4, column 'Số thẻ đảng viên': roster id 'DV001' is already on row 2"]
    assert await stored(db) == {}


async def test_a_bad_phone_is_never_echoed_whole(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [row("DV001", phone="0912 345 67")])

    report = await run_import(db, path, clock)

    text = str(report.errors[0])
    assert "ending 567" in text
    assert "0912" not in text
    assert "345" not in text


async def test_the_old_managing_body_header_still_imports_with_a_warning(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Số thẻ,Họ và tên,Mã chi bộ,Cán bộ hưu trí,Cơ quan quản lý\n"
                    "DV001,Nguyễn Văn An,B1,có,Đảng ủy Sở Y tế\n", encoding="utf-8")

    report = await run_import(db, path, clock)

    assert report.ok, report.errors
    assert [str(w) for w in report.warnings] == [
        "file, column 'Cơ quan quản lý': read as 'Cấp ủy quản lý'; please rename the column "
        "to that"]
    assert (await stored(db))["DV001"].managing_body == "Đảng ủy Sở Y tế"


# File-level problems


async def test_a_missing_required_column_is_a_file_error(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    fields = [k for k in HEADERS if k != "branch"]
    path = write_csv(tmp_path / "roster.csv", [row("DV001")], fields=fields)

    report = await run_import(db, path, clock)

    assert [str(e) for e in report.errors] == ["file: required column 'Mã chi bộ' is missing"]
    assert await stored(db) == {}


async def test_two_columns_for_one_field_is_a_file_error(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Số thẻ,Họ và tên,Họ tên,Mã chi bộ\nDV001,A,B,B1\n", encoding="utf-8")

    report = await run_import(db, path, clock)

    assert [e.message for e in report.errors] == ["both 'Họ và tên' and 'Họ tên' mean 'Họ và tên'"]
    assert await stored(db) == {}


async def test_unknown_columns_are_warnings_only(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    fields = [*HEADERS, "Ghi chú"]
    path = write_csv(tmp_path / "roster.csv", [row("DV001") | {"Ghi chú": "chuyển đến"}],
                     fields=fields)

    report = await run_import(db, path, clock)

    assert report.ok
    assert report.created == 1
    assert [(w.column, w.message) for w in report.warnings] == [
        ("Ghi chú", "unknown column, ignored")]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("roster.xls", b"\xd0\xcf\x11\xe0", "unsupported file type '.xls'"),
    ("roster.csv", "Ngày sinh,Số thẻ\n".encode("cp1258", errors="replace"), "not UTF-8"),
    ("roster.xlsx", b"not a zip", "cannot open the file as an Excel workbook"),
    ("roster.csv", b"\n\n", "the file has no rows"),
])
async def test_unreadable_files_are_refused(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path,
        name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)

    report = await run_import(db, tmp_path / name, clock)

    assert len(report.errors) == 1
    assert message in report.errors[0].message


# Re-imports


async def test_reimporting_the_same_file_changes_nothing(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [
        row("DV001", retired="x", managing_body="Sở Y tế", language="vi"),
        row("DV002", "Trần Thị Bình", gender="Nữ", group=""),
    ])
    first_now = clock()
    await run_import(db, path, clock)
    clock.advance(days=30)

    report = await run_import(db, path, clock)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert report.missing == []
    assert {m.updated_at for m in (await stored(db)).values()} == {first_now}


async def test_an_updated_row_updates_the_member_and_keeps_the_chat_account(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    rows = [row("DV001"), row("DV002", "Trần Thị Bình")]
    await run_import(db, write_csv(tmp_path / "v1.csv", rows), clock)
    before = await stored(db)
    async with db.session() as session:
        session.add(ChatAccount(channel="telegram", user_id="u1", chat_id="c1",
                                member_id=before["DV001"].id or 0, linked_at=clock(),
                                last_seen_at=clock()))
    clock.advance(days=1)
    rows[0] = row("DV001", "Nguyễn Văn Ân", phone="0988 000 209", branch="B2", group="")

    report = await run_import(db, write_csv(tmp_path / "v2.csv", rows), clock)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert report.changed_fields == {"DV001": ("branch_id", "full_name", "group_id", "phone")}
    after = await stored(db)
    an = after["DV001"]
    assert an.id == before["DV001"].id
    assert (an.full_name, an.phone, an.branch_id, an.group_id) == (
        "Nguyễn Văn Ân", "+84988000209", tree["B2"].id, None)
    assert an.updated_at == clock()
    assert an.created_at == before["DV001"].created_at
    assert after["DV002"].updated_at == before["DV002"].updated_at
    async with db.session() as session:
        account = (await session.exec(select(ChatAccount))).one()
    assert account.member_id == an.id


async def test_moving_branch_in_a_file_without_groups_drops_the_old_group(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    await run_import(db, write_csv(tmp_path / "v1.csv", [row("DV001")]), clock)
    fields = [k for k in HEADERS if k != "group"]

    await run_import(db, write_csv(tmp_path / "v2.csv", [row("DV001", branch="B2")],
                                   fields=fields), clock)

    an = (await stored(db))["DV001"]
    assert (an.branch_id, an.group_id) == (tree["B2"].id, None)


async def test_a_blank_language_keeps_the_language_the_member_chose(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [row("DV001", language="")])
    await run_import(db, path, clock)
    async with db.session() as session:
        member = (await session.exec(select(Member))).one()
        member.language = "en"
        session.add(member)

    report = await run_import(db, path, clock)

    assert report.unchanged == 1
    assert (await stored(db))["DV001"].language == "en"


async def test_members_missing_from_the_file_are_reported_and_left_alone(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    rows = [row("DV001"), row("DV002", "Trần Thị Bình"), row("DV003", "Lê Văn Cường")]
    await run_import(db, write_csv(tmp_path / "v1.csv", rows), clock)
    before = await stored(db)
    clock.advance(days=1)

    report = await run_import(db, write_csv(tmp_path / "v2.csv", rows[:2]), clock)

    assert report.missing == [MissingMember("DV003", "Lê Văn Cường")]
    assert report.marked_left == 0
    cuong = (await stored(db))["DV003"]
    assert (cuong.status, cuong.updated_at) == (MemberStatus.ACTIVE, before["DV003"].updated_at)


async def test_mark_missing_left_marks_them_left_without_deleting(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    rows = [row("DV001"), row("DV002", "Trần Thị Bình"), row("DV003", "Lê Văn Cường")]
    await run_import(db, write_csv(tmp_path / "v1.csv", rows), clock)
    clock.advance(days=1)

    report = await run_import(db, write_csv(tmp_path / "v2.csv", rows[:2]), clock,
                              mark_missing_left=True)

    assert report.marked_left == 1
    members = await stored(db)
    assert len(members) == 3
    assert (members["DV003"].status, members["DV003"].updated_at) == (MemberStatus.LEFT, clock())
    assert members["DV001"].status == MemberStatus.ACTIVE
    again = await run_import(db, write_csv(tmp_path / "v3.csv", rows[:2]), clock,
                             mark_missing_left=True)
    assert (again.missing, again.marked_left) == ([], 0)


async def test_a_member_listed_again_after_leaving_is_active_again(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    rows = [row("DV001"), row("DV002", "Trần Thị Bình")]
    await run_import(db, write_csv(tmp_path / "v1.csv", rows[:1]), clock)
    await factories.member(db, "DV002", "Trần Thị Bình", tree["B1"], status=MemberStatus.LEFT)

    report = await run_import(db, write_csv(tmp_path / "v2.csv", rows), clock)

    assert report.changed_fields["DV002"] == (
        "admitted_on", "birth_date", "gender", "group_id", "official_on", "phone", "status")
    assert (await stored(db))["DV002"].status == MemberStatus.ACTIVE


async def test_a_dry_run_counts_but_writes_nothing(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    await factories.member(db, "OLD1", "Phạm Văn Cũ", tree["B2"])
    path = write_csv(tmp_path / "roster.csv", [row("DV001"), row("DV002", "Trần Thị Bình")])

    report = await run_import(db, path, clock, dry_run=True, mark_missing_left=True)

    assert (report.created, report.dry_run) == (2, True)
    assert report.missing == [MissingMember("OLD1", "Phạm Văn Cũ")]
    assert report.marked_left == 0
    members = await stored(db)
    assert list(members) == ["OLD1"]
    assert members["OLD1"].status == MemberStatus.ACTIVE
    assert await import_entries(db) == []


async def test_each_import_is_audited_with_counts_only(
        db: Database, tree: dict[str, Organisation], clock: FakeClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", [row("DV001"), row("DV002", "Trần Thị Bình")])

    await run_import(db, path, clock)

    [entry] = await import_entries(db)
    assert (entry.actor, entry.at) == ("cli", clock())
    assert entry.detail == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                            "missing": 0, "marked_left": 0, "reliefs": 0, "away": 0}

