"""Medical certificates are kept only for the retention period after a request is decided."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.timers import schedule
from conversations.exemption.act import Act
from conversations.exemption.rules import OPEN
from storage.models import ExemptionRequest, Timer

PURGE = "exemption-purge"


async def schedule_purge(act: Act, request: ExemptionRequest) -> None:
    if request.certificate and request.closed_at is not None:
        due = request.closed_at + timedelta(days=act.settings.certificate_retention_days)
        await schedule(act.session, PURGE, f"{PURGE}:{request.id}", due, act.now,
                       request_id=request.id)


async def purge(act: Act, timer: Timer) -> None:
    """Delete the stored file (unless another request of the member still uses it)."""
    request = await act.session.get(ExemptionRequest, timer.payload["request_id"])
    if request is None or not request.certificate or request.status in OPEN:
        return
    path = request.certificate["path"]
    request.certificate = None
    act.session.add(request)
    others = await act.session.exec(select(ExemptionRequest).where(
        ExemptionRequest.member_id == request.member_id, ExemptionRequest.id != request.id))
    if not any(o.certificate and o.certificate.get("path") == path for o in others.all()):
        (act.settings.files_dir / path).unlink(missing_ok=True)
    act.audit("exemption.certificate_deleted", request)
