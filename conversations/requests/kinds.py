"""What a request type supplies to the workflow: only what differs from one type to another."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.requests.act import Act
from storage.models import OfficerRole, Request, RequestDecision, RequestStage, Timer
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Choice

MAX_TEXT = 500  # the longest reason, question or answer typed about a request

# Who acts next on a request: a stage and the organisation whose officers act there.
Where = tuple[RequestStage, int]
Job = Callable[[Act, Timer], Awaitable[None]]


async def _stage_rule(_session: AsyncSession, _settings: Settings, request: Request) -> Msg:
    return Msg(f"request.rule.officer.{request.stage}")


def _no_choices(_request: Request) -> list[Choice]:
    return []


async def _nothing_to_undo(_act: Act, _request: Request, _decision: RequestDecision) -> None:
    return None


@dataclass(frozen=True)
class RequestType:
    """A request type: its name (stored on each request), its button prefix and its hooks."""

    name: str
    action: str  # what its buttons carry ("a:ACTION:VERB:ID:REVISION"), a few ASCII letters
    kind_label: Callable[[Request], Msg]  # "exemption from party work", shown in every list
    lines: Callable[[AsyncSession, Request], Awaitable[list[Msg]]]  # its fields, summarised
    # The first stage (request.stage is None) or the one after the current stage's agreement;
    # None: the agreement just recorded is final.
    next_stage: Callable[[Act, Request], Awaitable[Where | None]]
    approve: Callable[[Act, Request], Awaitable[Msg]]  # puts it in force; what the member reads
    deciding_roles: Callable[[Settings], tuple[OfficerRole, ...]]
    report_head: Callable[[int], Msg]  # heads its decisions reported to the level above
    restore: Callable[[Act, Request, RequestDecision], Awaitable[None]] = _nothing_to_undo
    # What the deciders are told the rule is at the request's stage (who decides, who proposes).
    stage_rule: Callable[[AsyncSession, Settings, Request], Awaitable[Msg]] = _stage_rule
    jobs: Mapping[str, Job] = field(default_factory=dict)  # its own timers, by kind suffix
    # Buttons sent to the member with the approval (a question about what it puts in force).
    approval_choices: Callable[[Request], list[Choice]] = _no_choices

    def timer(self, suffix: str) -> str:
        """The timer kind `suffix` of this type ("exemption-remind")."""
        return f"{self.name}-{suffix}"


_TYPES: dict[str, RequestType] = {}


def define(request_type: RequestType) -> RequestType:
    """Make a type known to the workflow (its module does this when imported)."""
    _TYPES[request_type.name] = request_type
    return request_type


def of(request: Request) -> RequestType:
    return _TYPES[request.type]


def by_name(name: str) -> RequestType:
    return _TYPES[name]
