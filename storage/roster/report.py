"""What a roster import found and did, for the operator (no personal data beyond the file's)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """A problem in the file: a row number and column when it is about one cell."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [f"row {self.row}" if self.row is not None else "file"]
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class MissingMember:
    """A current member in the database whom the file does not list."""

    roster_id: str
    full_name: str


@dataclass
class ImportReport:
    """Counts and findings of one import; `errors` non-empty means nothing was written."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_left: int = 0
    reliefs: int = 0  # reductions and exemptions already in force, brought in
    away: int = 0  # away records opened for members listed as already away
    missing: list[MissingMember] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    changed_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        """The numbers only, fit for the audit log."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "missing": len(self.missing),
            "marked_left": self.marked_left,
            "reliefs": self.reliefs,
            "away": self.away,
        }
