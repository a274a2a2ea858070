"""`chibot meetings plan|list|move|cancel` end to end, on the sample organisation."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tests.test_cli_admin import Cli, cli, loaded  # noqa: F401
from vocabulary.messages import Msg, Renderer

RULE = "thu bay cuoi thang, 08:00"  # diacritics are optional in a rule


def vi(key: str, **params: object) -> str:
    """A text as the Vietnamese catalogue says it (Vietnamese lives only in the .po files)."""
    return Renderer("vi", ZoneInfo("Asia/Ho_Chi_Minh"))(Msg(key, **params))


@pytest.fixture(autouse=True)
def _vietnamese(cli: Cli) -> None:  # noqa: F811
    cli.env["CHIBOT_DEFAULT_LANGUAGE"] = "vi"  # these tests read the Vietnamese texts


def test_a_rule_is_planned_listed_and_stopped(loaded: Cli) -> None:  # noqa: F811
    out = loaded.ok("meetings", "plan", "NA-NP-X1", "--rule", RULE, "--place", "Nha van hoa")
    rule = out.split('"')[1]
    assert out.startswith(vi("cli.meetings.planned", plan=1, org="NA-NP-X1", kind="regular",
                             rule=rule, meetings="X", timers="X").split("X")[0])
    listing = loaded.ok("meetings", "list", "NA-NP-X1")
    plan_line = vi("cli.meetings.plan_line", plan=1, org="NA-NP-X1", kind="regular", rule=rule,
                   place="Nha van hoa")
    assert plan_line in listing
    meeting_line = vi("cli.meetings.meeting_line", meeting=0, org="NA-NP-X1", kind="regular",
                      at="AT", status=Msg("cli.meetings.status.planned"), said=0, total="N")
    assert " 08:00" + meeting_line.split("AT")[1].split("N")[0] in listing
    stopped = loaded.ok("meetings", "cancel", "--plan", "1")
    assert stopped.startswith(vi("cli.meetings.plan_stopped", plan=1, count="X").split("X")[0])
    assert plan_line not in loaded.ok("meetings", "list")


def test_a_one_off_meeting_and_its_cancellation(loaded: Cli) -> None:  # noqa: F811
    out = loaded.ok("meetings", "plan", "NA-NP-X1-T1", "--at", "2030-05-20 19:30",
                    "--kind", "extraordinary", "--place", "Nhà tổ trưởng")
    assert out == vi("cli.meetings.held", meeting=1, org="NA-NP-X1-T1", kind="extraordinary",
                     at="2030-05-20 19:30") + "\n"
    assert loaded.ok("meetings", "cancel", "1") == \
        vi("cli.meetings.cancelled", meeting=1, told=0) + "\n"
    again = loaded("meetings", "cancel", "1")
    assert again.exit_code == 1
    assert vi("cli.error", problem="") in again.output
    assert "đã diễn ra hoặc đã hủy" in again.output


def test_a_meeting_is_moved_and_wrong_times_are_refused(loaded: Cli) -> None:  # noqa: F811
    loaded.ok("meetings", "plan", "NA-NP-X1", "--at", "2030-05-20 19:30",
              "--kind", "extraordinary", "--place", "Nhà văn hóa")
    out = loaded.ok("meetings", "move", "1", "--at", "21/05/2030 20:00", "--place", "Hội trường")
    assert out == vi("cli.meetings.moved", meeting=1, at="2030-05-21 20:00",
                     place="Hội trường", told=0) + "\n"
    kept = loaded.ok("meetings", "move", "1", "--at", "22/05/2030 8h")
    assert kept == vi("cli.meetings.moved", meeting=1, at="2030-05-22 08:00",
                      place="Hội trường", told=0) + "\n"
    iso = loaded.ok("meetings", "move", "1", "--at", "2030-05-23 20:00")  # as plan takes it
    assert iso == vi("cli.meetings.moved", meeting=1, at="2030-05-23 20:00",
                     place="Hội trường", told=0) + "\n"
    for at in ("23/05/2030", "21/05/2030 25:00", "31/02/2030 20:00", "mai"):
        wrong = loaded("meetings", "move", "1", "--at", at)
        assert wrong.exit_code == 2
        assert vi("cli.meetings.bad_at", text=at) in wrong.output
    past = loaded("meetings", "move", "1", "--at", "01/01/2020 08:00")
    assert past.exit_code == 1
    assert "đã qua" in past.output
    missing = loaded("meetings", "move", "99", "--at", "21/05/2030 20:00")
    assert missing.exit_code == 1
    assert vi("cli.meetings.no_meeting", meeting=99) in missing.output


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
    assert vi("cli.meetings.rule_or_at") in both.output
    nowhere = loaded("meetings", "plan", "NOWHERE", "--rule", RULE)
    assert nowhere.exit_code == 1
    assert vi("cli.meetings.no_org", code="NOWHERE") in nowhere.output
    for at in ("2026-12-03", "2026-12-03 25:00", "03/12/2026 nửa đêm", "😀"):
        wrong = loaded("meetings", "plan", "NA-NP-X1", "--at", at, "--kind", "extraordinary")
        assert wrong.exit_code == 2
        assert vi("cli.meetings.bad_at", text=at) in wrong.output


def test_meetings_speak_english_when_that_is_the_language(loaded: Cli) -> None:  # noqa: F811
    loaded.env["CHIBOT_DEFAULT_LANGUAGE"] = "en"
    out = loaded.ok("meetings", "plan", "NA-NP-X1", "--rule", RULE)
    assert out.startswith('plan 1: NA-NP-X1 regular "')
    assert "; meetings planned: " in out
    assert " planned answered 0/" in loaded.ok("meetings", "list", "NA-NP-X1")
    assert loaded.ok("meetings", "cancel", "--plan", "1").startswith(
        "plan 1 stopped; meetings cancelled: ")
    missing = loaded("meetings", "cancel", "99")
    assert missing.exit_code == 1
    assert "error: no meeting 99" in missing.output
