"""A fixed period is under twelve months counting both ends; it may have begun a little ago."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.exemption.rules import latest_end, period_problem

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(("start", "latest"), [
    (date(2026, 12, 15), date(2027, 12, 13)),  # the example
    (date(2027, 1, 31), date(2028, 1, 29)),  # a month end
    (date(2027, 2, 28), date(2028, 2, 26)),
    (date(2028, 2, 29), date(2029, 2, 26)),  # a leap day: a year on is 28/02/2029
    (date(2027, 3, 1), date(2028, 2, 28)),  # across a leap February
])
def test_the_latest_end_keeps_the_period_under_twelve_months(start: date, latest: date):
    assert latest_end(start, 12) == latest
    assert period_problem(start, latest, TODAY, 12, 60) is None
    refused = period_problem(start, date.fromordinal(latest.toordinal() + 1), TODAY, 12, 60)
    assert refused is not None
    assert refused.key == "exemption.error.too_long"
    assert refused.params["latest"] == latest


def test_a_start_up_to_the_setting_in_the_past_is_accepted():
    assert period_problem(date(2026, 10, 4), date(2027, 3, 1), TODAY, 12, 60) is None
    refused = period_problem(date(2026, 10, 3), date(2027, 3, 1), TODAY, 12, 60)
    assert refused is not None
    assert (refused.key, refused.params["days"]) == ("exemption.error.start_past", 60)
