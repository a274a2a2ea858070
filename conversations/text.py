"""Forgiving reading of what people type: Unicode, diacritics, case and spacing."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s/.\-+]")


def clean(text: str) -> str:
    """NFC-normalise and collapse white space (what we store and show)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """A comparison key: lower case, no diacritics, no punctuation ("DONG Y!" -> "dong y")."""
    decomposed = unicodedata.normalize("NFD", clean(text).lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("\u0111", "d")  # d with stroke has no decomposition
    return _SPACES.sub(" ", _PUNCT.sub(" ", bare)).strip()


def match_option(text: str, options: list[list[str]]) -> int | None:
    """Index of the option the text names: by its 1-based number, or by its words.

    Each option is a list of names (its label in every language, plus aliases). An exact
    match wins; otherwise the one option whose name starts with the text (3+ letters).
    """
    key = fold(text).rstrip(".")
    if key.isdecimal():  # not isdigit: "²" is a digit that int() refuses
        digits = key.lstrip("0")
        if len(digits) > len(str(len(options))):  # no such option; int() refuses 4,300 digits
            return None
        number = int(digits or "0")
        return number - 1 if 1 <= number <= len(options) else None
    if not key:
        return None
    for index, names in enumerate(options):
        if any(fold(name) == key for name in names):
            return index
    if len(key) < 3:
        return None
    hits = {i for i, names in enumerate(options) for n in names if fold(n).startswith(key)}
    return hits.pop() if len(hits) == 1 else None


_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits that fit a 32-bit database id


def as_id(text: str | int | None) -> int | None:
    """A row id carried in a button or typed ("12"); None for anything else ("²", 10**20)."""
    if isinstance(text, int):
        return text if 0 < text < 10**9 else None
    return int(text) if text is not None and _ID.fullmatch(text) else None
