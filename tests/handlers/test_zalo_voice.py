"""A voice note reaches a Zalo member as a voice message where ffmpeg works, else as a link."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.file_links import FileLinks
from handlers.zalo.sender import ZaloSender
from handlers.zalo.voice import AacVoices
from storage.files import FileStore
from tests.support import TEST_FILE_KEY
from vocabulary.channels import Rendered
from vocabulary.settings import Settings

NOTE = b"OggS voice note of the month"
# Stands in for ffmpeg: writes "AAC:" and the input to the output, and counts its runs.
FAKE_FFMPEG = """#!{python}
import sys, pathlib
args = sys.argv[1:]
runs = pathlib.Path(__file__).with_suffix(".runs")
runs.write_text(str(int(runs.read_text()) + 1) if runs.exists() else "1")
if {fail}:
    sys.exit(1)
source = pathlib.Path(args[args.index("-i") + 1])
pathlib.Path(args[-1]).write_bytes(b"AAC:" + source.read_bytes())
"""


class Client:
    """The Zalo client's sending methods, recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def send_voice(self, chat_id: str, voice_url: str) -> dict[str, Any]:
        self.calls.append(("sendVoice", voice_url))
        return {"message_id": "v1"}

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        self.calls.append(("sendMessage", text))
        return {"message_id": "m1"}

    async def send_photo(self, chat_id: str, photo_url: str) -> dict[str, Any]:
        self.calls.append(("sendPhoto", photo_url))
        return {"message_id": "p1"}


class Budget:
    async def take(self, bot_id: str, bulk: bool) -> float | None:
        return None

    async def give_back(self, bot_id: str) -> None:
        return None

    async def spent(self, bot_id: str) -> float | None:
        return None


def _settings(tmp_path: Path, ffmpeg: str) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, secret_key="test-secret",
                    file_keys=[TEST_FILE_KEY], public_url="https://chibot.example.vn",
                    zalo_ffmpeg=ffmpeg)


def _ffmpeg(tmp_path: Path, *, fail: bool = False) -> Path:
    script = tmp_path / "ffmpeg"
    script.write_text(FAKE_FFMPEG.format(python=sys.executable, fail=fail))
    script.chmod(0o755)
    return script


async def _send(settings: Settings, client: Client, times: int = 1) -> FileLinks:
    store = FileStore.of(settings)
    note = store.save(NOTE, "loi-bi-thu.ogg", "audio/ogg")
    links = FileLinks(settings, lambda: datetime.now(UTC))
    sender = ZaloSender({"b1": client}, settings, Budget(), links,  # type: ignore[dict-item]
                        AacVoices.found(settings, store))
    message = Rendered("Chủ đề tháng 1/2027", attachment=note, bot="b1", bulk=True)
    await asyncio.gather(*(sender.send_part(f"chat-{n}", message, 0) for n in range(times)))
    return links


def _served(settings: Settings, links: FileLinks, url: str) -> tuple[str, bytes | None]:
    grant = links.check(url.split("/")[-2])
    assert grant is not None
    return grant.ref.mime_type, FileStore.of(settings).read(grant.ref.path)


async def test_a_voice_note_goes_as_an_aac_voice_message_converted_once(
        tmp_path: Path) -> None:
    script = _ffmpeg(tmp_path)
    settings, client = _settings(tmp_path, str(script)), Client()
    links = await _send(settings, client, times=3)
    assert [method for method, _url in client.calls] == ["sendVoice"] * 3
    url = client.calls[0][1]
    assert url.endswith(".aac")
    assert _served(settings, links, url) == ("audio/aac", b"AAC:" + NOTE)
    assert script.with_suffix(".runs").read_text() == "1"  # one chi bo's note, one conversion


@pytest.mark.parametrize("installed", [False, True], ids=["no ffmpeg", "ffmpeg fails"])
async def test_without_a_working_ffmpeg_the_note_goes_as_a_link(
        tmp_path: Path, installed: bool) -> None:
    ffmpeg = str(_ffmpeg(tmp_path, fail=True)) if installed else "chibot-no-such-ffmpeg"
    settings, client = _settings(tmp_path, ffmpeg), Client()
    links = await _send(settings, client)
    [(method, text)] = client.calls
    assert method == "sendMessage"
    assert "loi-bi-thu.ogg" in text
    url = next(word for word in text.split() if word.startswith("https://"))
    assert _served(settings, links, url) == ("audio/ogg", NOTE)
