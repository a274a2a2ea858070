"""The XLSX workbook: one sheet per list, and the rates (openpyxl, written streaming)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from conversations.desk.sections import Cell
from vocabulary.messages import Msg

SHEET_TITLE_MAX = 31  # Excel's limit
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT = "DD/MM/YYYY"


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: list[str]
    rows: Sequence[Sequence[Cell]]


def build(sheets: list[Sheet], render: Callable[[Msg], str]) -> bytes:
    """The workbook's bytes; a Msg in a cell is written in the reader's language."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    for sheet in sheets:
        page = book.create_sheet(_title(sheet.title, used))
        page.append([_bold(page, h) for h in sheet.headers])
        for row in sheet.rows:
            page.append([_cell(page, value, render) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _title(title: str, used: set[str]) -> str:
    base = _NOT_IN_TITLE.sub(" ", title)[:SHEET_TITLE_MAX].strip() or "Sheet"
    name, number = base, 2
    while name.lower() in used:
        suffix = f" {number}"
        name, number = base[:SHEET_TITLE_MAX - len(suffix)] + suffix, number + 1
    used.add(name.lower())
    return name


def _bold(page: object, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(page, value=text)  # type: ignore[arg-type]
    cell.font = Font(bold=True)
    return cell


def _cell(page: object, value: Cell, render: Callable[[Msg], str]) -> object:
    if isinstance(value, Msg):
        return render(value)
    if isinstance(value, date):
        cell = WriteOnlyCell(page, value=value)  # type: ignore[arg-type]
        cell.number_format = DATE_FORMAT
        return cell
    return value
