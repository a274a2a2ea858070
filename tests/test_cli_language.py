"""The command line speaks CHIBOT_DEFAULT_LANGUAGE: Vietnamese unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import typer
from cryptography.fernet import Fernet
from typer.testing import CliRunner, Result

from bot.cli import app
from storage.files import FileStore
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings

COMMANDS = [[], ["db"], ["db", "upgrade"], ["org"], ["org", "load"], ["org", "add"],
            ["org", "tree"], ["org", "assign"], ["org", "unassign"], ["org", "officers"],
            ["roster"], ["roster", "import"], ["invite"], ["invite", "create"], ["run"],
            ["run", "terminal"], ["run", "telegram"], ["run", "zalo"], ["broadcast"],
            ["broadcast", "status"], ["files"], ["files", "reencrypt"], ["demo"],
            ["meetings"], ["meetings", "plan"], ["meetings", "list"], ["meetings", "cancel"],
            ["meetings", "move"],
            ["topics"], ["topics", "import"], ["topics", "activate"], ["report"],
            ["report", "rates"], ["report", "chart"], ["report", "workbook"],
            ["report", "draft"], ["report", "templates"]]


@pytest.fixture
def chibot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunnerIn:
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return CliRunnerIn(tmp_path)


class CliRunnerIn:
    """`chibot` against a fresh data folder, in the language given (None: the default)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runner = CliRunner()

    def __call__(self, *args: str, language: str | None = None,
                 **env: str) -> Result:
        env = {"CHIBOT_DATA_DIR": str(self.folder), "CHIBOT_DATABASE_URL": "", **env}
        if language is not None:
            env["CHIBOT_DEFAULT_LANGUAGE"] = language
        return self.runner.invoke(app, list(args), env=env)


def test_help_is_in_vietnamese_by_default(chibot: CliRunnerIn) -> None:
    top = chibot("--help").output
    assert "Chibot: trợ lý trò chuyện cho đảng viên và cấp ủy chi bộ." in top
    assert "Lệnh" in top
    assert "Xem hướng dẫn này rồi thoát." in top
    roster = chibot("roster", "import", "--help").output
    assert "Kiểm tra và đếm, nhưng không ghi gì." in roster
    assert "Tùy chọn" in roster


def test_help_is_in_english_when_that_is_the_default_language(chibot: CliRunnerIn) -> None:
    top = chibot("--help", language="en").output
    assert "Chibot: self-service chat for party members and branch officers." in top
    assert "Commands" in top
    roster = chibot("roster", "import", "--help", language="en").output
    assert "Check and count, but write nothing." in roster


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_command_has_its_help_translated(chibot: CliRunnerIn, language: str) -> None:
    for command in COMMANDS:
        shown = chibot(*command, "--help", language=language)
        assert shown.exit_code == 0, shown.output
        assert "cli." not in shown.output, command  # a key shown as it is: not translated


def test_every_command_is_in_the_list() -> None:
    """A command added later is checked too: the list names every one `chibot` has."""

    def walk(command: click.Command, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, [*path, name])
        return found

    assert sorted(walk(typer.main.get_command(app), [])) == sorted(COMMANDS)


def vi(key: str, **params: object) -> str:
    """A text as the Vietnamese catalogue says it."""
    return Renderer("vi", Settings(_env_file=None).tz)(Msg(key, **params))


def test_meetings_topics_and_report_help_follow_the_language(chibot: CliRunnerIn) -> None:
    assert vi("cli.meetings").split(":")[0] in chibot("--help").output
    assert vi("cli.meetings.plan").split(";")[0] in chibot("meetings", "plan", "--help").output
    assert vi("cli.topics.import").split(";")[0] in chibot("topics", "import", "--help").output
    assert vi("cli.report.templates").split("(")[0] in chibot("report", "--help").output
    assert "Plan a recurring meeting (--rule)" in chibot(
        "meetings", "plan", "--help", language="en").output
    assert "Load a catalogue" in chibot("topics", "import", "--help", language="en").output
    assert "Check the province's own DOCX templates" in chibot(
        "report", "--help", language="en").output


def test_meetings_and_report_messages_follow_the_language(chibot: CliRunnerIn) -> None:
    neither = chibot("meetings", "cancel")
    assert neither.exit_code == 2
    assert vi("cli.meetings.meeting_or_plan") in neither.output
    assert "Give a meeting id" in chibot("meetings", "cancel", language="en").output
    shipped = vi("cli.report.template_ok", file="nghi-quyet.docx",
                 whose=Msg("cli.report.shipped"), path="")
    assert shipped.removesuffix(" ()") in chibot("report", "templates").output
    assert "ok nghi-quyet.docx: shipped" in chibot("report", "templates", language="en").output


def test_messages_follow_the_language(chibot: CliRunnerIn) -> None:
    refused = chibot("org", "tree")
    assert refused.exit_code == 2
    assert "hãy chạy `chibot db upgrade` trước" in refused.output
    assert "cơ sở dữ liệu đã ở bản head" in chibot("db", "upgrade").output
    assert "chưa có tổ chức nào" in chibot("org", "tree").output
    assert "no organisations yet" in chibot("org", "tree", language="en").output
    missing = chibot("invite", "create", "X-1", language="en")
    assert "no current member with roster id X-1" in missing.output


def test_files_reencrypt_encrypts_old_files_and_says_so(chibot: CliRunnerIn,
                                                        tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = FileStore.of(Settings(_env_file=None, data_dir=tmp_path, file_keys=[old])).save(
        b"%PDF-1.4 giay kham", "giay.pdf", "application/pdf")

    done = chibot("files", "reencrypt", CHIBOT_FILE_KEYS=f'["{new}", "{old}"]')

    assert done.exit_code == 0, done.output
    assert "đã mã hóa lại: 1, đã mã hóa (trước chưa mã hóa): 0, không đọc được: 0" in done.output
    only_new = FileStore.of(Settings(_env_file=None, data_dir=tmp_path, file_keys=[new]))
    assert only_new.read(stored.path) == b"%PDF-1.4 giay kham"
    lost = chibot("files", "reencrypt", language="en", CHIBOT_FILE_KEYS=f'["{old}"]')
    assert lost.exit_code == 1
    assert "unreadable: 1" in lost.output


def test_files_reencrypt_on_postgresql_needs_the_keys(chibot: CliRunnerIn) -> None:
    refused = chibot("files", "reencrypt",
                     CHIBOT_DATABASE_URL="postgresql+asyncpg://u:p@127.0.0.1/chibot")
    assert refused.exit_code == 2
    assert "Hãy đặt CHIBOT_FILE_KEYS" in refused.output


def test_serving_on_postgresql_without_file_keys_is_refused_before_starting(
        chibot: CliRunnerIn) -> None:
    refused = chibot("run", "telegram", language="en", CHIBOT_TELEGRAM_TOKEN="1:x",
                     CHIBOT_DATABASE_URL="postgresql+asyncpg://u:p@127.0.0.1:9/chibot")
    assert refused.exit_code == 2
    assert "Set CHIBOT_FILE_KEYS" in refused.output
