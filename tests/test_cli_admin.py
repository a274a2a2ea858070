"""The admin commands end to end: `chibot db`, `chibot org` and `chibot roster`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app

EXAMPLES = Path(__file__).parents[1] / "bot" / "samples"
SAMPLE_TREE = EXAMPLES / "organisation-sample.toml"
SAMPLE_ROSTER = EXAMPLES / "roster-sample.csv"


class Cli:
    """Runs `chibot` against a database in a temp folder."""

    def __init__(self, folder: Path) -> None:
        self.runner = CliRunner()
        # The English texts, as these tests read them (tests/test_cli_language.py: Vietnamese).
        self.env = {"CHIBOT_DATA_DIR": str(folder), "CHIBOT_DEFAULT_LANGUAGE": "en",
                    "CHIBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'chibot.db'}"}

    def __call__(self, *args: str | Path) -> Result:
        return self.runner.invoke(app, [str(a) for a in args], env=self.env)

    def ok(self, *args: str | Path) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.stdout

    def tree(self) -> dict[str, str]:
        """Each organisation's line in `org tree`, by code."""
        lines = [line.strip() for line in self.ok("org", "tree").splitlines()]
        return {line.split()[0]: line for line in lines if line}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    runner = Cli(tmp_path)
    runner.ok("db", "upgrade")
    return runner


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    cli.ok("org", "load", SAMPLE_TREE)
    cli.ok("roster", "import", SAMPLE_ROSTER)
    return cli


def sample_rows(count: int | None = None) -> list[str]:
    lines = SAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()
    return lines if count is None else lines[: count + 1]


def test_loading_the_sample_tree_twice(cli: Cli) -> None:
    assert cli.ok("org", "load", SAMPLE_TREE).startswith("created: 7, updated: 0, unchanged: 0")
    assert cli.ok("org", "load", SAMPLE_TREE).startswith("created: 0, updated: 0, unchanged: 7")
    tree = cli.tree()
    assert tree["NA-NP-X1-T1"] == "NA-NP-X1-T1  Tổ đảng số 1, xóm 1  [group]  0 members"
    assert list(tree) == ["NA", "NA-NP", "NA-NP-X1", "NA-NP-X1-T1", "NA-NP-X1-T2", "NA-NP-X2",
                          "NA-THPT-NL1"]


def test_a_bad_tree_file_exits_1_with_the_reasons(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[org]]\ncode = "P"\nname = "P"\nkind = "district"\n', encoding="utf-8")

    result = cli("org", "load", bad)

    assert result.exit_code == 1
    assert "error: 'P': unknown kind 'district'" in result.stderr
    assert "no organisations yet" in cli.ok("org", "tree")


def test_importing_the_sample_roster_then_again(cli: Cli) -> None:
    cli.ok("org", "load", SAMPLE_TREE)

    first = cli.ok("roster", "import", SAMPLE_ROSTER)
    second = cli.ok("roster", "import", SAMPLE_ROSTER)

    assert "Roster roster-sample.csv: 10 rows" in first
    assert "created: 10, updated: 0, unchanged: 0" in first
    assert "created: 0, updated: 0, unchanged: 10" in second
    tree = cli.tree()
    assert tree["NA"].endswith("10 members")
    assert "  4 members" in tree["NA-NP-X1"]


def test_a_roster_with_errors_exits_1_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("org", "load", SAMPLE_TREE)
    lines = sample_rows(3)
    lines[2] = lines[2].replace("0912 000 101", "0912 000 1").replace("NA-NP-X1,", "NA-XX,", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")

    result = cli("roster", "import", bad)

    assert result.exit_code == 1
    assert "error: row 3, column 'Số điện thoại': invalid phone number (ending 001)" in (
        result.stderr)
    assert "error: row 3, column 'Mã chi bộ': no organisation has code 'NA-XX'" in result.stderr
    assert "2 errors; nothing was written." in result.stderr
    assert "0912 000 1" not in result.output
    assert cli.tree()["NA"].endswith("0 members")


def test_missing_members_are_listed_then_marked_left_on_request(loaded: Cli,
                                                                 tmp_path: Path) -> None:
    shorter = tmp_path / "shorter.csv"
    shorter.write_text("\n".join(sample_rows(9)), encoding="utf-8")

    listed = loaded.ok("roster", "import", shorter)
    assert "not in the file (1):\n  NA012310  Đỗ Thị Hạnh" in listed
    assert "left unchanged; use --mark-missing-left" in listed
    assert loaded.tree()["NA"].endswith("10 members")

    marked = loaded.ok("roster", "import", shorter, "--mark-missing-left")
    assert "marked left: 1" in marked
    assert loaded.tree()["NA"].endswith("9 members")


def test_a_dry_run_reports_but_writes_nothing(cli: Cli) -> None:
    cli.ok("org", "load", SAMPLE_TREE)

    output = cli.ok("roster", "import", SAMPLE_ROSTER, "--dry-run")

    assert "Roster roster-sample.csv: 10 rows (dry run)" in output
    assert "created: 10, updated: 0, unchanged: 0" in output
    assert "dry run: nothing was written." in output
    assert cli.tree()["NA"].endswith("0 members")


def test_a_missing_roster_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    assert cli("roster", "import", tmp_path / "nope.csv").exit_code == 2


def test_adding_an_organisation(loaded: Cli) -> None:
    assert loaded.ok("org", "add", "NA-NP-X3", "Chi bộ xóm 3", "--kind", "branch",
                     "--parent", "NA-NP") == "created NA-NP-X3 (branch)\n"
    refused = loaded("org", "add", "NA-T9", "Tổ 9", "--kind", "group", "--parent", "NA-NP")

    assert refused.exit_code == 1
    assert "a group must sit under a branch" in refused.stderr
    assert loaded.tree()["NA-NP-X3"].startswith("NA-NP-X3  Chi bộ xóm 3  [branch]  0 members")
    assert "NA-T9" not in loaded.tree()


def test_assigning_listing_and_ending_roles(loaded: Cli) -> None:
    assert loaded.ok("org", "assign", "NA012301", "NA-NP-X1", "secretary") == (
        "assigned: NA012301 Nguyễn Văn Hùng as secretary of NA-NP-X1\n")
    loaded.ok("org", "assign", "NA012303", "NA-NP-X1-T2", "group_leader")
    refused = loaded("org", "assign", "NA012303", "NA-NP-X1", "group_leader")
    assert refused.exit_code == 1
    assert "group_leader is a role in a group, but 'NA-NP-X1' is a branch" in refused.stderr

    assert loaded.ok("org", "officers").splitlines() == [
        "NA-NP-X1  secretary  NA012301  Nguyễn Văn Hùng",
        "NA-NP-X1-T2  group_leader  NA012303  Lê Văn Minh",
    ]

    loaded.ok("org", "unassign", "NA012301", "NA-NP-X1", "secretary")
    assert loaded.ok("org", "officers", "NA-NP-X1") == "no officers\n"
    again = loaded("org", "unassign", "NA012301", "NA-NP-X1", "secretary")
    assert again.exit_code == 1
    assert "NA012301 is not secretary of 'NA-NP-X1'" in again.stderr


def test_an_unknown_role_is_a_usage_error(loaded: Cli) -> None:
    assert loaded("org", "assign", "NA012301", "NA-NP-X1", "chairman").exit_code == 2


def test_commands_before_db_upgrade_say_what_to_do(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHIBOT_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("CHIBOT_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["org", "tree"])
    assert result.exit_code == 2
    assert "hãy chạy `chibot db upgrade` trước" in result.output  # Vietnamese by default
    assert "Traceback" not in result.output


def test_broadcast_status_shows_progress(tmp_path, monkeypatch) -> None:
    import asyncio
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from bot.cli import app
    from storage.db import Database
    from storage.models import Member, Organisation, OrgKind
    from storage.repos import broadcasts
    from vocabulary.messages import Msg
    from vocabulary.settings import Settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHIBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CHIBOT_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    async def seed() -> None:
        db = Database(Settings(_env_file=None).effective_database_url)
        now = datetime.now(UTC)
        async with db.session() as session:
            branch = Organisation(code="CB", name="Chi bộ", kind=OrgKind.BRANCH)
            session.add(branch)
            await session.flush()
            people = [Member(roster_id=f"R{i}", full_name=f"N{i}", branch_id=branch.id or 0,
                             created_at=now, updated_at=now) for i in range(4)]
            session.add_all(people)
            await session.flush()
            await broadcasts.start(session, started_by=None, audience="branch:CB",
                                   member_ids=[p.id or 0 for p in people],
                                   body=[Msg("cancel.done")], now=now)
        await db.dispose()

    asyncio.run(seed())
    result = runner.invoke(app, ["broadcast", "status"])
    assert result.exit_code == 0, result.output
    assert "branch:CB" in result.output
    assert "0/4" in result.output


def test_the_shipped_samples_load_without_a_checkout(cli: Cli) -> None:
    assert cli.ok("org", "load", "--sample").startswith("created: 7")
    assert "created: 10, updated: 0, unchanged: 0" in cli.ok("roster", "import", "--sample")
    assert cli.tree()["NA"].endswith("10 members")


def test_neither_a_file_nor_sample_is_refused_with_a_hint(cli: Cli) -> None:
    result = cli("org", "load")
    assert result.exit_code == 2
    assert "--sample" in result.stderr


def test_an_empty_roster_does_not_mark_everyone_left_without_force(loaded: Cli,
                                                                  tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(sample_rows(1)[0], encoding="utf-8")  # the header only

    refused = loaded("roster", "import", empty, "--mark-missing-left")
    assert refused.exit_code == 1
    assert "would mark every member as left" in refused.stderr
    assert loaded.tree()["NA"].endswith("10 members")

    forced = loaded.ok("roster", "import", empty, "--mark-missing-left", "--force")
    assert "marked left: 10" in forced
    assert loaded.tree()["NA"].endswith("0 members")


def test_org_tree_shows_a_branch_with_nobody_above_to_report_to(cli: Cli) -> None:
    cli.ok("org", "load", SAMPLE_TREE)
    tree = cli.tree()
    assert tree["NA-NP-X1"].endswith("its decisions are reported to nobody")
    assert "reported to nobody" not in tree["NA-NP"]  # a committee, not a branch
