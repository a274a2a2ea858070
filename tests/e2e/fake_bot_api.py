"""A local fake Telegram Bot API server for end-to-end tests and benchmarks (loopback only).

Every request is validated against the Bot API spec (``tests/e2e/spec.py``); a violation
is recorded in :attr:`FakeBotAPI.violations` and answered with HTTP 400, so a test that
ends with :meth:`FakeBotAPI.assert_no_violations` fails. The server is stateful enough for
a bot's end-to-end test: long polling with offsets, webhooks with a secret token, message
ids per chat, edits, callback answers, commands per scope and language, files.

In a test::

    async with FakeBotAPI() as api:
        bot = Bot("123456:TEST", session=AiohttpSession(api=api.api_server))
        await api.user_message(42, "/start")
        ...
        api.assert_no_violations()

As a process (for benchmarks)::

    python -m tests.e2e.fake_bot_api --port 8081 --latency-ms 30 --global-rate 30 \\
        --per-chat-rate 1

It prints ``READY http://127.0.0.1:PORT`` once listening; ``GET /_stats`` gives counters,
``POST /_inject`` injects updates, ``POST /_config`` / ``POST /_fail`` change behaviour
(see :meth:`FakeBotAPI._control_routes`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import math
import re
import signal
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, MultipartReader, web
from aiohttp.web_request import FileField

from tests.e2e.spec import (
    BotApiSpec,
    ParseEntitiesError,
    UploadedFile,
    html_visible_text,
    load_spec,
)

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer

HOST = "127.0.0.1"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
# Methods that send a message (rate limited like Telegram's ~1/s per chat, ~30/s overall).
_NOT_RATE_LIMITED_SENDS = frozenset({"sendChatAction", "sendMessageDraft", "sendRichMessageDraft"})
_EXTRA_RATE_LIMITED = frozenset({"copyMessage", "copyMessages", "forwardMessage",
                                 "forwardMessages"})
_MEDIA_PARAMS = {
    "sendPhoto": "photo", "sendDocument": "document", "sendVideo": "video",
    "sendAudio": "audio", "sendVoice": "voice", "sendAnimation": "animation",
    "sendSticker": "sticker", "sendVideoNote": "video_note",
}
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
         "instance is running",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of "
                "the message")
QUERY_TOO_OLD = ("Bad Request: query is too old and response timeout expired or query ID is "
                 "invalid")


class ApiError(Exception):
    """Answer the current request with ``{"ok": false, ...}``."""

    def __init__(self, code: int, description: str,
                 parameters: Mapping[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = dict(parameters or {})


@dataclass
class SentMessage:
    """A message the bot sent (sendMessage, sendPhoto, sendDocument, other send* calls)."""

    method: str
    chat_id: int | str
    message_id: int
    text: str | None
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    params: dict[str, Any]
    kind: str = "text"
    caption: str | None = None
    file_id: str | None = None
    file_bytes: bytes | None = None
    at: float = 0.0  # time.time() when it was accepted

    def buttons(self) -> list[dict[str, Any]]:
        """All inline or reply keyboard buttons, row by row, flattened."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button for row in rows for button in row]

    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons() if "callback_data" in b]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["params"] = {key: _jsonable(value) for key, value in self.params.items()}
        data["file_bytes"] = None if self.file_bytes is None else len(self.file_bytes)
        return data


@dataclass
class Edit:
    method: str
    chat_id: int | str | None
    message_id: int | None
    inline_message_id: str | None
    text: str | None
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]


@dataclass
class RecordedRequest:
    method: str
    params: dict[str, Any]
    status: int = 200
    description: str | None = None
    via: str = "http"  # "http" or "webhook-reply"


@dataclass
class WebhookDelivery:
    update_id: int
    status: int | None  # HTTP status, None when the request failed
    error: str | None = None
    reply_method: str | None = None  # a method the bot answered in the webhook response


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str

    def as_file(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_size": len(self.content), "file_path": self.file_path}


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    description: str | None
    remaining: int


@dataclass
class _Bucket:
    """Token bucket: ``rate`` tokens/s, at most ``capacity`` stored."""

    rate: float
    capacity: float
    tokens: float = field(default=-1.0)
    stamp: float = field(default_factory=time.monotonic)

    def wait_time(self, now: float) -> float:
        if self.tokens < 0:  # first use: full
            self.tokens, self.stamp = self.capacity, now
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.stamp = max(self.stamp, now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return {"uploaded_file": value.filename, "size": len(value.data)}
    return value


def _unique_id(seed: str) -> str:
    return "AgAD" + hashlib.sha1(seed.encode()).hexdigest()[:12]


class FakeBotAPI:
    """Fake Telegram Bot API on 127.0.0.1; see the module docstring.

    Public attributes (all mutable lists/dicts, inspect them in tests):
    ``violations`` (spec/limit violations, strings), ``unsupported`` (valid calls the fake
    does not implement), ``internal_errors`` (bugs of the fake), ``requests``
    (:class:`RecordedRequest`), ``sent`` (:class:`SentMessage`), ``edits`` (:class:`Edit`),
    ``deleted`` ((chat_id, message_id)), ``chat_actions`` ((chat_id, action)),
    ``answered_callbacks`` (callback id -> params), ``commands`` ((scope json,
    language_code) -> commands), ``webhook_url``, ``webhook_secret``,
    ``webhook_deliveries`` (:class:`WebhookDelivery`), ``files`` (file_id ->
    :class:`StoredFile`), ``messages`` ((chat_id, message_id) -> Message dict),
    ``blocked_chats`` (chat ids whose user blocked the bot).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        port: int = 0,
        latency_ms: float = 0.0,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        group_per_minute: float | None = None,
        enforce_retry_after: bool | None = None,
        bot_id: int | None = None,
        bot_username: str = "chibot_test_bot",
        bot_first_name: str = "Chibot Test",
        spec: BotApiSpec | None = None,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.token = token
        self.port = port
        self.latency_ms = latency_ms
        self.spec = spec or load_spec()
        self.webhook_timeout = webhook_timeout
        if bot_id is None:
            bot_id = int(token.split(":", 1)[0]) if token else 123456
        self.bot_user: dict[str, Any] = {
            "id": bot_id, "is_bot": True, "first_name": bot_first_name,
            "username": bot_username,
        }
        self._global_rate = global_rate
        self._per_chat_rate = per_chat_rate
        self._group_per_minute = group_per_minute
        self._enforce_retry_after = enforce_retry_after
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._closing = False
        self._changed = asyncio.Event()
        self._update_ids = itertools.count(100_000_001)
        self._callback_ids = itertools.count(4_000_000_001)
        self._file_ids = itertools.count(1)
        self._started_at = time.time()
        self._webhook_flush: asyncio.Task[None] | None = None
        self.reset()

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        for method, path, handler in self._control_routes():
            app.router.add_route(method, path, handler)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]
        self._client = ClientSession(timeout=ClientTimeout(total=self.webhook_timeout))
        self._closing = False
        self._started_at = time.time()

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._webhook_flush is not None:
            self._webhook_flush.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_flush
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_server(self) -> TelegramAPIServer:
        """aiogram's API server config pointing here (``AiohttpSession(api=...)``)."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    def make_bot(self, token: str | None = None, **kwargs: Any) -> Bot:
        """An aiogram Bot talking to this server; close it with ``await bot.session.close()``."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession

        return Bot(token or self.token or f"{self.bot_user['id']}:TEST",
                   session=AiohttpSession(api=self.api_server), **kwargs)

    def reset(self) -> None:
        """Forget everything recorded (not the configuration, files or webhook)."""
        self.violations: list[str] = []
        self.unsupported: list[str] = []
        self.internal_errors: list[str] = []
        self.requests: list[RecordedRequest] = []
        self.sent: list[SentMessage] = []
        self.edits: list[Edit] = []
        self.deleted: list[tuple[int | str, int]] = []
        self.chat_actions: list[tuple[int | str, str]] = []
        self.answered_callbacks: dict[str, dict[str, Any]] = {}
        self.callbacks: dict[str, dict[str, Any]] = {}  # injected, by id
        self.messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.dropped_updates: list[dict[str, Any]] = []
        self.early_retries = 0
        self.rate_limited: Counter[str] = Counter()
        self.blocked_chats: set[int] = getattr(self, "blocked_chats", set())
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = getattr(
            self, "commands", {})
        self.files: dict[str, StoredFile] = getattr(self, "files", {})
        self.webhook_url: str = getattr(self, "webhook_url", "")
        self.webhook_secret: str | None = getattr(self, "webhook_secret", None)
        # Several processes behind one webhook (a load balancer): posts go to each in turn.
        self.webhook_workers: list[str] = getattr(self, "webhook_workers", [])
        self._webhook_turn = itertools.count()
        self.allowed_updates: list[str] | None = getattr(self, "allowed_updates", None)
        self._queue: list[dict[str, Any]] = []
        self._webhook_pending: deque[dict[str, Any]] = deque()
        self._webhook_last_error: tuple[int, str] | None = None
        self._sources: dict[tuple[int | str, int], tuple[Any, Any, Any]] = {}
        self._message_ids: dict[int | str, int] = defaultdict(int)
        self._chats: dict[int | str, dict[str, Any]] = getattr(self, "_chats", {})
        self._users: dict[int, dict[str, Any]] = getattr(self, "_users", {})
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._buckets: dict[str, _Bucket] = {}
        self._banned_until: dict[str, float] = {}
        self._poll_generation = 0
        self._sent_texts: Counter[tuple[Any, str]] = Counter()
        self._notify()

    # ------------------------------------------------------ configuration
    def set_latency(self, ms: float) -> None:
        self.latency_ms = ms

    def set_rates(self, *, global_rate: float | None = None, per_chat_rate: float | None = None,
                  group_per_minute: float | None = None) -> None:
        """Messages/s overall and per chat, messages/min per group (None: unlimited)."""
        self._global_rate = global_rate
        self._per_chat_rate = per_chat_rate
        self._group_per_minute = group_per_minute
        self._buckets.clear()

    def fail_next(self, method: str, status: int, retry_after: int | None = None,
                  times: int = 1, description: str | None = None) -> None:
        """Answer the next ``times`` (valid) calls of ``method`` with an error.

        429 carries ``parameters.retry_after`` (default 1 s); 403 says "Forbidden: bot was
        blocked by the user" unless ``description`` is given; 5xx are server errors.
        """
        canonical = self.spec.method_name(method)
        if canonical is None:
            raise ValueError(f"unknown Bot API method {method!r}")
        if status == 429 and retry_after is None:
            retry_after = 1
        self._failures[canonical].append(_Failure(status, retry_after, description, times))

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocked the bot: sends to their chat answer 403 until unblocked."""
        (self.blocked_chats.add if blocked else self.blocked_chats.discard)(user_id)

    def add_file(self, file_id: str, content: bytes, file_path: str | None = None) -> StoredFile:
        """Register a file for getFile and the download route."""
        stored = StoredFile(file_id, _unique_id(file_id), content,
                            file_path or f"documents/file_{next(self._file_ids)}")
        self.files[file_id] = stored
        return stored

    # ------------------------------------------------------ test assertions
    def assert_no_violations(self) -> None:
        problems = [f"violation: {v}" for v in self.violations]
        problems += [f"not implemented by FakeBotAPI: {u}" for u in self.unsupported]
        problems += [f"FakeBotAPI internal error: {e}" for e in self.internal_errors]
        if problems:
            raise AssertionError("Bot API misuse:\n  " + "\n  ".join(problems))

    def unanswered_callbacks(self) -> list[str]:
        return [cid for cid in self.callbacks if cid not in self.answered_callbacks]

    def sent_to(self, chat_id: int | str) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def last_sent(self, chat_id: int | str | None = None) -> SentMessage:
        messages = self.sent if chat_id is None else self.sent_to(chat_id)
        if not messages:
            where = "" if chat_id is None else f" to {chat_id}"
            raise AssertionError(f"no message was sent{where}")
        return messages[-1]

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of the successful calls of ``method``."""
        return [r.params for r in self.requests if r.method == method and r.status == 200]

    def commands_for(self, scope: Mapping[str, Any] | None = None,
                     language_code: str = "") -> list[dict[str, Any]] | None:
        return self.commands.get((self._scope_key(scope), language_code))

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._queue)

    async def wait_until(self, predicate: Callable[[], bool], within: float = 15.0,
                         what: str = "condition") -> None:
        """Wait (at most ``within`` seconds) until ``predicate()`` is true, else fail."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = self._changed
            if predicate():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {within}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_sent(self, chat_id: int | str | None = None, count: int = 1,
                            since: int = 0, within: float = 15.0) -> list[SentMessage]:
        """Wait until ``count`` messages (to ``chat_id``) are in ``sent[since:]``; return them."""

        def matching() -> list[SentMessage]:
            return [m for m in self.sent[since:] if chat_id is None or m.chat_id == chat_id]

        where = "any chat" if chat_id is None else chat_id
        await self.wait_until(lambda: len(matching()) >= count, within,
                              f"{count} message(s) to {where}")
        return matching()

    async def wait_updates_consumed(self, within: float = 15.0) -> None:
        """Wait until the bot confirmed (getUpdates offset) every queued update."""
        await self.wait_until(lambda: not self._queue, within, "updates to be consumed")

    def stats(self) -> dict[str, Any]:
        per_chat = Counter(str(m.chat_id) for m in self.sent)
        duplicates = {key: n for key, n in self._sent_texts.items() if n > 1}
        methods = Counter(r.method for r in self.requests)
        return {
            "uptime_s": round(time.time() - self._started_at, 3),
            "requests": len(self.requests),
            "requests_by_method": dict(methods),
            "errors_by_status": dict(Counter(str(r.status) for r in self.requests
                                             if r.status != 200)),
            "sent_messages": len(self.sent),
            "sent_per_chat": dict(per_chat),
            "first_sent_at": self.sent[0].at if self.sent else None,
            "last_sent_at": self.sent[-1].at if self.sent else None,
            "rate_limited": sum(self.rate_limited.values()),
            "rate_limited_per_chat": dict(self.rate_limited),
            "early_retries": self.early_retries,
            "duplicates": sum(n - 1 for n in duplicates.values()),
            "duplicate_texts": [
                {"chat_id": chat, "text": text[:200], "count": n}
                for (chat, text), n in list(duplicates.items())[:50]
            ],
            "edits": len(self.edits),
            "callbacks": len(self.callbacks),
            "callbacks_answered": len(self.answered_callbacks),
            "unanswered_callbacks": len(self.unanswered_callbacks()),
            "pending_updates": len(self._queue),
            "webhook_url": self.webhook_url,
            "webhook_deliveries": len(self.webhook_deliveries),
            "webhook_pending": len(self._webhook_pending),
            "violations": len(self.violations),
            "violation_samples": self.violations[:20],
            "unsupported": self.unsupported[:20],
            "internal_errors": self.internal_errors[:20],
            "config": {"latency_ms": self.latency_ms, "global_rate": self._global_rate,
                       "per_chat_rate": self._per_chat_rate,
                       "group_per_minute": self._group_per_minute},
        }

    # ------------------------------------------------------ update injection
    async def push_update(self, update: dict[str, Any]) -> int | None:
        """Deliver an Update: POST it to the webhook if one is set, else queue it for
        getUpdates. Returns the webhook's HTTP status (None if queued, dropped or failed)."""
        errors = self.spec.validate_object(update, "Update")
        if errors:
            raise ValueError("injected update is not spec-valid: " + "; ".join(errors))
        kind = next((key for key in update if key != "update_id"), None)
        if not self._update_allowed(kind):
            self.dropped_updates.append(update)
            return None
        if kind == "callback_query":
            self.callbacks[update["callback_query"]["id"]] = update["callback_query"]
        if self.webhook_url:
            return await self._deliver(update)
        self._queue.append(update)
        self._notify()
        return None

    def new_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), kind: payload}

    async def user_message(self, user_id: int, text: str, chat_id: int | None = None, *,
                           first_name: str | None = None, last_name: str | None = None,
                           username: str | None = None, language_code: str | None = "vi",
                           reply_to_message_id: int | None = None) -> dict[str, Any]:
        """A text message from a user (private chat unless ``chat_id`` is a group's)."""
        user = self._user(user_id, first_name, last_name, username, language_code)
        message = self._user_message(user, chat_id, text=text)
        if reply_to_message_id is not None:
            replied = self.messages.get((message["chat"]["id"], reply_to_message_id))
            if replied is not None:
                message["reply_to_message"] = copy.deepcopy(replied)
        return await self._push_message(message)

    async def group_message(self, user_id: int, chat_id: int, text: str, *,
                            title: str = "Test group", chat_type: str | None = None,
                            first_name: str | None = None,
                            username: str | None = None) -> dict[str, Any]:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = chat_type or ("supergroup" if chat_id <= -1_000_000_000_000 else "group")
        self._chats[chat_id] = {"id": chat_id, "type": kind, "title": title}
        user = self._user(user_id, first_name, None, username, "vi")
        return await self._push_message(self._user_message(user, chat_id, text=text))

    async def user_contact(self, user_id: int, phone: str, contact_user_id: int | None, *,
                           first_name: str | None = None, last_name: str | None = None,
                           chat_id: int | None = None) -> dict[str, Any]:
        """A shared contact. Sharing one's own contact: ``contact_user_id == user_id``;
        a forwarded contact of someone else: another id, or None (not a Telegram user)."""
        user = self._user(user_id, None, None, None, "vi")
        contact: dict[str, Any] = {"phone_number": phone,
                                   "first_name": first_name or user["first_name"]}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return await self._push_message(self._user_message(user, chat_id, contact=contact))

    async def user_photo(self, user_id: int, file_id: str, file_size: int | None = None, *,
                         caption: str | None = None, content: bytes | None = None,
                         width: int = 1280, height: int = 960,
                         chat_id: int | None = None) -> dict[str, Any]:
        """A photo (two sizes, the largest is ``file_id``); ``content`` registers the file."""
        if content is not None:
            self.add_file(file_id, content, f"photos/file_{next(self._file_ids)}.jpg")
        size = file_size if file_size is not None else len(content or b"") or 102_400
        user = self._user(user_id, None, None, None, "vi")
        photo = [
            {"file_id": f"{file_id}_thumb", "file_unique_id": _unique_id(file_id + "t"),
             "width": 90, "height": max(1, 90 * height // width), "file_size": 1_500},
            {"file_id": file_id, "file_unique_id": _unique_id(file_id), "width": width,
             "height": height, "file_size": size},
        ]
        extra: dict[str, Any] = {"photo": photo}
        if caption is not None:
            extra["caption"] = caption
        return await self._push_message(self._user_message(user, chat_id, **extra))

    async def user_document(self, user_id: int, file_id: str, file_name: str = "document.pdf",
                            mime_type: str = "application/pdf", file_size: int | None = None, *,
                            caption: str | None = None, content: bytes | None = None,
                            chat_id: int | None = None) -> dict[str, Any]:
        if content is not None:
            self.add_file(file_id, content, f"documents/{file_name}")
        size = file_size if file_size is not None else len(content or b"") or 10_240
        user = self._user(user_id, None, None, None, "vi")
        document = {"file_id": file_id, "file_unique_id": _unique_id(file_id),
                    "file_name": file_name, "mime_type": mime_type, "file_size": size}
        extra: dict[str, Any] = {"document": document}
        if caption is not None:
            extra["caption"] = caption
        return await self._push_message(self._user_message(user, chat_id, **extra))

    async def user_sticker(self, user_id: int, file_id: str = "CAACAgIAAxkBAAIBsticker",
                           emoji: str = "👍", *, set_name: str | None = None,
                           chat_id: int | None = None) -> dict[str, Any]:
        user = self._user(user_id, None, None, None, "vi")
        sticker: dict[str, Any] = {
            "file_id": file_id, "file_unique_id": _unique_id(file_id), "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
            "emoji": emoji, "file_size": 20_000,
        }
        if set_name:
            sticker["set_name"] = set_name
        return await self._push_message(self._user_message(user, chat_id, sticker=sticker))

    async def user_callback(self, user_id: int, message_id: int, data: str, *,
                            chat_id: int | None = None,
                            check_button: bool = True) -> dict[str, Any]:
        """The user pressed an inline button with ``data`` on the bot's message.

        The message must be one the bot sent to that chat and (if ``check_button``) carry
        a button with that callback_data, as on Telegram. Returns the Update; its
        ``callback_query.id`` is in :attr:`callbacks` until answered.
        """
        user = self._user(user_id, None, None, None, "vi")
        chat = chat_id if chat_id is not None else user_id
        message = self.messages.get((chat, message_id))
        if message is None:
            raise LookupError(f"no message {message_id} in chat {chat}")
        if check_button:
            markup = message.get("reply_markup") or {}
            datas = [b.get("callback_data") for row in markup.get("inline_keyboard", [])
                     for b in row]
            if data not in datas:
                raise ValueError(f"message {message_id} has no button with callback_data "
                                 f"{data!r} (it has {datas})")
        query = {
            "id": str(next(self._callback_ids)), "from": user,
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(hash((self.bot_user["id"], chat))) % 10**18),
            "data": data,
        }
        update = self.new_update("callback_query", query)
        await self.push_update(update)
        return update

    def _user(self, user_id: int, first_name: str | None, last_name: str | None,
              username: str | None, language_code: str | None) -> dict[str, Any]:
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False,
                                            "first_name": f"User{user_id}"}
        if first_name:
            user["first_name"] = first_name
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code and "language_code" not in user:
            user["language_code"] = language_code
        self._users[user_id] = user
        private = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                private[key] = user[key]
        self._chats[user_id] = private
        return dict(user)

    def _user_message(self, user: dict[str, Any], chat_id: int | None,
                      **content: Any) -> dict[str, Any]:
        chat = self._chat(chat_id if chat_id is not None else user["id"])
        message = {"message_id": self._next_message_id(chat["id"]), "from": user,
                   "date": int(time.time()), "chat": chat, **content}
        text = content.get("text")
        if isinstance(text, str) and text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command.encode("utf-16-le")) // 2}]
        return message

    async def _push_message(self, message: dict[str, Any]) -> dict[str, Any]:
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        update = self.new_update("message", message)
        await self.push_update(update)
        return update

    def _update_allowed(self, kind: str | None) -> bool:
        if kind is None:
            return False
        if self.allowed_updates is None:
            return kind not in DEFAULT_UPDATE_TYPES_EXCLUDED
        return kind in self.allowed_updates

    # ---------------------------------------------------------------- chats
    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if isinstance(chat_id, str):
            for chat in self._chats.values():
                if chat.get("username") and f"@{chat['username']}".lower() == chat_id.lower():
                    return dict(chat)
            number = -1_000_000_000_000 - int(hashlib.sha1(chat_id.encode()).hexdigest()[:8], 16)
            chat = {"id": number, "type": "channel", "title": chat_id.lstrip("@"),
                    "username": chat_id.lstrip("@")}
            self._chats[chat_id] = chat
            return dict(chat)
        if chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        elif chat_id <= -1_000_000_000_000:
            chat = {"id": chat_id, "type": "supergroup", "title": f"Supergroup {chat_id}"}
        else:
            chat = {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        self._chats[chat_id] = chat
        return dict(chat)

    def _next_message_id(self, chat_id: int | str) -> int:
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    @staticmethod
    def _scope_key(scope: Mapping[str, Any] | None) -> str:
        return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    # ------------------------------------------------------------------ HTTP
    async def _handle_api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        if not _TOKEN_RE.fullmatch(token):
            return self._error(404, "Not Found")
        if self.token is not None and token != self.token:
            return self._error(401, "Unauthorized")
        try:
            params, files, form_encoded = await self._read_params(request)
        except ApiError as exc:
            self.violations.append(f"{method}: {exc.description}")
            return self._error(exc.code, exc.description)
        return await self._process(method, params, files, form_encoded=form_encoded)

    async def _read_params(self, request: web.Request
                           ) -> tuple[dict[str, Any], dict[str, UploadedFile], bool]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        content_type = request.content_type
        if request.method == "POST" and content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            params.update(body)
            return params, files, False
        if request.method == "POST" and request.can_read_body:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, FileField):
                    files[name] = UploadedFile(name, value.filename, value.content_type,
                                               value.file.read())
                else:
                    params[name] = value
        return params, files, True

    async def _process(self, method: str, params: dict[str, Any],
                       files: dict[str, UploadedFile], *, form_encoded: bool,
                       via: str = "http") -> web.Response:
        canonical = self.spec.method_name(method)
        if canonical is None:
            self.violations.append(f"{method}: unknown method")
            self.requests.append(RecordedRequest(method, params, 404, "Not Found", via))
            return self._error(404, "Not Found")
        # A file part sent under a parameter's own name is that parameter's value.
        spec_fields = {f["name"] for f in self.spec.methods[canonical].get("fields", [])}
        for name, uploaded in files.items():
            if name in spec_fields and name not in params:
                params[name] = uploaded
        decoded, errors = self.spec.validate_request(canonical, params, files,
                                                     form_encoded=form_encoded)
        record = RecordedRequest(canonical, decoded, 200, None, via)
        self.requests.append(record)
        if errors:
            self.violations.extend(f"{canonical}: {error}" for error in errors)
            return self._record_error(record, ApiError(400, "Bad Request: " + "; ".join(errors)))
        try:
            self._inject_failure(canonical, decoded)
            self._rate_limit(canonical, decoded)
            handler = getattr(self, f"_api_{canonical}", None)
            if handler is not None:
                result = await handler(decoded, files)
            else:
                result = self._api_generic(canonical, decoded, files)
        except ApiError as exc:
            return self._record_error(record, exc)
        except Exception as exc:
            self.internal_errors.append(f"{canonical}: {type(exc).__name__}: {exc}")
            return self._record_error(record, ApiError(500, f"Internal Server Error: {exc}"))
        # The fake's own answers must be spec-valid too (a bug here is the fake's).
        self.internal_errors.extend(self.spec.validate_result(canonical, result))
        self._notify()
        return web.json_response({"ok": True, "result": result})

    def _record_error(self, record: RecordedRequest, exc: ApiError) -> web.Response:
        record.status, record.description = exc.code, exc.description
        self._notify()
        return self._error(exc.code, exc.description, exc.parameters)

    @staticmethod
    def _error(code: int, description: str,
               parameters: Mapping[str, Any] | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = dict(parameters)
        return web.json_response(body, status=code)

    async def _handle_file(self, request: web.Request) -> web.Response:
        token, path = request.match_info["token"], request.match_info["path"]
        if self.token is not None and token != self.token:
            return web.Response(status=401, text="Unauthorized")
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content,
                                    content_type="application/octet-stream")
        return web.Response(status=404, text="Not Found")

    # ------------------------------------------------- failures, rate limits
    def _inject_failure(self, method: str, params: Mapping[str, Any]) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        description = failure.description or _DEFAULT_DESCRIPTIONS.get(
            failure.status, "Internal Server Error" if failure.status >= 500 else "Bad Request")
        parameters = None
        if failure.status == 429:
            description = description.format(retry_after=failure.retry_after)
            parameters = {"retry_after": failure.retry_after}
            chat = str(params.get("chat_id", "*"))
            self.rate_limited[chat] += 1
            if self._is_rate_limited_method(method):
                self._banned_until[chat] = time.monotonic() + (failure.retry_after or 0)
        raise ApiError(failure.status, description, parameters)

    def _is_rate_limited_method(self, method: str) -> bool:
        return ((method.startswith("send") and method not in _NOT_RATE_LIMITED_SENDS)
                or method in _EXTRA_RATE_LIMITED)

    def _rate_limit(self, method: str, params: Mapping[str, Any]) -> None:
        if not self._is_rate_limited_method(method):
            return
        now = time.monotonic()
        chat = str(params.get("chat_id", "*"))
        limits_on = bool(self._global_rate or self._per_chat_rate or self._group_per_minute)
        enforce = self._enforce_retry_after if self._enforce_retry_after is not None else limits_on
        for key in (chat, "*"):
            until = self._banned_until.get(key, 0.0)
            if now < until:
                self.early_retries += 1
                if enforce:
                    self._too_many(chat, key, math.ceil(until - now), now)
        buckets: list[tuple[str, _Bucket]] = []
        chat_id = params.get("chat_id")
        is_group = isinstance(chat_id, int) and chat_id < 0
        if is_group and self._group_per_minute:
            rate = self._group_per_minute / 60
            buckets.append((chat, self._bucket(f"g{chat}", rate, 1.0)))
        elif self._per_chat_rate:
            buckets.append((chat, self._bucket(f"c{chat}", self._per_chat_rate,
                                               max(1.0, self._per_chat_rate))))
        if self._global_rate:
            buckets.append(("*", self._bucket("*", self._global_rate,
                                              max(1.0, self._global_rate))))
        for key, bucket in buckets:
            wait = bucket.wait_time(now)
            if wait > 0:
                self._too_many(chat, key, max(1, math.ceil(wait)), now)
        for _, bucket in buckets:
            bucket.take()

    def _bucket(self, key: str, rate: float, capacity: float) -> _Bucket:
        if key not in self._buckets:
            self._buckets[key] = _Bucket(rate, capacity)
        return self._buckets[key]

    def _too_many(self, chat: str, ban_key: str, retry_after: int, now: float) -> None:
        self.rate_limited[chat] += 1
        self._banned_until[ban_key] = max(self._banned_until.get(ban_key, 0.0),
                                          now + retry_after)
        raise ApiError(429, f"Too Many Requests: retry after {retry_after}",
                       {"retry_after": retry_after})

    # ------------------------------------------------------------- methods
    async def _api_getMe(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _api_logOut(self, params: dict[str, Any], files: Any) -> bool:
        return True

    async def _api_close(self, params: dict[str, Any], files: Any) -> bool:
        return True

    async def _api_getUpdates(self, params: dict[str, Any], files: Any) -> list[dict[str, Any]]:
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes an older long poll, which then answers 409
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = params.get("offset")
        if offset is not None:
            if offset < 0:
                self._queue = self._queue[offset:]
            else:
                self._queue = [u for u in self._queue if u["update_id"] >= offset]
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"]) or None
        limit = params.get("limit", 100)
        timeout = params.get("timeout", 0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            if self._queue or self._closing:
                return self._queue[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
            if generation != self._poll_generation:
                raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])

    async def _api_setWebhook(self, params: dict[str, Any], files: Any) -> bool:
        url = params["url"]
        if url:
            parts = urlsplit(url)
            if parts.scheme != "https" and not (parts.scheme == "http"
                                                 and parts.hostname in LOOPBACK_HOSTS):
                raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided "
                                    "for webhook")
        self.webhook_url = url
        self.webhook_secret = params.get("secret_token")
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"]) or None
        if params.get("drop_pending_updates"):
            self._queue.clear()
            self._webhook_pending.clear()
        if url:
            self._webhook_pending.extend(self._queue)
            self._queue.clear()
            if self._webhook_pending:
                self._webhook_flush = asyncio.create_task(self.flush_webhook())
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any], files: Any) -> bool:
        if params.get("drop_pending_updates"):
            self._webhook_pending.clear()
            self._queue.clear()
        self._queue[:0] = list(self._webhook_pending)
        self._webhook_pending.clear()
        self.webhook_url, self.webhook_secret = "", None
        self.webhook_workers = []
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url, "has_custom_certificate": False,
            "pending_update_count": len(self._webhook_pending if self.webhook_url
                                        else self._queue),
        }
        if self.webhook_url:
            info["max_connections"] = 40
            if self.allowed_updates is not None:
                info["allowed_updates"] = list(self.allowed_updates)
            if self._webhook_last_error:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    async def _api_sendMessage(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat = self._target_chat(params["chat_id"])
        text, parse_mode = params["text"], params.get("parse_mode")
        markup = params.get("reply_markup")
        message = self._store_bot_message(chat, {"text": self._visible(text, parse_mode)},
                                          markup, source=(text, parse_mode, markup))
        self._record_sent(SentMessage("sendMessage", chat["id"], message["message_id"], text,
                                      markup, parse_mode, params, at=time.time()))
        return message

    async def _api_sendPhoto(self, params: dict[str, Any],
                             files: Mapping[str, UploadedFile]) -> dict[str, Any]:
        return self._send_media("sendPhoto", params, files)

    async def _api_sendDocument(self, params: dict[str, Any],
                                files: Mapping[str, UploadedFile]) -> dict[str, Any]:
        return self._send_media("sendDocument", params, files)

    def _send_media(self, method: str, params: dict[str, Any],
                    files: Mapping[str, UploadedFile]) -> dict[str, Any]:
        kind = _MEDIA_PARAMS[method]
        chat = self._target_chat(params["chat_id"])
        value = params[kind]
        uploaded = value if isinstance(value, UploadedFile) else None
        if isinstance(value, str) and value.startswith("attach://"):
            uploaded = files[value[len("attach://"):]]
        if uploaded is not None:
            stored = self.add_file(f"BQACAgIAAx{kind}{next(self._file_ids):06d}", uploaded.data,
                                   f"{kind}s/{uploaded.filename}")
            name, mime, data = uploaded.filename, uploaded.content_type, uploaded.data
        elif value in self.files:
            stored = self.files[value]
            name, mime, data = stored.file_path.rsplit("/", 1)[-1], None, stored.content
        elif value.startswith(("http://", "https://")):
            stored = self.add_file(f"BQACAgIAAxurl{next(self._file_ids):06d}", b"", value)
            name, mime, data = value.rsplit("/", 1)[-1] or kind, None, None
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        media: Any
        if kind == "photo":
            media = [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                      "width": 800, "height": 600, "file_size": len(stored.content)}]
        else:
            media = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                     "file_name": name, "file_size": len(stored.content)}
            if mime:
                media["mime_type"] = mime
        caption, parse_mode = params.get("caption"), params.get("parse_mode")
        content: dict[str, Any] = {kind: media}
        if caption:
            content["caption"] = self._visible(caption, parse_mode)
        markup = params.get("reply_markup")
        message = self._store_bot_message(chat, content, markup,
                                          source=(caption, parse_mode, markup))
        self._record_sent(SentMessage(method, chat["id"], message["message_id"], None, markup,
                                      parse_mode, params, kind=kind, caption=caption,
                                      file_id=stored.file_id, file_bytes=data, at=time.time()))
        return message

    def _api_generic(self, method: str, params: dict[str, Any],
                     files: Mapping[str, UploadedFile]) -> Any:
        returns = self.spec.methods[method].get("returns", [])
        if returns in (["Boolean"], ["True"]):
            return True
        if returns == ["Message"] and "chat_id" in params:
            chat = self._target_chat(params["chat_id"])
            markup = params.get("reply_markup")
            message = self._store_bot_message(chat, {}, markup, source=(None, None, markup))
            self._record_sent(SentMessage(method, chat["id"], message["message_id"],
                                          params.get("text"), markup, params.get("parse_mode"),
                                          params, kind=method[4:].lower() or method,
                                          caption=params.get("caption"), at=time.time()))
            return message
        self.unsupported.append(f"{method} (called with {sorted(params)})")
        raise ApiError(400, f"Bad Request: FakeBotAPI does not implement {method}")

    def _target_chat(self, chat_id: int | str) -> dict[str, Any]:
        if isinstance(chat_id, int) and chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self._chat(chat_id)

    def _visible(self, text: str | None, parse_mode: str | None) -> str | None:
        if text is None or not parse_mode or parse_mode.upper() != "HTML":
            return text
        try:
            return html_visible_text(text)
        except ParseEntitiesError:  # already reported by validation
            return text

    def _store_bot_message(self, chat: dict[str, Any], content: dict[str, Any],
                           markup: dict[str, Any] | None,
                           source: tuple[Any, Any, Any]) -> dict[str, Any]:
        message_id = self._next_message_id(chat["id"])
        message = {"message_id": message_id, "from": dict(self.bot_user),
                   "date": int(time.time()), "chat": chat, **content}
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[(chat["id"], message_id)] = message
        self._sources[(chat["id"], message_id)] = source
        return copy.deepcopy(message)

    def _record_sent(self, sent: SentMessage) -> None:
        self.sent.append(sent)
        self._sent_texts[(sent.chat_id, sent.text or sent.caption or "")] += 1

    def _editable(self, params: Mapping[str, Any]) -> tuple[int | str, int] | None:
        if "inline_message_id" in params:
            return None
        if "chat_id" not in params or "message_id" not in params:
            self.violations.append("edit: chat_id and message_id (or inline_message_id) "
                                   "are required")
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self._target_chat(params["chat_id"])
        key = (chat["id"], params["message_id"])
        message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return key

    async def _api_editMessageText(self, params: dict[str, Any], files: Any) -> Any:
        key = self._editable(params)
        text, parse_mode = params.get("text"), params.get("parse_mode")
        markup = params.get("reply_markup")
        self.edits.append(Edit("editMessageText", params.get("chat_id"), params.get("message_id"),
                               params.get("inline_message_id"), text, markup, params))
        if key is None:
            return True
        old_text, old_mode, old_markup = self._sources[key]
        if (text, parse_mode, markup) == (old_text, old_mode, old_markup):
            self.edits.pop()
            raise ApiError(400, NOT_MODIFIED)
        return self._apply_edit(key, {"text": self._visible(text, parse_mode)}, markup,
                                (text, parse_mode, markup))

    async def _api_editMessageCaption(self, params: dict[str, Any], files: Any) -> Any:
        key = self._editable(params)
        caption, parse_mode = params.get("caption"), params.get("parse_mode")
        markup = params.get("reply_markup")
        self.edits.append(Edit("editMessageCaption", params.get("chat_id"),
                               params.get("message_id"), params.get("inline_message_id"),
                               caption, markup, params))
        if key is None:
            return True
        if (caption, parse_mode, markup) == self._sources[key]:
            self.edits.pop()
            raise ApiError(400, NOT_MODIFIED)
        return self._apply_edit(key, {"caption": self._visible(caption, parse_mode)}, markup,
                                (caption, parse_mode, markup))

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> Any:
        key = self._editable(params)
        markup = params.get("reply_markup")
        self.edits.append(Edit("editMessageReplyMarkup", params.get("chat_id"),
                               params.get("message_id"), params.get("inline_message_id"),
                               None, markup, params))
        if key is None:
            return True
        text, parse_mode, old_markup = self._sources[key]
        if _normal_markup(markup) == _normal_markup(old_markup):
            self.edits.pop()
            raise ApiError(400, NOT_MODIFIED)
        return self._apply_edit(key, {}, markup, (text, parse_mode, markup))

    def _apply_edit(self, key: tuple[int | str, int], content: dict[str, Any],
                    markup: dict[str, Any] | None, source: tuple[Any, Any, Any]
                    ) -> dict[str, Any]:
        message = self.messages[key]
        message.update({k: v for k, v in content.items() if v is not None})
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if markup and "inline_keyboard" in markup and markup["inline_keyboard"]:
            message["reply_markup"] = markup
        self._sources[key] = source
        return copy.deepcopy(message)

    async def _api_deleteMessage(self, params: dict[str, Any], files: Any) -> bool:
        chat = self._chat(params["chat_id"])
        key = (chat["id"], params["message_id"])
        if self.messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self.deleted.append(key)
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> bool:
        query_id = params["callback_query_id"]
        if query_id not in self.callbacks or query_id in self.answered_callbacks:
            raise ApiError(400, QUERY_TOO_OLD)
        self.answered_callbacks[query_id] = params
        return True

    async def _api_sendChatAction(self, params: dict[str, Any], files: Any) -> bool:
        chat = self._target_chat(params["chat_id"])
        self.chat_actions.append((chat["id"], params["action"]))
        return True

    async def _api_setMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands[key] = [dict(c) for c in params["commands"]]
        return True

    async def _api_getMyCommands(self, params: dict[str, Any], files: Any) -> list[Any]:
        key = (self._scope_key(params.get("scope")), params.get("language_code", ""))
        return list(self.commands.get(key, []))

    async def _api_deleteMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands.pop(key, None)
        return True

    async def _api_getFile(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        stored = self.files.get(params["file_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return stored.as_file()

    # --------------------------------------------------------------- webhook
    async def flush_webhook(self, connections: int = 1) -> None:
        """Re-deliver updates whose webhook delivery failed (Telegram retries them), over up
        to ``connections`` connections at once."""
        async def connection() -> None:
            while self._webhook_pending and self.webhook_url:
                update = self._webhook_pending.popleft()
                status = await self._deliver(update, requeue_front=True)
                if status is None or not 200 <= status < 300:
                    return

        await asyncio.gather(*(connection() for _ in range(connections)))

    async def _deliver(self, update: dict[str, Any], requeue_front: bool = False) -> int | None:
        workers = self.webhook_workers
        url = workers[next(self._webhook_turn) % len(workers)] if workers else self.webhook_url
        host = urlsplit(url).hostname
        delivery = WebhookDelivery(update["update_id"], None)
        self.webhook_deliveries.append(delivery)
        if host not in LOOPBACK_HOSTS:
            delivery.error = f"not delivered: FakeBotAPI only posts to loopback, not {host}"
        elif self._client is None:
            delivery.error = "not delivered: server not started"
        else:
            headers = {}
            if self.webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
            try:
                async with self._client.post(url, json=update, headers=headers) as response:
                    delivery.status = response.status
                    if 200 <= response.status < 300:
                        delivery.reply_method = await self._webhook_reply(response)
                    else:
                        delivery.error = (await response.text())[:500]
            except (ClientError, TimeoutError) as exc:
                delivery.error = f"{type(exc).__name__}: {exc}"
        if delivery.status is None or not 200 <= delivery.status < 300:
            (self._webhook_pending.appendleft if requeue_front
             else self._webhook_pending.append)(update)
            self._webhook_last_error = (int(time.time()),
                                        delivery.error or f"Wrong response: {delivery.status}")
        self._notify()
        return delivery.status

    async def _webhook_reply(self, response: Any) -> str | None:
        """Execute a method the bot returned in the webhook response body, as Telegram does."""
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        form_encoded = True
        if response.content_type == "application/json":
            body = await response.json()
            if not isinstance(body, dict):
                return None
            params, form_encoded = body, False
        elif response.content_type.startswith("multipart/"):
            reader = MultipartReader.from_response(response)
            while (part := await reader.next()) is not None:
                name = part.name or ""
                if part.filename:  # type: ignore[union-attr]
                    files[name] = UploadedFile(name, part.filename,  # type: ignore[union-attr]
                                               part.headers.get("Content-Type", ""),
                                               await part.read())  # type: ignore[union-attr]
                else:
                    params[name] = await part.text()  # type: ignore[union-attr]
        method = params.pop("method", None)
        if not method:
            return None
        await self._process(str(method), params, files, form_encoded=form_encoded,
                            via="webhook-reply")
        return str(method)

    # ------------------------------------------------------ control routes
    def _control_routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        """``GET /_stats``, ``GET /_sent?chat_id=``, ``GET /_violations``,
        ``POST /_reset``, ``POST /_config`` {latency_ms, global_rate, per_chat_rate,
        group_per_minute, webhook_workers (URLs posted to in turn), webhook_secret,
        webhook_connections}, ``POST /_fail`` {method, status, retry_after, times},
        ``POST /_inject`` {"kind": "user_message", "args": {...}} or {"update": {...}},
        ``POST /_file`` {file_id, file_path, content (text)}."""
        return [
            ("GET", "/_stats", self._ctl_stats),
            ("GET", "/_sent", self._ctl_sent),
            ("GET", "/_violations", self._ctl_violations),
            ("POST", "/_reset", self._ctl_reset),
            ("POST", "/_config", self._ctl_config),
            ("POST", "/_fail", self._ctl_fail),
            ("POST", "/_inject", self._ctl_inject),
            ("POST", "/_file", self._ctl_file),
        ]

    async def _ctl_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _ctl_sent(self, request: web.Request) -> web.Response:
        messages = self.sent
        if "chat_id" in request.query:
            messages = [m for m in messages if str(m.chat_id) == request.query["chat_id"]]
        return web.json_response([m.as_json() for m in messages])

    async def _ctl_violations(self, request: web.Request) -> web.Response:
        return web.json_response({"violations": self.violations, "unsupported": self.unsupported,
                                  "internal_errors": self.internal_errors})

    async def _ctl_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    async def _ctl_config(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "latency_ms" in body:
            self.set_latency(float(body["latency_ms"]))
        rate_keys = ("global_rate", "per_chat_rate", "group_per_minute")
        if any(key in body for key in rate_keys):
            current = {"global_rate": self._global_rate, "per_chat_rate": self._per_chat_rate,
                       "group_per_minute": self._group_per_minute}
            current.update({key: body[key] for key in rate_keys if key in body})
            self.set_rates(**current)
        if "webhook_workers" in body:  # the webhook as setWebhook sets it, spread over these
            self.webhook_workers = list(body["webhook_workers"])
            self.webhook_url = self.webhook_workers[0] if self.webhook_workers else ""
            self.webhook_secret = body.get("webhook_secret")
            self._webhook_pending.extend(self._queue)  # what waited is posted, as Telegram
            self._queue.clear()  # does, over up to max_connections connections at once
            self._webhook_flush = asyncio.create_task(
                self.flush_webhook(int(body.get("webhook_connections", 1))))
        return web.json_response(self.stats()["config"])

    async def _ctl_fail(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            self.fail_next(body["method"], int(body["status"]), body.get("retry_after"),
                           int(body.get("times", 1)), body.get("description"))
        except (KeyError, ValueError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True})

    _INJECTABLE = frozenset({"user_message", "group_message", "user_contact", "user_photo",
                             "user_document", "user_sticker", "user_callback"})

    async def _ctl_inject(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            if "update" in body:
                update = dict(body["update"])
                update.setdefault("update_id", next(self._update_ids))
                status = await self.push_update(update)
                return web.json_response({"ok": True, "update": update, "status": status})
            kind = body.get("kind")
            if kind not in self._INJECTABLE:
                raise ValueError(f"kind must be one of {sorted(self._INJECTABLE)}")
            args = dict(body.get("args", {}))
            if "content" in args and isinstance(args["content"], str):
                args["content"] = args["content"].encode()
            update = await getattr(self, kind)(**args)
        except (ValueError, LookupError, TypeError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True, "update": update})

    async def _ctl_file(self, request: web.Request) -> web.Response:
        body = await request.json()
        stored = self.add_file(body["file_id"], str(body.get("content", "")).encode(),
                               body.get("file_path"))
        return web.json_response(stored.as_file())


def _normal_markup(markup: Mapping[str, Any] | None) -> Any:
    if not markup or not markup.get("inline_keyboard"):
        return None
    return json.dumps(markup, sort_keys=True)


# ---------------------------------------------------------------------- process
async def serve(args: argparse.Namespace) -> None:
    server = FakeBotAPI(token=args.token, port=args.port, latency_ms=args.latency_ms,
                        global_rate=args.global_rate, per_chat_rate=args.per_chat_rate,
                        group_per_minute=args.group_per_minute)
    await server.start()
    print(f"READY {server.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.e2e.fake_bot_api",
        description="Fake Telegram Bot API server on 127.0.0.1 (for tests and benchmarks).")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--token", default=None, help="only accept this bot token")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="delay before answering each API call")
    parser.add_argument("--global-rate", type=float, default=None,
                        help="messages/s across all chats before 429 (Telegram: ~30)")
    parser.add_argument("--per-chat-rate", type=float, default=None,
                        help="messages/s per chat before 429 (Telegram: ~1)")
    parser.add_argument("--group-per-minute", type=float, default=None,
                        help="messages/min per group chat before 429 (Telegram: ~20)")
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
