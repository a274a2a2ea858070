"""The rule of a recurring meeting, as a secretary writes it, read into a dateutil rrule.

Syntax (diacritics, case and extra spaces do not matter; see README "Meetings"):
    [QUARTER,] DAY, TIME
    DAY      "ngay N" (a day the month lacks falls on its last day) | "WEEKDAY cuoi thang"
             | "WEEKDAY dau thang" | "WEEKDAY tuan N" (N = 1..4); English "day N",
             "last saturday", "first monday", "monday week 2" work too
    TIME     "19:30", "19h30", "8h"
    QUARTER  "dau quy" | "giua quy" | "cuoi quy" (which month of each quarter; thematic)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, rrule, weekday

from vocabulary.text import fold

WEEKDAYS: dict[str, weekday] = {
    "thu hai": MO, "thu ba": TU, "thu tu": WE, "thu nam": TH, "thu sau": FR, "thu bay": SA,
    "chu nhat": SU, "monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH,
    "friday": FR, "saturday": SA, "sunday": SU,
}
QUARTERS = {"dau quy": 1, "giua quy": 2, "cuoi quy": 3,
            "first month of the quarter": 1, "middle of the quarter": 2,
            "last month of the quarter": 3}
_TIME = re.compile(r"^(\d{1,2})(?:\s*(?:[:h.]|gio)\s*(\d{2})?)?$")
_DAY = re.compile(r"^(?:ngay|day)\s+(\d{1,2})$")
_WEEK = re.compile(r"^(?:tuan|week)\s+([1-4])$")
_ORDINALS = {"cuoi thang": -1, "dau thang": 1, "last": -1, "first": 1}


class RuleError(ValueError):
    """The rule cannot be read; `key` is the message that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Rule:
    at: time
    day: int | None = None  # day of the month
    weekday: weekday | None = None  # with `nth`: 1..4, or -1 for the month's last
    nth: int = 0
    quarter_month: int | None = None  # 1..3: only that month of each quarter

    def occurrences(self, start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
        """Meetings that start in [start, end), as aware instants in `tz`."""
        first = start.astimezone(tz).replace(tzinfo=None, day=1, hour=0, minute=0, second=0,
                                             microsecond=0)
        last = end.astimezone(tz).replace(tzinfo=None)
        found = self._rrule(first).between(first, last, inc=True)
        return [moment.replace(tzinfo=tz) for moment in found
                if start <= moment.replace(tzinfo=tz) < end]

    def _rrule(self, dtstart: datetime) -> rrule:
        months = None
        if self.quarter_month is not None:
            months = tuple(q * 3 + self.quarter_month for q in range(4))
        common = {"dtstart": dtstart, "bymonth": months, "byhour": self.at.hour,
                  "byminute": self.at.minute, "bysecond": 0}
        if self.weekday is not None:
            return rrule(MONTHLY, byweekday=self.weekday(self.nth), **common)
        day = self.day or 1
        if day <= 28:
            return rrule(MONTHLY, bymonthday=day, **common)
        # Days 28..N that the month has: the last of them is N, or the month's last day.
        return rrule(MONTHLY, bymonthday=tuple(range(28, day + 1)), bysetpos=-1, **common)


def parse(text: str) -> Rule:
    """Read a rule; raises RuleError with the message key of what is wrong."""
    # An emoji-only part is kept (and refused where it stands), not dropped as empty.
    raw = [part.strip() for part in text.split(",") if part.strip()]
    parts = [fold(part) for part in raw]
    if len(parts) not in (2, 3):
        raise RuleError("meetings.rule.shape")
    quarter = None
    if len(parts) == 3:
        quarter = QUARTERS.get(parts[0])
        if quarter is None:
            raise RuleError("meetings.rule.quarter")
    at = parse_time(raw[-1])
    return _day(parts[-2], at, quarter)


def parse_time(text: str) -> time:
    # fold() would drop the colon of "19:30": only case and diacritics are set aside here.
    key = fold(text.replace(":", "h").replace(".", "h"))
    found = _TIME.match(key)
    if found is None:
        raise RuleError("meetings.rule.time")
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if hour > 23 or minute > 59:
        raise RuleError("meetings.rule.time")
    return time(hour, minute)


def _day(text: str, at: time, quarter: int | None) -> Rule:
    if found := _DAY.match(text):
        day = int(found.group(1))
        if not 1 <= day <= 31:
            raise RuleError("meetings.rule.day")
        return Rule(at, day=day, quarter_month=quarter)
    for name, code in WEEKDAYS.items():
        rest = _strip(text, name)
        if rest is None:
            continue
        nth = _ORDINALS.get(rest)
        if nth is None and (week := _WEEK.match(rest)):
            nth = int(week.group(1))
        if nth is None:
            raise RuleError("meetings.rule.which_week")
        return Rule(at, weekday=code, nth=nth, quarter_month=quarter)
    raise RuleError("meetings.rule.day")


def _strip(text: str, name: str) -> str | None:
    """What is left once the weekday's name is taken off either end, or None."""
    for ordinal in ("last", "first"):
        if text == f"{ordinal} {name}":
            return ordinal
    if text == name:
        return ""
    if text.startswith(name + " "):
        return text[len(name) + 1:]
    return None


def month_bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next, in `tz`."""
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following
