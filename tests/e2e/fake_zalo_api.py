"""A local fake Zalo Bot Platform API for end-to-end tests (loopback only).

It holds several bots by token and behaves as Zalo's public docs say: POST JSON, answers
`{ok, result}` or `{ok: false, error_code, description}` (with that HTTP status), one update
per getUpdates and 408 when none came, getUpdates refused while a webhook is set, webhook
posts with `X-Bot-Api-Secret-Token` (wrapped in `{ok, result}` or bare), and a monthly
message quota per bot answered with 429 "Quota exceeded". A bot may only write to users who
wrote to it; anything else a client does wrong is recorded in `violations` (answered 400),
so a test ending with `assert_no_violations()` fails on it.

Unlike Zalo, webhooks on http://127.0.0.1 are accepted (the real platform wants public HTTPS).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

HOST = "127.0.0.1"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
TEXT_LIMIT = 2000
COUNTED = frozenset({"sendMessage", "sendPhoto", "sendVoice", "sendSticker"})
METHODS = frozenset({"getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo",
                     *COUNTED, "sendChatAction"})
POLL_CAP_SECONDS = 1.0  # tests need not wait Zalo's full 30 s for an idle answer


@dataclass
class Sent:
    """One message a bot sent (or tried to: `accepted` is False when refused)."""

    bot: str
    method: str
    chat_id: str
    text: str | None
    url: str | None = None  # sendPhoto's photo, sendVoice's voice
    accepted: bool = True
    fetched: int | None = None  # the HTTP status of fetching `url`, when it is on loopback


@dataclass
class FakeBot:
    token: str
    name: str
    quota: int
    updates: deque[dict[str, Any]] = field(default_factory=deque)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    webhook: str | None = None
    secret: str | None = None
    used: int = 0  # messages accepted this month
    users: set[str] = field(default_factory=set)
    failures: dict[str, deque[tuple[int, str]]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.token.split(":", 1)[0]


class FakeZaloAPI:
    def __init__(self, tokens: dict[str, str], quota: int = 3000, wrapped: bool = True) -> None:
        """`tokens`: token -> bot name. `wrapped`: webhook bodies in `{ok, result}` or bare."""
        self.bots = {token: FakeBot(token, name, quota) for token, name in tokens.items()}
        self.wrapped = wrapped
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, str]] = []  # (bot id, method)
        self.violations: list[str] = []
        self.webhook_answers: list[int] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self._ids = itertools.count(1)
        self._sent_changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/_files/{name}", self._file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._http = ClientSession(timeout=ClientTimeout(total=10))

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeZaloAPI:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    def assert_no_violations(self) -> None:
        assert not self.violations, "\n".join(self.violations)

    # What users do

    def bot(self, name: str) -> FakeBot:
        return next(b for b in self.bots.values() if name in (b.name, b.token, b.id))

    async def user_message(self, bot: str, user: str, text: str | None = None, *,
                           photo_url: str | None = None, caption: str | None = None,
                           event: str | None = None, name: str = "Người dùng") -> dict[str, Any]:
        """A user writes to `bot` (a name, token or id); returns the update Zalo made."""
        fake = self.bot(bot)
        fake.users.add(user)
        message: dict[str, Any] = {
            "message_id": f"m{next(self._ids):08x}", "date": int(time.time() * 1000),
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "from": {"id": user, "display_name": name, "is_bot": False},
        }
        if text is not None:
            message["text"] = text
        if photo_url is not None:
            message["photo_url"] = photo_url
            if caption:
                message["caption"] = caption
        kind = event or ("message.image.received" if photo_url else "message.text.received")
        update = {"event_name": kind, "message": message}
        await self.deliver(fake, update)
        return update

    async def deliver(self, fake: FakeBot, update: dict[str, Any]) -> int | None:
        """Hand `update` to the bot: queued for getUpdates, or posted to its webhook."""
        if fake.webhook is None:
            fake.updates.append(update)
            fake.arrived.set()
            return None
        body = {"ok": True, "result": update} if self.wrapped else update
        headers = {"X-Bot-Api-Secret-Token": fake.secret or ""}
        assert self._http is not None
        try:
            async with self._http.post(fake.webhook, json=body, headers=headers) as answer:
                status = answer.status
        except ClientError:
            status = 0
        self.webhook_answers.append(status)
        return status

    def serve_file(self, name: str, content: bytes, content_type: str) -> str:
        """A URL on this server (as Zalo's CDN would give a member's photo)."""
        self.files[name] = (content, content_type)
        return f"{self.base_url}/_files/{name}"

    def fail_next(self, bot: str, method: str, code: int, description: str,
                  times: int = 1) -> None:
        queue = self.bot(bot).failures.setdefault(method, deque())
        queue.extend([(code, description)] * times)

    # What tests look at

    def sent_to(self, bot: str, user: str) -> list[Sent]:
        fake = self.bot(bot)
        return [s for s in self.sent if s.bot == fake.id and s.chat_id == user and s.accepted]

    async def wait_for_sent(self, bot: str, user: str, count: int = 1,
                            within: float = 15.0) -> list[Sent]:
        """At least `count` messages from `bot` to `user`, waiting for them to arrive."""
        await self.wait_until(lambda: len(self.sent_to(bot, user)) >= count,
                              what=f"{count} messages to {user}", within=within)
        return self.sent_to(bot, user)

    async def wait_until(self, check: Callable[[], bool], what: str = "condition",
                         within: float = 15.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not check():
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            self._sent_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_changed.wait(), 0.05)

    # The API

    async def _method(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        fake = self.bots.get(token)
        if fake is None:
            return _error(401, "Unauthorized")
        self.calls.append((fake.id, method))
        if method not in METHODS:
            return self._violation(f"unknown method {method}", 404)
        try:
            payload = await request.json()
        except ValueError:
            return self._violation(f"{method}: body is not JSON")
        failures = fake.failures.get(method)
        if failures:
            return _error(*failures.popleft())
        handler = getattr(self, f"_{method}")
        return await handler(fake, payload)

    async def _getMe(self, fake: FakeBot, _payload: dict[str, Any]) -> web.Response:
        return _ok({"id": fake.id, "account_name": fake.name, "account_type": "BASIC",
                    "can_join_groups": False})

    async def _getUpdates(self, fake: FakeBot, payload: dict[str, Any]) -> web.Response:
        if fake.webhook is not None:
            return _error(400, "Webhook is set; getUpdates is not allowed")
        if not fake.updates:
            fake.arrived.clear()
            wait = min(float(payload.get("timeout", 30)), POLL_CAP_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fake.arrived.wait(), wait)
        if not fake.updates:
            return _error(408, "Request timeout")
        return _ok(fake.updates.popleft())

    async def _setWebhook(self, fake: FakeBot, payload: dict[str, Any]) -> web.Response:
        url, secret = str(payload.get("url", "")), str(payload.get("secret_token", ""))
        parts = urlsplit(url)
        if parts.scheme != "https" and parts.hostname not in LOOPBACK:
            return self._violation(f"setWebhook: not https: {url}")
        if parts.hostname not in LOOPBACK:  # a test never reaches outside this machine
            return self._violation(f"setWebhook: not on loopback: {url}")
        if not 8 <= len(secret) <= 256:
            return self._violation("setWebhook: secret_token must be 8-256 characters")
        fake.webhook, fake.secret = url, secret
        return _ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def _deleteWebhook(self, fake: FakeBot, _payload: dict[str, Any]) -> web.Response:
        fake.webhook = fake.secret = None
        return _ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def _getWebhookInfo(self, fake: FakeBot, _payload: dict[str, Any]) -> web.Response:
        return _ok({"url": fake.webhook or "", "updated_at": int(time.time() * 1000)})

    async def _sendChatAction(self, fake: FakeBot, payload: dict[str, Any]) -> web.Response:
        problem = self._recipient_problem(fake, payload)
        return self._violation(problem) if problem else _ok(True)

    async def _sendMessage(self, fake: FakeBot, payload: dict[str, Any]) -> web.Response:
        text = payload.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= TEXT_LIMIT:
            return self._violation(f"sendMessage: text of {len(text or '')} characters")
        return await self._send(fake, "sendMessage", payload, text, None)

    async def _sendPhoto(self, fake: FakeBot, payload: dict[str, Any]) -> web.Response:
        caption = payload.get("caption")
        if caption is not None and len(caption) > TEXT_LIMIT:
            return self._violation("sendPhoto: caption over 2000 characters")
        if not str(payload.get("photo", "")).startswith(("http://", "https://")):
            return self._violation("sendPhoto: photo must be a URL")
        return await self._send(fake, "sendPhoto", payload, caption, payload["photo"])

    async def _sendVoice(self, fake: FakeBot, payload: dict[str, Any]) -> web.Response:
        if not str(payload.get("voice", "")).startswith(("http://", "https://")):
            return self._violation("sendVoice: voice must be a URL")
        return await self._send(fake, "sendVoice", payload, None, payload["voice"])

    async def _sendSticker(self, fake: FakeBot, payload: dict[str, Any]) -> web.Response:
        return await self._send(fake, "sendSticker", payload, None, None)

    async def _send(self, fake: FakeBot, method: str, payload: dict[str, Any],
                    text: str | None, url: str | None) -> web.Response:
        problem = self._recipient_problem(fake, payload)
        if problem:
            return self._violation(problem)
        chat = str(payload["chat_id"])
        if fake.used >= fake.quota:
            self._record(Sent(fake.id, method, chat, text, url, accepted=False))
            return _error(429, "Quota exceeded")
        fake.used += 1
        fetched = await self._fetch(url) if url else None
        self._record(Sent(fake.id, method, chat, text, url, fetched=fetched))
        return _ok({"message_id": f"s{next(self._ids):08x}", "date": int(time.time() * 1000)})

    def _recipient_problem(self, fake: FakeBot, payload: dict[str, Any]) -> str | None:
        chat = payload.get("chat_id")
        if not isinstance(chat, str) or not chat:
            return "chat_id must be a non-empty string"
        if chat not in fake.users:
            return f"bot {fake.name} wrote to {chat}, who never wrote to it"
        return None

    async def _fetch(self, url: str) -> int | None:
        """Fetch a linked file as Zalo would (only on loopback)."""
        if urlsplit(url).hostname not in LOOPBACK or self._http is None:
            return None
        try:
            async with self._http.get(url) as answer:
                await answer.read()
                return answer.status
        except ClientError:
            return 0

    async def _file(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return web.Response(body=found[0], content_type=found[1])

    def _record(self, sent: Sent) -> None:
        self.sent.append(sent)
        self._sent_changed.set()

    def _violation(self, problem: str, status: int = 400) -> web.Response:
        self.violations.append(problem)
        return _error(status, problem)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description},
                             status=code)
