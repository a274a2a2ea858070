"""Day-first dates as Vietnamese people write them: 5/3, 05-03-2026, "ngay 5 thang 3 nam 2026"."""

from __future__ import annotations

import re
from datetime import date, timedelta

from vocabulary.text import fold

_WORDS = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})(?:\s*nam\s*(\d{2}|\d{4}))?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[./\- ](\d{1,2})(?:[./\- ](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Days named by words, folded, as days from today ("hom qua": yesterday).
_RELATIVE = {"hom nay": 0, "hom qua": -1, "ngay mai": 1, "hom kia": -2, "ngay kia": 2,
             "today": 0, "yesterday": -1, "tomorrow": 1}


def parse_date(text: str, today: date) -> date | None:
    """The date meant by `text`, day first, the year defaulting to today's; None if unclear."""
    key = fold(text).strip(" .")
    if key in _RELATIVE:
        return today + timedelta(days=_RELATIVE[key])
    if iso := _ISO.match(key):
        year, month, day = iso.groups()
    elif found := (_WORDS.match(key) or _DAY_FIRST.match(key)):
        day, month, year = found.groups()
    else:
        return None
    full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full_year, int(month), int(day))
    except ValueError:
        return None
