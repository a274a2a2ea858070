"""Reading a catalogue from CSV, XLSX (a row per item) or a Word document (numbered paragraphs
under group headings)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from openpyxl import load_workbook

from storage.topics.spec import CatalogueSpec, ItemSpec
from vocabulary.text import fold

COLUMNS = ("catalogue", "title", "issuer", "issued_on", "code", "group", "parent", "text_vi",
           "text_en", "source", "source_date", "source_link", "verified")
REQUIRED = ("catalogue", "code", "group", "text_vi")
YES, NO = {"yes", "y", "true", "1", "co", "x"}, {"no", "n", "false", "0", "khong", ""}
# "A." / "A)" / "Nhom A:" opens a group; "1." / "A1." / "1.2)" opens an item; "[A1]" at an
# item's end names its parent among the 27.
HEADING = re.compile(r"^(?:nhom\s+)?([abc])\s*[.):\-]?(?:\s|$)")
ITEM = re.compile(r"^\s*([A-Za-z]?\d+(?:\.\d+)*)\s*[.)]\s+(.+)$", re.DOTALL)
PARENT = re.compile(r"\s*\[([A-Za-z]\d+)\]\s*$")


class CatalogueFileError(Exception):
    """The file cannot be read at all."""


@dataclass(frozen=True)
class DocxMeta:
    """What a Word document does not say in a form a program can read: given on the command line."""

    code: str | None = None
    title: str | None = None
    issuer: str | None = None
    issued_on: date | None = None
    source: str | None = None
    source_date: str | None = None
    source_link: str | None = None
    verified: bool = True


def read_catalogue(path: Path, meta: DocxMeta | None = None) -> tuple[CatalogueSpec, list[str]]:
    """The catalogue in the file, and the problems met while reading it (named by place)."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _from_docx(path, meta or DocxMeta())
    if suffix in (".csv", ".txt"):
        return _from_rows(_csv_rows(path), "line")
    if suffix in (".xlsx", ".xlsm"):
        return _from_rows(_xlsx_rows(path), "row")
    raise CatalogueFileError(f"{path.name}: expected .csv, .xlsx or .docx")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CatalogueFileError(f"{path.name}: line {line} is not UTF-8 text "
                                 "(save the file as CSV UTF-8)") from exc
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield number, list(row)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise CatalogueFileError(f"{path.name}: not a readable .xlsx file") from exc
    try:
        for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _from_rows(rows: Iterator[tuple[int, list[Any]]], place: str
               ) -> tuple[CatalogueSpec, list[str]]:
    header: list[str] | None = None
    problems: list[str] = []
    spec = CatalogueSpec(code="", title="")
    for number, raw in rows:
        cells = [_cell(v) for v in raw]
        if not any(cells):
            continue
        if header is None:
            header = [fold(c).replace(" ", "_") for c in cells]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                return spec, [f"{place} {number}: missing columns: {', '.join(missing)}"]
            continue
        values = dict(zip(header, cells, strict=False))
        problems += _catalogue_cells(spec, values, f"{place} {number}")
        item, trouble = _item(values, f"{place} {number}")
        spec.items.append(item)
        problems += trouble
    if header is None:
        problems.append("the file is empty")
    return spec, problems


def _catalogue_cells(spec: CatalogueSpec, values: dict[str, str], where: str) -> list[str]:
    """A row's catalogue columns: blank repeats the row above; a different value is an error."""
    problems = []
    for name in ("catalogue", "title", "issuer", "issued_on"):
        value = values.get(name, "")
        if not value:
            continue
        if name == "issued_on":
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                problems.append(f"{where}: issued_on {value!r} is not a date (YYYY-MM-DD)")
                continue
            known: Any = spec.issued_on
            if known is None:
                spec.issued_on = parsed
            elif known != parsed:
                problems.append(f"{where}: issued_on differs from the rows above")
            continue
        attribute = "code" if name == "catalogue" else name
        known = getattr(spec, attribute)
        if not known:
            setattr(spec, attribute, value)
        elif known != value:
            problems.append(f"{where}: {name} {value!r} differs from the rows above ({known!r})")
    return problems


def _item(values: dict[str, str], where: str) -> tuple[ItemSpec, list[str]]:
    problems = []
    verified_text = fold(values.get("verified", ""))
    if verified_text not in YES | NO:
        problems.append(f"{where}: verified must be yes or no, not {values['verified']!r}")
    item = ItemSpec(
        where=where, code=values.get("code", ""), group=values.get("group", "").upper(),
        text_vi=values.get("text_vi") or None, parent_code=values.get("parent") or None,
        text_en=values.get("text_en") or None, source=values.get("source") or None,
        source_date=values.get("source_date") or None,
        source_link=values.get("source_link") or None, verified=verified_text in YES)
    return item, problems


def _from_docx(path: Path, meta: DocxMeta) -> tuple[CatalogueSpec, list[str]]:
    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CatalogueFileError(f"{path.name}: not a readable .docx file") from exc
    spec = CatalogueSpec(code=meta.code or "", title=meta.title or "", issuer=meta.issuer,
                         issued_on=meta.issued_on)
    problems: list[str] = []
    group: str | None = None
    for number, paragraph in enumerate(document.paragraphs, start=1):
        text = paragraph.text.strip()
        if not text:
            continue
        where = f"paragraph {number}"
        item = ITEM.match(text)
        heading = HEADING.match(fold(text)) if item is None else None
        if heading is not None:
            group = heading.group(1).upper()
        elif item is not None:
            if group is None:
                problems.append(f"{where}: item {item.group(1)} comes before any group heading "
                                "(A., B. or C.)")
            spec.items.append(_docx_item(item.group(1), item.group(2), group or "", where, meta))
        elif spec.items:
            problems.append(f"{where}: neither a group heading nor a numbered item "
                            f"(after item {spec.items[-1].code})")
        elif not spec.title:
            spec.title = text
    if not spec.items:
        problems.append("no numbered items under group headings were found")
    return spec, problems


def _docx_item(code: str, text: str, group: str, where: str, meta: DocxMeta) -> ItemSpec:
    parent = PARENT.search(text)
    if parent is not None:
        text = text[:parent.start()]
    return ItemSpec(where=where, code=code, group=group, text_vi=text.strip() or None,
                    parent_code=parent.group(1).upper() if parent else None,
                    source=meta.source, source_date=meta.source_date,
                    source_link=meta.source_link, verified=meta.verified)
