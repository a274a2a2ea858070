"""A request's period, shared by its types: the dates typed for it and how long it may last."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from conversations.flow import Answer, Invalid
from vocabulary.dates import parse_date
from vocabulary.messages import Msg

TODAY = "today"  # the option offered beside a typed start date


def typed_date(answer: Answer, today: date, unclear: Msg) -> date | Invalid:
    """The «today» option or a typed day/month/year; `unclear` for anything else (31/02)."""
    if answer.option == TODAY:
        return today
    parsed = parse_date(answer.text or "", today)
    return parsed if parsed is not None else Invalid(unclear)


def latest_end(start: date, max_months: int) -> date:
    """The last day a period starting on `start` may include and stay under `max_months`.

    Both ends count as days of the period: from 15/12/2026 it is 13/12/2027, since one
    ending on 14/12/2027 lasts to the end of that day, a full twelve months.
    """
    return start + relativedelta(months=max_months) - timedelta(days=2)
