"""The desk's lists as pluggable sections: each capability adds the lists it knows.

A section is a title, column headings and a query returning rows for a scope; the chat, the
workbook and `chibot report` show every registered section the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk.scope import Scope
from vocabulary.messages import Msg

Cell = str | int | float | date | Msg | None
Row = tuple[Cell, ...]
RowsFn = Callable[[AsyncSession, Scope], Awaitable[list[Row]]]


@dataclass(frozen=True)
class Section:
    """One list: `rows` gives one tuple per member, in the order of `columns`."""

    id: str
    title: Msg
    columns: tuple[Msg, ...]
    rows: RowsFn
    order: int = 0
    sheet: Msg | None = None  # the workbook sheet's name (at most 31 characters), if shorter


_SECTIONS: dict[str, Section] = {}


def add_section(section: Section) -> None:
    """Registering the same id again replaces it (every registry build registers anew)."""
    _SECTIONS[section.id] = section


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.id))


def section(section_id: str) -> Section | None:
    return _SECTIONS.get(section_id)
