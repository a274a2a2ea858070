"""The roster's fields and the header spellings and cell words they accept (from columns.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vocabulary.text import fold

COLUMNS_FILE = Path(__file__).with_name("columns.toml")


@dataclass(frozen=True)
class Field:
    """One roster field: its name in code, its label for reports, and its accepted headers."""

    name: str
    label: str
    headers: tuple[str, ...]
    required: bool = False
    old_headers: tuple[str, ...] = ()  # still read, with a warning to rename the column


@dataclass(frozen=True)
class Columns:
    """Every field, plus the folded cell words for gender, yes/no and language."""

    fields: tuple[Field, ...]
    words: dict[str, dict[str, str]]  # vocabulary -> folded word -> value
    shown: dict[str, tuple[str, ...]]  # vocabulary -> the words as written, for messages

    def field_for(self, header: str) -> Field | None:
        key = fold(header)
        return next((f for f in self.fields
                     if key in {fold(h) for h in (*f.headers, *f.old_headers)}), None)

    def is_old(self, found: Field, header: str) -> bool:
        """Whether `header` is a spelling of `found` kept only for older files."""
        return fold(header) in {fold(h) for h in found.old_headers}

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def word(self, vocabulary: str, text: str) -> str | None:
        """The value a cell word stands for (e.g. "Nu" -> "female"), or None if unknown."""
        return self.words[vocabulary].get(fold(text))


@cache
def columns(path: Path = COLUMNS_FILE) -> Columns:
    """Read the column definitions once."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    fields = tuple(
        Field(name, spec["label"], tuple(spec["headers"]), bool(spec.get("required", False)),
              tuple(spec.get("old_headers", ())))
        for name, spec in data["fields"].items()
    )
    words = {
        vocabulary: {fold(word): value for value, spelled in options.items() for word in spelled}
        for vocabulary, options in data["values"].items()
    }
    shown = {
        vocabulary: tuple(spelled[0] for spelled in options.values())
        for vocabulary, options in data["values"].items()
    }
    return Columns(fields, words, shown)
