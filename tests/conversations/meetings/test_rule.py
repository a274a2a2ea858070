"""The rule a secretary writes: recurrence across month ends and years, weekdays, quarters."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from conversations.meetings.rule import RuleError, month_bounds, parse

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def dates(rule: str, first: date, last: date) -> list[str]:
    start, _ = month_bounds(first, HANOI)
    _, end = month_bounds(last, HANOI)
    return [m.strftime("%Y-%m-%d %H:%M") for m in parse(rule).occurrences(start, end, HANOI)]


def test_day_3_at_half_past_seven_every_month_across_the_new_year() -> None:
    assert dates("ngày 3, 19:30", date(2026, 11, 1), date(2027, 2, 1)) == [
        "2026-11-03 19:30", "2026-12-03 19:30", "2027-01-03 19:30", "2027-02-03 19:30"]


def test_a_day_the_month_lacks_falls_on_its_last_day() -> None:
    assert dates("ngày 31, 19h", date(2027, 1, 1), date(2027, 4, 1)) == [
        "2027-01-31 19:00", "2027-02-28 19:00", "2027-03-31 19:00", "2027-04-30 19:00"]
    assert dates("ngày 30, 8h", date(2028, 2, 1), date(2028, 2, 1)) == ["2028-02-29 08:00"]


def test_last_saturday_of_the_month() -> None:
    assert dates("thứ bảy cuối tháng, 08:00", date(2026, 12, 1), date(2027, 2, 1)) == [
        "2026-12-26 08:00", "2027-01-30 08:00", "2027-02-27 08:00"]
    assert dates("THU BAY  cuoi thang , 8h", date(2026, 12, 1), date(2026, 12, 1)) == [
        "2026-12-26 08:00"]
    assert dates("last saturday, 8:00", date(2026, 12, 1), date(2026, 12, 1)) == [
        "2026-12-26 08:00"]


def test_a_weekday_of_a_given_week_and_the_first_one() -> None:
    assert dates("thứ năm tuần 2, 19:00", date(2026, 12, 1), date(2027, 1, 1)) == [
        "2026-12-10 19:00", "2027-01-14 19:00"]
    assert dates("chủ nhật đầu tháng, 7h30", date(2027, 3, 1), date(2027, 3, 1)) == [
        "2027-03-07 07:30"]


def test_a_thematic_rule_meets_in_one_month_of_each_quarter() -> None:
    assert dates("cuối quý, ngày 15, 14:00", date(2027, 1, 1), date(2027, 12, 1)) == [
        "2027-03-15 14:00", "2027-06-15 14:00", "2027-09-15 14:00", "2027-12-15 14:00"]


def test_times_are_local_to_the_deployment_and_stored_as_utc_instants() -> None:
    start, end = month_bounds(date(2026, 12, 1), HANOI)
    [moment] = parse("ngày 3, 19:30").occurrences(start, end, HANOI)
    assert moment.astimezone(UTC) == datetime(2026, 12, 3, 12, 30, tzinfo=UTC)
    assert parse("ngày 3, 7h").at == time(7, 0)


@pytest.mark.parametrize(("rule", "key"), [
    ("ngày 3", "meetings.rule.shape"),
    ("", "meetings.rule.shape"),
    ("😀", "meetings.rule.shape"),
    ("ngày 3, 19:30, thứ bảy, 8h", "meetings.rule.shape"),
    ("ngày 3, 😀", "meetings.rule.time"),
    ("😀, 19:30", "meetings.rule.day"),
    ("ngày 3, 19:30:00", "meetings.rule.time"),
    ("thứ bảy tuần 5, 08:00", "meetings.rule.which_week"),
    ("ngày 3, 25:00", "meetings.rule.time"),
    ("ngày 3, 19:75", "meetings.rule.time"),
    ("ngày 32, 19:30", "meetings.rule.day"),
    ("ngày 0, 19:30", "meetings.rule.day"),
    ("thứ bảy, 08:00", "meetings.rule.which_week"),
    ("thứ tám cuối tháng, 08:00", "meetings.rule.day"),
    ("giữa năm, ngày 3, 08:00", "meetings.rule.quarter"),
])
def test_what_cannot_be_read_says_which_part_is_wrong(rule: str, key: str) -> None:
    with pytest.raises(RuleError) as refused:
        parse(rule)
    assert refused.value.key == key


def test_occurrences_begin_at_the_instant_asked_for() -> None:
    start = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # 20:00 on the 3rd: that one is over
    _, end = month_bounds(date(2027, 1, 1), HANOI)
    found = parse("ngày 3, 19:30").occurrences(start, end, HANOI)
    assert [m.date() for m in found] == [date(2027, 1, 3)]
