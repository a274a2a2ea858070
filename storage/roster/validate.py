"""Checking every roster row and turning it into member values, collecting every problem."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from storage.models import Organisation, OrgKind
from storage.phones import normalise_phone
from storage.roster.columns import columns
from storage.roster.reader import CellValue, RawRow, Sheet
from storage.roster.reliefs import Relief
from storage.roster.report import Issue
from vocabulary.dates import parse_date

Progress = Callable[[str, int, int], None]
"""Told (phase, done, total) as rows are checked and written."""

PROGRESS_EVERY = 200
MAX_LENGTHS = {"roster_id": 32, "full_name": 200, "managing_body": 200,
               "relief_decision_no": 60, "away_place": 200}
RELIEF_FIELDS = ("relief_kind", "relief_reason", "relief_since", "relief_until",
                 "relief_decided_on", "relief_decision_no")
AWAY_FIELDS = ("away_place", "away_since", "away_until", "away_arrangement")
_FULL_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class MemberRecord:
    """A valid row: member attribute -> value, only for what the file says (see columns.toml)."""

    row: int
    roster_id: str
    values: dict[str, Any]
    relief: Relief | None = None  # a reduction or exemption already in force
    away: dict[str, Any] | None = None  # already away: place, since, until, arrangement


class OrgIndex:
    """Organisations by code: exact first, then ignoring case (people retype codes)."""

    def __init__(self, orgs: Iterable[Organisation]) -> None:
        self._exact = {org.code: org for org in orgs}
        self._loose = {code.casefold(): org for code, org in self._exact.items()}

    def get(self, code: str) -> Organisation | None:
        return self._exact.get(code) or self._loose.get(code.casefold())


def validate(
    sheet: Sheet, orgs: OrgIndex, *, today: date, region: str = "VN",
    progress: Progress | None = None,
) -> tuple[list[MemberRecord], list[Issue]]:
    """Every row checked; the records of good rows and the problems of all rows."""
    records: list[MemberRecord] = []
    issues: list[Issue] = []
    first_row: dict[str, int] = {}
    total = len(sheet.rows)
    for done, raw in enumerate(sheet.rows, start=1):
        check = _RowCheck(raw, sheet, orgs, today, region)
        record = check.record()
        if record is not None and record.roster_id in first_row:
            issues.append(Issue(f"roster id '{record.roster_id}' is already on row "
                                f"{first_row[record.roster_id]}", raw.number,
                                sheet.column("roster_id")))
        elif record is not None:
            first_row[record.roster_id] = raw.number
        issues.extend(check.issues)
        if record is not None and not check.issues:
            records.append(record)
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress("checking", done, total)
    return records, issues


class _RowCheck:
    """Reads the cells of one row into member values, noting each problem."""

    def __init__(self, raw: RawRow, sheet: Sheet, orgs: OrgIndex, today: date,
                 region: str) -> None:
        self.raw, self.sheet, self.orgs = raw, sheet, orgs
        self.today, self.region = today, region
        self.issues: list[Issue] = []

    def record(self) -> MemberRecord | None:
        """The row's values; None when the roster id itself is unusable."""
        values: dict[str, Any] = {
            "roster_id": self.text("roster_id", required=True),
            "full_name": self.text("full_name", required=True),
        }
        optional: dict[str, Callable[[], Any]] = {
            "birth_date": lambda: self.date_cell("birth_date"),
            "gender": self.gender,
            "phone": self.phone,
            "admitted_on": lambda: self.date_cell("admitted_on"),
            "official_on": lambda: self.date_cell("official_on"),
            "is_retired_cadre": self.retired,
            "managing_body": lambda: self.text("managing_body"),
        }
        values |= {name: read() for name, read in optional.items() if self.present(name)}
        values |= self.orgs_of_row()
        if self.present("language") and (language := self.language()) is not None:
            values["language"] = language  # a blank cell keeps the member's own choice
        self.cross_check(values)
        relief = self.relief()
        roster_id = values["roster_id"]
        return MemberRecord(self.raw.number, roster_id, values, relief, self.away()) \
            if roster_id else None

    # Cells

    def present(self, name: str) -> bool:
        return name in self.sheet.headers

    def cell(self, name: str) -> CellValue:
        return self.raw.cells.get(name)

    def problem(self, name: str, message: str) -> None:
        self.issues.append(Issue(message, self.raw.number, self.sheet.column(name)))

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.cell(name)
        text = value.strftime("%d/%m/%Y") if isinstance(value, date) else value
        if text is None:
            if required:
                self.problem(name, "a value is required")
            return None
        limit = MAX_LENGTHS.get(name)
        if limit is not None and len(text) > limit:
            self.problem(name, f"longer than {limit} characters")
            return None
        return text

    def date_cell(self, name: str, *, future_ok: bool = False) -> date | None:
        value = self.cell(name)
        if value is None:
            return None
        found = value if isinstance(value, date) else self._parse_date(value)
        if found is None:
            self.problem(name, f"'{value}' is not a date: write day/month/year, e.g. 05/03/1960")
        elif found > self.today and not future_ok:
            self.problem(name, f"{found:%d/%m/%Y} is in the future")
            return None
        return found

    def _parse_date(self, text: str) -> date | None:
        # A roster date without its year would silently take this year's: refuse it.
        return parse_date(text, self.today) if _FULL_YEAR.search(text) else None

    def phone(self) -> str | None:
        value = self.cell("phone")
        if value is None:
            return None
        phone = normalise_phone(value, self.region) if isinstance(value, str) else None
        if phone is None:
            digits = re.sub(r"\D", "", str(value))
            # Never echo a phone number: the last three digits are enough to find the cell.
            ending = f" (ending {digits[-3:]})" if len(digits) >= 3 else ""
            self.problem("phone", f"invalid phone number{ending}")
        return phone

    def word(self, name: str, vocabulary: str) -> str | None:
        value = self.cell(name)
        if value is None:
            return None
        found = columns().word(vocabulary, str(value))
        if found is None:
            accepted = ", ".join(columns().shown[vocabulary])
            self.problem(name, f"'{value}' is not understood: write one of {accepted}")
        return found

    def gender(self) -> str | None:
        return self.word("gender", "gender")

    def retired(self) -> bool:
        return self.word("is_retired_cadre", "yes_no") == "yes"

    def language(self) -> str | None:
        return self.word("language", "language")

    # A relief already in force

    def relief(self) -> Relief | None:
        """The row's reduction or exemption; None when its cells are blank (or wrong)."""
        if not any(self.present(f) and self.cell(f) is not None for f in RELIEF_FIELDS):
            return None
        kind = self.word("relief_kind", "relief_kind") if self.present("relief_kind") else None
        reason = self.word("relief_reason", "relief_reason") \
            if self.present("relief_reason") else None
        since = self.date_cell("relief_since", future_ok=True) \
            if self.present("relief_since") else None
        until = self.date_cell("relief_until", future_ok=True) \
            if self.present("relief_until") else None
        decided = self.date_cell("relief_decided_on") if self.present("relief_decided_on") \
            else None
        number = self.text("relief_decision_no") if self.present("relief_decision_no") else None
        for name, value in (("relief_kind", kind), ("relief_reason", reason),
                            ("relief_since", since)):
            if value is None and self.cell(name) is None:
                self.problem(name, "required when the row records a relief")
        if since and until and until < since:
            self.problem("relief_until", f"{until:%d/%m/%Y} is before {since:%d/%m/%Y}")
        elif until and until < self.today:
            self.problem("relief_until", f"the relief ended on {until:%d/%m/%Y}: leave its "
                                         "cells blank")
        elif reason == "health" and until is not None:
            self.problem("relief_until", "a relief for age or poor health has no end date")
        elif reason not in (None, "health") and until is None:
            self.problem("relief_until", "required for a fixed-period reason")
        if kind is None or reason is None or since is None or self.issues:
            return None
        return Relief(kind, reason, since, until, decided, number)

    # Organisations and rules across cells

    def orgs_of_row(self) -> dict[str, int | None]:
        """branch_id (and group_id when the file has the column), checked against the tree."""
        branch = self.branch()
        if not self.present("group"):
            return {"branch_id": branch.id if branch else None}
        return {"branch_id": branch.id if branch else None, "group_id": self.group(branch)}

    def branch(self) -> Organisation | None:
        code = self.text("branch", required=True)
        if code is None:
            return None
        org = self.orgs.get(code)
        if org is None:
            self.problem("branch", f"no organisation has code '{code}'")
        elif not OrgKind(org.kind).is_branch:
            self.problem("branch", f"'{code}' is a {org.kind}, not a branch")
            return None
        return org

    def group(self, branch: Organisation | None) -> int | None:
        code = self.text("group")
        if code is None:
            return None
        org = self.orgs.get(code)
        if org is None:
            self.problem("group", f"no organisation has code '{code}'")
        elif org.kind != OrgKind.GROUP:
            self.problem("group", f"'{code}' is a {org.kind}, not a party group")
        elif branch is not None and org.parent_id != branch.id:
            self.problem("group", f"group '{code}' is not in branch '{branch.code}'")
        else:
            return org.id
        return None

    def away(self) -> dict[str, Any] | None:
        """Where a member already away is, since and until when, and how (blank: not away)."""
        if not any(self.present(n) and self.cell(n) is not None for n in AWAY_FIELDS):
            return None
        place = self.text("away_place", required=True)
        since = self.date_cell("away_since")
        if self.cell("away_since") is None:
            self.problem("away_since", "required for a member away")
        until = self.cell("away_until")
        ends = until if isinstance(until, date) or until is None else self._parse_date(until)
        if until is not None and ends is None:
            self.problem("away_until", f"'{until}' is not a date: write day/month/year")
        arrangement = self.word("away_arrangement", "away_arrangement") \
            if self.present("away_arrangement") else None
        if since is not None and ends is not None and ends <= since:
            self.problem("away_until", f"{ends:%d/%m/%Y} is not after {since:%d/%m/%Y}")
        if ends is None and arrangement not in (None, "inform"):
            self.problem("away_until", "required unless the chi bo was only informed")
        return {"place": place, "since": since, "until": ends,
                "arrangement": arrangement or "inform"}

    def cross_check(self, values: dict[str, Any]) -> None:
        if values.get("is_retired_cadre") and not values.get("managing_body"):
            self.problem("managing_body", "required for a retired cadre")
        admitted, official = values.get("admitted_on"), values.get("official_on")
        if admitted and official and official < admitted:
            self.problem("official_on",
                         f"official date {official:%d/%m/%Y} is before the admission date "
                         f"{admitted:%d/%m/%Y}")
