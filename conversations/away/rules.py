"""What an away report may say: its reasons, arrangements and dates (01-HD/TW 10.3)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from conversations.requests.periods import latest_end
from storage.models import AwayArrangement, Request
from vocabulary.messages import Msg
from vocabulary.settings import Settings

NAME = "away"
REASONS = ("work", "study", "treatment", "family", "other")
OTHER = "other"
EXTEND, RETURN = "extend", "return"  # the request kinds beside the three arrangements
ARRANGEMENTS = tuple(AwayArrangement)


def arrangement(request: Request) -> AwayArrangement:
    """The arrangement a request asks for (an extension or a return: the record's)."""
    return AwayArrangement(request.detail.get("arrangement", request.kind))


def earliest_transfer_end(start: date, min_months: int) -> date:
    return start + relativedelta(months=min_months) - timedelta(days=1)


def start_problem(start: date, today: date, settings: Settings) -> Msg | None:
    if start < today - timedelta(days=settings.away_past_start_days):
        return Msg("away.error.start_past", days=settings.away_past_start_days)
    return None


def end_problem(
    start: date, end: date, kind: AwayArrangement, settings: Settings, first_day: date,
) -> Msg | None:
    """Why `end` cannot close an absence begun `first_day` (a new one begins on `start`)."""
    if end <= start:
        return Msg("away.error.end_before_start", start=start)
    latest = latest_end(first_day, settings.away_max_months)
    if end > latest:
        return Msg("away.error.too_long", months=settings.away_max_months, latest=latest)
    shortest = earliest_transfer_end(first_day, settings.away_transfer_min_months)
    if kind == AwayArrangement.TRANSFER and end < shortest:
        return Msg("away.error.transfer_short", months=settings.away_transfer_min_months,
                   earliest=shortest)
    return None
