"""What a request may say: its period, and what an approval puts in force (its reasons are
data: reasons.py)."""

from __future__ import annotations

from datetime import date, timedelta

from conversations.requests.periods import latest_end
from storage.models import MemberStatus, ReliefKind, Request
from vocabulary.messages import Msg

RETURN = "return"  # the reason recorded on a request to return to normal activity


def is_fixed_period(request: Request) -> bool:
    """A relief for a fixed period (Case 2); open-ended ones (age, health) have no end."""
    return request.kind != ReliefKind.RETURN and request.ends_on is not None


def start_problem(start: date, today: date, past_days: int) -> Msg | None:
    """A start may lie in the past (maternity leave or treatment has often begun), not long."""
    if start < today - timedelta(days=past_days):
        return Msg("exemption.error.start_past", days=past_days)
    return None


def period_problem(
    start: date, end: date, today: date, max_months: int, past_days: int,
) -> Msg | None:
    """Why a fixed period cannot be accepted, or None when it can."""
    if problem := start_problem(start, today, past_days):
        return problem
    if end <= start:
        return Msg("exemption.error.end_before_start")
    if end > latest_end(start, max_months):
        return Msg("exemption.error.too_long", months=max_months,
                   latest=latest_end(start, max_months))
    return None


def relieved_status(kind: str) -> MemberStatus:
    """The member status an approved request puts in force."""
    return MemberStatus.REDUCED if kind == ReliefKind.REDUCTION else MemberStatus.EXEMPTED
