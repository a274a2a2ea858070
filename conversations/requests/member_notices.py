"""The member hears of a decision only once it can no longer be undone, so an officer's
mis-tap never reaches him/her (no "approved" followed by "cancelled")."""

from __future__ import annotations

from datetime import timedelta

from conversations.requests import kinds, notices
from conversations.requests.act import Act
from storage.models import Request, RequestDecision, Timer
from storage.repos.timers import schedule
from vocabulary.messages import Msg
from vocabulary.types import Choice, Outbound

NOTICE = "notice"


async def after_window(
    act: Act, request: Request, decision: RequestDecision, body: list[Msg],
    choices: list[Choice],
) -> None:
    """Tell the member what was decided when the undo window of `decision` has passed."""
    kind = kinds.of(request).timer(NOTICE)
    due = decision.at + timedelta(minutes=act.settings.decision_undo_minutes)
    await schedule(act.session, kind, f"{kind}:{decision.id}", due, act.now,
                   decision_id=decision.id, revision=request.revision,
                   body=[m.to_json() for m in body],
                   choices=[{"id": c.id, "label": c.label.to_json(), "ref": c.ref}
                            for c in choices])


async def send(act: Act, timer: Timer) -> None:
    """The decision stood: the member is told (an undone one is never mentioned to him/her)."""
    payload = timer.payload
    decision = await act.session.get(RequestDecision, payload["decision_id"])
    request = await act.session.get(Request, decision.request_id) if decision else None
    if decision is None or request is None or decision.undone_at is not None:
        return
    choices = [Choice(c["id"], Msg.from_json(c["label"]), c["ref"]) for c in payload["choices"]]
    act.out.append(Outbound(request.member_id, [Msg.from_json(m) for m in payload["body"]],
                            choices, dedupe_key=notices.member_key(request,
                                                                   payload["revision"])))
