"""Reading a roster file (CSV or XLSX) into rows of cells keyed by field name."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from storage.roster.columns import Columns, columns
from storage.roster.report import Issue
from vocabulary.text import clean

CellValue = str | date | None
CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
# A title block ("DANH SACH DANG VIEN ...") may sit above the header row; look this far down.
HEADER_SEARCH_ROWS = 10


class RosterFileError(Exception):
    """The file cannot be read at all."""


@dataclass(frozen=True)
class RawRow:
    """One data row: its number as a spreadsheet shows it, and its non-ignored cells."""

    number: int
    cells: dict[str, CellValue]


@dataclass
class Sheet:
    """The rows of a roster file, which field each header maps to, and file-level findings."""

    headers: dict[str, str] = field(default_factory=dict)  # field name -> header as written
    rows: list[RawRow] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def column(self, name: str) -> str:
        """The header to name in a report for this field."""
        return self.headers.get(name) or columns().field(name).label


def read_roster(path: Path) -> Sheet:
    """Read a CSV or XLSX roster; unreadable files come back as a sheet with one error."""
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            numbered = list(_csv_rows(path))
        elif suffix in XLSX_SUFFIXES:
            numbered = list(_xlsx_rows(path))
        else:
            raise RosterFileError(
                f"unsupported file type '{suffix}': save the roster as .xlsx or CSV (UTF-8)")
    except RosterFileError as problem:
        return Sheet(errors=[Issue(str(problem))])
    return _sheet(numbered, columns())


def _csv_rows(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as problem:
        raise RosterFileError(f"cannot read the file: {problem.strerror}") from problem
    except UnicodeDecodeError as problem:
        raise RosterFileError("the file is not UTF-8 text: save it as 'CSV UTF-8'") from problem
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    for number, cells in enumerate(reader, start=1):
        yield number, [_cell(value) for value in cells]


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel in Vietnamese locales) or tab: whichever the first line uses most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max([",", ";", "\t"], key=first.count)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as problem:
        raise RosterFileError("cannot open the file as an Excel workbook (.xlsx)") from problem
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in values]
    finally:
        workbook.close()


def _cell(value: object) -> CellValue:
    """A cell as text or a date; Excel numbers lose their ".0", blanks become None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean(str(value))
    return text or None


def _sheet(numbered: Iterable[tuple[int, list[CellValue]]], spec: Columns) -> Sheet:
    rows = [(number, cells) for number, cells in numbered if any(c is not None for c in cells)]
    sheet = Sheet()
    if not rows:
        sheet.errors.append(Issue("the file has no rows"))
        return sheet
    start = _header_index(rows, spec)
    positions = _map_headers(rows[start][1], spec, sheet)
    for number, cells in rows[start + 1:]:
        values = {name: cells[i] if i < len(cells) else None for name, i in positions.items()}
        if any(v is not None for v in values.values()):
            sheet.rows.append(RawRow(number, values))
    return sheet


def _header_index(rows: list[tuple[int, list[CellValue]]], spec: Columns) -> int:
    """The first row naming a required field, or the first row when none does."""
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        for cell in cells:
            found = spec.field_for(cell) if isinstance(cell, str) else None
            if found is not None and found.required:
                return index
    return 0


def _map_headers(headers: list[CellValue], spec: Columns, sheet: Sheet) -> dict[str, int]:
    """Field name -> column position; unknown headers warn, missing or doubled ones are errors."""
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        if header is None:
            continue
        text = header if isinstance(header, str) else header.isoformat()
        found = spec.field_for(text)
        if found is None:
            sheet.warnings.append(Issue("unknown column, ignored", column=text))
        elif found.name in positions:
            first = sheet.headers[found.name]
            sheet.errors.append(Issue(f"both '{first}' and '{text}' mean '{found.label}'",
                                      column=text))
        else:
            positions[found.name] = index
            sheet.headers[found.name] = text
            if spec.is_old(found, text):
                sheet.warnings.append(Issue(
                    f"read as '{found.headers[0]}'; please rename the column to that",
                    column=text))
    for required in (f for f in spec.fields if f.required and f.name not in positions):
        sheet.errors.append(Issue(f"required column '{required.label}' is missing"))
    return positions
