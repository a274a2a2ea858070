"""A small async client of the Zalo Bot Platform API (POST JSON, answers `{ok, result}`).

The PyPI clients are thin and break inside a running event loop; this one holds only what
Chibot calls. Errors are typed by Zalo's `error_code` (or the HTTP status when the body has
none), so callers decide without reading descriptions.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

# httpx logs every request URL at INFO, and a Zalo URL holds the bot's token.
logging.getLogger("httpx").setLevel(logging.WARNING)

POLL_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 20.0


class ZaloError(Exception):
    """Zalo answered with `ok: false`; `code` is its error_code (or the HTTP status)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code, self.description = code, description


class BadRequest(ZaloError):
    """400 or 404: the request itself is wrong; sending it again will not help."""


class Unauthorized(ZaloError):
    """401: the token is wrong or was reset in Zalo Bot Manager."""


class Forbidden(ZaloError):
    """403: documented only as an internal error; may mean the user blocked the bot."""


class PollTimeout(ZaloError):
    """408: getUpdates found nothing within its timeout (the normal idle answer)."""


class TooManyRequests(ZaloError):
    """429: "Quota exceeded" (the month's messages) or too fast; Zalo gives no retry-after."""


class ServerError(ZaloError):
    """5xx: Zalo's side failed; try again later."""


class NetworkError(Exception):
    """Zalo could not be reached (no answer, or not JSON); the text never holds the URL."""


_BY_CODE: dict[int, type[ZaloError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: BadRequest, 408: PollTimeout,
    429: TooManyRequests,
}


def error_for(code: int, description: str) -> ZaloError:
    kind = _BY_CODE.get(code, ServerError if code >= 500 else ZaloError)
    return kind(code, description)


class ZaloClient:
    """One bot's calls; several bots share one `httpx.AsyncClient` (its connection pool)."""

    def __init__(self, token: str, base_url: str, http: httpx.AsyncClient) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}/"
        self.bot_id = token.split(":", 1)[0]
        self.http = http

    async def call(self, method: str, payload: dict[str, Any] | None = None,
                   seconds: float = REQUEST_TIMEOUT_SECONDS) -> Any:
        """The `result` of `method`; raises a ZaloError subclass or NetworkError."""
        try:
            response = await self.http.post(self._url + method, json=payload or {},
                                            timeout=seconds)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise NetworkError(f"{method}: {type(exc).__name__}") from None
        if not isinstance(body, dict):
            raise NetworkError(f"{method}: unexpected answer")
        if body.get("ok") is True and response.is_success:
            return body.get("result")
        code = body.get("error_code") or response.status_code
        raise error_for(int(code), str(body.get("description") or response.reason_phrase))

    async def get_me(self) -> dict[str, Any]:
        return await self.call("getMe")

    async def get_updates(self, wait: int = POLL_TIMEOUT_SECONDS) -> dict[str, Any] | None:
        """The next update (Zalo hands over one per call, with no offset); None when idle."""
        try:
            return await self.call("getUpdates", {"timeout": wait},
                                   seconds=wait + REQUEST_TIMEOUT_SECONDS)
        except PollTimeout:
            return None

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, photo_url: str,
                         caption: str | None = None) -> dict[str, Any]:
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        return await self.call("sendPhoto", payload)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def send_voice(self, chat_id: str, voice_url: str) -> dict[str, Any]:
        return await self.call("sendVoice", {"chat_id": chat_id, "voice": voice_url})
