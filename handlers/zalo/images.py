"""A photo a member sent (Zalo gives a URL): fetched only from Zalo's hosts, within limits."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx

from storage.files import FileStore
from vocabulary.settings import Settings
from vocabulary.types import FileRef

log = logging.getLogger(__name__)
MAGIC = {b"\xff\xd8\xff": ("image/jpeg", "photo.jpg"), b"\x89PNG": ("image/png", "photo.png")}
CHUNK = 64 * 1024
FETCH_SECONDS = 30.0


class ImageProblem(Exception):
    """Why a photo was not taken: `problem` is an `error.file.*` message key's last part."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def allowed_host(url: str, hosts: tuple[str, ...]) -> bool:
    """Whether `url` is on one of `hosts` or a subdomain of one (never a look-alike)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    return parts.scheme in ("https", "http") and any(
        host == allowed or host.endswith("." + allowed) for allowed in hosts)


class ImageFetcher:
    """Downloads a member's photo into Chibot's file store."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings, files: FileStore) -> None:
        self.http, self.settings, self.files = http, settings, files

    async def fetch(self, url: str) -> FileRef:
        """The stored photo; raises ImageProblem (wrong host or type, too large, unavailable)."""
        if not allowed_host(url, self.settings.zalo_image_hosts):
            log.warning("a photo from a host not allowed was refused")
            raise ImageProblem("unavailable")
        content = await self._download(url)
        for magic, (mime, name) in MAGIC.items():  # the bytes decide, not the header
            if content.startswith(magic) and mime in self.settings.zalo_image_types:
                return self.files.save(content, name, mime)
        raise ImageProblem("wrong_type")

    async def _download(self, url: str) -> bytes:
        limit = self.settings.file_max_bytes
        try:  # redirects are not followed: they could lead off Zalo's hosts
            async with self.http.stream("GET", url, timeout=FETCH_SECONDS) as response:
                if response.status_code != httpx.codes.OK:
                    raise ImageProblem("unavailable")
                if int(response.headers.get("content-length") or 0) > limit:
                    raise ImageProblem("too_large")
                content = bytearray()
                async for chunk in response.aiter_bytes(CHUNK):
                    content += chunk
                    if len(content) > limit:
                        raise ImageProblem("too_large")
        except httpx.HTTPError as exc:
            log.warning("a photo could not be fetched (%s)", type(exc).__name__)
            raise ImageProblem("unavailable") from None
        return bytes(content)
