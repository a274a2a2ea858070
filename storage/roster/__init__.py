"""Importing the member roster from a CSV or XLSX file kept by the party organisation."""

from storage.roster.apply import import_roster
from storage.roster.report import ImportReport, Issue, MissingMember

__all__ = ["ImportReport", "Issue", "MissingMember", "import_roster"]
