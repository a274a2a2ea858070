"""Stored files at expiring links: served before expiry, refused after, refused when forged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote, urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot import file_links
from bot.file_links import FileLinks
from storage.db import Database
from storage.files import FileStore
from storage.repos import audit
from tests.support import FakeClock
from vocabulary.settings import Settings
from vocabulary.types import FileRef

PUBLIC_URL = "https://chibot.example.vn/"
CONTENT = b"%PDF-1.4 giay ra vien"
NAME = "Giấy ra viện.pdf"


@pytest.fixture
def link_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC_URL, "file_link_minutes": 60})


@pytest.fixture
def stored(link_settings: Settings) -> FileRef:
    return FileStore.of(link_settings).save(CONTENT, NAME, "application/pdf")


@pytest.fixture
async def client(db: Database, link_settings: Settings,
                 clock: FakeClock) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    assert file_links.add_routes(app, db, link_settings, clock)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def _path(url: str) -> str:
    """The link as the web app sees it, behind the proxy that serves CHIBOT_PUBLIC_URL."""
    assert url.startswith(PUBLIC_URL.rstrip("/") + "/files/")
    return urlsplit(url).path


async def _served(db: Database) -> list[dict[str, object]]:
    async with db.session() as session:
        return [{"subject": e.subject_id, **e.detail}
                for e in await audit.entries(session, file_links.SERVED)]


async def test_a_link_serves_the_file_with_its_type_and_name_and_is_audited(
    db: Database, link_settings: Settings, clock: FakeClock, stored: FileRef,
    client: TestClient[web.Request, web.Application],
) -> None:
    url = FileLinks(link_settings, clock).url(stored, audience="member:7")
    clock.advance(minutes=59)

    response = await client.get(_path(url))

    assert response.status == 200
    assert await response.read() == CONTENT
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME, safe='')}" in disposition
    assert url.endswith("/file.pdf")
    assert await _served(db) == [{"subject": stored.path.split("/")[-1], "audience": "member:7",
                                  "mime_type": "application/pdf", "size": len(CONTENT)}]


async def test_a_link_is_refused_after_it_expires(
    db: Database, link_settings: Settings, clock: FakeClock, stored: FileRef,
    client: TestClient[web.Request, web.Application],
) -> None:
    url = FileLinks(link_settings, clock).url(stored)
    clock.advance(minutes=60)

    response = await client.get(_path(url))

    assert response.status == 410
    assert await response.read() != CONTENT
    assert await _served(db) == []


async def test_wrong_or_tampered_tokens_are_refused_alike_whether_or_not_the_file_exists(
    db: Database, link_settings: Settings, clock: FakeClock, stored: FileRef,
    client: TestClient[web.Request, web.Application],
) -> None:
    genuine = _path(FileLinks(link_settings, clock).url(stored))
    token = genuine.split("/")[2]
    body, signature = token.split(".")
    other_secret = link_settings.model_copy(update={"secret_key": SecretStr("another-deployment")})
    missing = FileRef("00/" + "0" * 64, "x.pdf", "application/pdf", 1)
    forged = [
        genuine.replace(signature, signature[::-1]),  # a wrong signature
        genuine.replace(body, body[:-2] + ("AA" if body[-2:] != "AA" else "BB")),  # a changed body
        _path(FileLinks(other_secret, clock).url(stored)),  # signed with another secret
        _path(FileLinks(other_secret, clock).url(missing)),  # ... for a file that does not exist
        f"/files/{body}/file.pdf",  # no signature at all
    ]

    answers = [(r.status, await r.text()) for r in [await client.get(p) for p in forged]]

    assert {status for status, _ in answers} == {404}
    assert len({text for _, text in answers}) == 1
    assert await _served(db) == []


async def test_a_deleted_file_is_gone_even_with_a_valid_link(
    db: Database, link_settings: Settings, clock: FakeClock, stored: FileRef,
    client: TestClient[web.Request, web.Application],
) -> None:
    url = FileLinks(link_settings, clock).url(stored)
    (link_settings.files_dir / stored.path).unlink()  # purged after certificate retention

    response = await client.get(_path(url))

    assert response.status == 410
    assert await _served(db) == []


async def test_a_photo_is_shown_in_place(
    link_settings: Settings, clock: FakeClock,
    client: TestClient[web.Request, web.Application],
) -> None:
    photo = FileStore.of(link_settings).save(b"\xff\xd8jpeg", "ảnh.jpg", "image/jpeg")
    url = FileLinks(link_settings, clock).url(photo)

    response = await client.get(_path(url))

    assert response.status == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert url.endswith("/file.jpg")


async def test_polling_mode_serves_links_only_when_a_public_url_is_set(
    db: Database, settings: Settings, link_settings: Settings, clock: FakeClock,
    stored: FileRef, unused_tcp_port: int,
) -> None:
    async with file_links.serving(db, settings, clock) as runner:
        assert runner is None

    listening = link_settings.model_copy(update={"web_port": unused_tcp_port})
    url = FileLinks(listening, clock).url(stored)
    local = f"http://127.0.0.1:{unused_tcp_port}{_path(url)}"
    async with file_links.serving(db, listening, clock) as runner:
        assert runner is not None
        async with aiohttp.ClientSession() as session, session.get(local) as response:
            assert response.status == 200
            assert await response.read() == CONTENT
    assert len(await _served(db)) == 1
