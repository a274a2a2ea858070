"""Declarative flows: each step has a prompt, a handler of the answer, and where to go next."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from conversations.context import Ctx
from vocabulary.messages import Msg
from vocabulary.types import Choice, Contact, FileRef


@dataclass(frozen=True)
class Prompt:
    body: list[Msg]
    options: list[tuple[str, Msg]] = field(default_factory=list)
    request_contact: bool = False
    actions: list[Choice] = field(default_factory=list)  # global actions shown after options


@dataclass(frozen=True)
class Answer:
    """What the person gave at a step: a chosen option's value, text, a contact or a file."""

    option: str | None = None
    text: str | None = None
    contact: Contact | None = None
    file: FileRef | None = None


@dataclass(frozen=True)
class Next:
    step: str


@dataclass(frozen=True)
class Invalid:
    """The answer was not usable: say why and ask the same question again."""

    reason: Msg


@dataclass(frozen=True)
class Done:
    body: list[Msg]

    def __init__(self, *body: Msg) -> None:
        object.__setattr__(self, "body", list(body))


@dataclass(frozen=True)
class StartFlow:
    """Begin another flow, with data it starts from (e.g. which request a decision is about)."""

    flow: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chosen:
    """End the flow and act on an option as if it had been tapped (a confirmed typed code)."""

    choice: str


Outcome = Next | Invalid | Done | StartFlow | Chosen
PromptFn = Callable[[Ctx], Awaitable[Prompt]]
HandleFn = Callable[[Ctx, Answer], Awaitable[Outcome]]
StartFn = Callable[[Ctx], Awaitable[Outcome]]


@dataclass(frozen=True)
class Step:
    prompt: PromptFn
    handle: HandleFn
    takes_voice: bool = False  # a voice message is an answer here, not a file to refuse


@dataclass(frozen=True)
class Flow:
    """A named conversation. `start` decides the first step (or refuses, or answers at once)."""

    name: str
    steps: dict[str, Step]
    start: StartFn
    needs_member: bool = True


def written(answer: Answer, limit: int, empty: str, too_long: str) -> str | Invalid:
    """Typed text, stripped; empty or over `limit` characters gets the given message keys."""
    text = (answer.text or "").strip()
    if not text:
        return Invalid(Msg(empty))
    if len(text) > limit:
        return Invalid(Msg(too_long, length=len(text), limit=limit))
    return text


def static(*body: Msg, options: list[tuple[str, Msg]] | None = None) -> PromptFn:
    """A prompt that is always the same."""
    prompt = Prompt(list(body), options or [])

    async def _prompt(_ctx: Ctx) -> Prompt:
        return prompt

    return _prompt


def go(step: str) -> StartFn:
    async def _start(_ctx: Ctx) -> Outcome:
        return Next(step)

    return _start
