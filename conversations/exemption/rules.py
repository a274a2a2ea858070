"""What a request may say: its reasons, its period, and what an approval puts in force."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from bot.i18n import Msg
from storage.models import MemberStatus, ReliefKind, Request

HEALTH = "health"  # advanced age or poor health: open-ended, with a medical certificate
FIXED_REASONS = ("treatment", "treatment_far", "abroad", "maternity", "awaiting_retirement",
                 "other")
REASONS = (HEALTH, *FIXED_REASONS)
OTHER = "other"
RETURN = "return"  # the reason recorded on a request to return to normal activity


def is_fixed_period(request: Request) -> bool:
    return request.reason in FIXED_REASONS


def period_problem(start: date, end: date, today: date, max_months: int) -> Msg | None:
    """Why a fixed period cannot be accepted, or None when it can."""
    if start < today:
        return Msg("exemption.error.start_past")
    if end <= start:
        return Msg("exemption.error.end_before_start")
    if end >= start + relativedelta(months=max_months):
        return Msg("exemption.error.too_long", months=max_months)
    return None


def relieved_status(kind: str) -> MemberStatus:
    """The member status an approved request puts in force."""
    return MemberStatus.REDUCED if kind == ReliefKind.REDUCTION else MemberStatus.EXEMPTED
