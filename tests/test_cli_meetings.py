"""`chibot meetings plan|list|cancel` end to end, on the sample organisation."""

from __future__ import annotations

import pytest

from tests.test_cli_admin import Cli, cli, loaded  # noqa: F401


@pytest.fixture(autouse=True)
def _vietnamese(cli: Cli) -> None:  # noqa: F811
    cli.env["CHIBOT_DEFAULT_LANGUAGE"] = "vi"  # these tests read the Vietnamese texts


def test_a_rule_is_planned_listed_and_stopped(loaded: Cli) -> None:  # noqa: F811
    out = loaded.ok("meetings", "plan", "NA-NP-X1", "--rule", "thứ bảy cuối tháng, 08:00",
                    "--place", "Nhà văn hóa")
    assert out.startswith('plan 1: NA-NP-X1 regular "thứ bảy cuối tháng, 08:00"; meetings')
    listing = loaded.ok("meetings", "list", "NA-NP-X1")
    assert 'plan 1: NA-NP-X1 regular "thứ bảy cuối tháng, 08:00" Nhà văn hóa' in listing
    assert " 08:00 planned answered 0/" in listing
    assert loaded.ok("meetings", "cancel", "--plan", "1").startswith("plan 1 stopped")
    assert "plan 1:" not in loaded.ok("meetings", "list")


def test_a_one_off_meeting_and_its_cancellation(loaded: Cli) -> None:  # noqa: F811
    out = loaded.ok("meetings", "plan", "NA-NP-X1-T1", "--at", "2030-05-20 19:30",
                    "--kind", "extraordinary", "--place", "Nhà tổ trưởng")
    assert out == "meeting 1: NA-NP-X1-T1 extraordinary at 2030-05-20 19:30\n"
    assert loaded.ok("meetings", "cancel", "1") == "meeting 1 cancelled; members told: 0\n"
    again = loaded("meetings", "cancel", "1")
    assert again.exit_code == 1
    assert "đã diễn ra hoặc đã hủy" in again.output


def test_wrong_rules_places_and_times_are_refused_with_the_reason(
    loaded: Cli,  # noqa: F811
) -> None:
    bad = loaded("meetings", "plan", "NA-NP-X1", "--rule", "ngày 3, 25:00")
    assert bad.exit_code == 1
    assert "Giờ chưa đúng" in bad.output
    past = loaded("meetings", "plan", "NA-NP-X1", "--at", "2020-01-01 08:00",
                  "--kind", "extraordinary")
    assert past.exit_code == 1
    assert "đã qua" in past.output
    committee = loaded("meetings", "plan", "NA-NP", "--rule", "ngày 3, 19:30")
    assert committee.exit_code == 1
    assert "không phải chi bộ hay tổ đảng" in committee.output
    both = loaded("meetings", "plan", "NA-NP-X1")
    assert both.exit_code == 2
