"""Stored files at unguessable, expiring links under CHIBOT_PUBLIC_URL (Zalo takes URLs only).

A link is signed, not stored: an HMAC-SHA256, keyed from the deployment's secret_key, over
the file's place, type, name, expiry and whom it was made for. So any process that holds
the secret mints and checks links with no table and no database write per message, and
nobody can forge a link or extend its expiry; the price, that one link cannot be revoked
early, is bounded by the short expiry (CHIBOT_FILE_LINK_MINUTES).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import mimetypes
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from aiohttp import hdrs, web

from storage.db import Database
from storage.files import FileStore
from storage.repos import audit
from vocabulary.settings import Settings
from vocabulary.text import fold
from vocabulary.types import FileRef

log = logging.getLogger(__name__)
FILES_ROUTE = "/files"
SERVED = "file.served"
_KEY_PURPOSE = b"chibot file links v1"  # this key signs links and nothing else
_INLINE = ("image/", "audio/")  # shown in place; other files are offered as downloads


@dataclass(frozen=True)
class Grant:
    """What a genuine link gives: the file, until when, and whom it was made for."""

    ref: FileRef
    expires_at: datetime
    audience: str


class FileLinks:
    """Mints links to stored files and checks the links it is shown."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.base = (settings.public_url or "").rstrip("/")
        self.lifetime = timedelta(minutes=settings.file_link_minutes)
        self.clock = clock
        self._key = hmac.new(settings.server_secret(), _KEY_PURPOSE, hashlib.sha256).digest()

    def url(self, ref: FileRef, audience: str = "") -> str:
        """A link to `ref` for the next file_link_minutes; `audience` is an id, never a name."""
        if not self.base:
            raise ValueError("CHIBOT_PUBLIC_URL is not set")
        expires = int((self.clock() + self.lifetime).timestamp())
        fields = [ref.path, ref.mime_type, ref.name, ref.size, expires, audience]
        body = _encode(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode())
        # The last segment is for clients that look at a URL's extension (Zalo's voice: .aac).
        return f"{self.base}{FILES_ROUTE}/{body}.{_encode(self._sign(body))}/{_url_name(ref)}"

    def check(self, token: str) -> Grant | None:
        """The grant of a link this deployment made, expired or not; None for anything else."""
        body, _, signature = token.partition(".")
        try:
            genuine = hmac.compare_digest(_decode(signature), self._sign(body))
            if not genuine:
                return None
            path, mime_type, name, size, expires, audience = json.loads(_decode(body))
        except (ValueError, binascii.Error):
            return None
        return Grant(FileRef(path, name, mime_type, size),
                     datetime.fromtimestamp(expires, UTC), audience)

    def _sign(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode(), hashlib.sha256).digest()


class FileServer:
    """Serves a genuine, unexpired link's file, and audits every file it serves."""

    def __init__(self, links: FileLinks, store: FileStore, db: Database) -> None:
        self.links, self.store, self.db = links, store, db

    async def serve(self, request: web.Request) -> web.StreamResponse:
        grant = self.links.check(request.match_info["token"])
        if grant is None:  # the same answer whether or not such a file exists
            raise web.HTTPNotFound()
        now = self.links.clock()
        if now >= grant.expires_at:
            raise web.HTTPGone()
        content = self.store.read(grant.ref.path)  # decrypted in memory only
        if content is None:  # deleted after its retention period
            raise web.HTTPGone()
        if request.method == hdrs.METH_GET:
            async with self.db.session() as session:
                audit.record(session, at=now, actor="file_link", action=SERVED,
                             subject=("file", grant.ref.path.rsplit("/", 1)[-1]),
                             audience=grant.audience, mime_type=grant.ref.mime_type,
                             size=grant.ref.size)
            log.info("file link served (%s)", grant.ref.mime_type)
        return web.Response(body=content, headers={
            hdrs.CONTENT_TYPE: grant.ref.mime_type,
            hdrs.CONTENT_DISPOSITION: _disposition(grant.ref),
            hdrs.CACHE_CONTROL: "private, no-store",
            "X-Content-Type-Options": "nosniff",
        })


def add_routes(app: web.Application, db: Database, settings: Settings,
               clock: Callable[[], datetime]) -> bool:
    """Serve file links on `app` when CHIBOT_PUBLIC_URL is set; True if it now does."""
    if not settings.public_url:
        return False
    server = FileServer(FileLinks(settings, clock), FileStore.of(settings), db)
    app.router.add_get(f"{FILES_ROUTE}/{{token}}/{{name}}", server.serve)
    return True


@asynccontextmanager
async def serving(db: Database, settings: Settings,
                  clock: Callable[[], datetime]) -> AsyncIterator[web.AppRunner | None]:
    """A small web server for file links while polling; none when CHIBOT_PUBLIC_URL is unset."""
    app = web.Application()
    if not add_routes(app, db, settings, clock):
        yield None
        return
    # No access log: a link is a credential until it expires, and a member's address is
    # personal data.
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.web_host, settings.web_port).start()
        yield runner
    finally:
        await runner.cleanup()


def _disposition(ref: FileRef) -> str:
    """RFC 6266: the real name in UTF-8, and a plain ASCII one for old clients."""
    kind = "inline" if ref.mime_type.startswith(_INLINE) else "attachment"
    plain = "".join(c for c in fold(ref.name) if c.isascii() and c not in '"\\/') or "file"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(ref.name, safe='')}"


def _url_name(ref: FileRef) -> str:
    return "file" + (mimetypes.guess_extension(ref.mime_type) or "")


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
