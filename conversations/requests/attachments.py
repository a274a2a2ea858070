"""Documents sent with a request (a medical certificate, an authority's comment) are kept only
for the retention period after it is decided."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from conversations.requests import kinds
from conversations.requests.act import Act
from storage.files import FileStore
from storage.models import Request, Timer
from storage.repos.requests import OPEN
from storage.repos.timers import schedule

PURGE = "purge"


async def schedule_purge(act: Act, request: Request) -> None:
    if request.attachment and request.closed_at is not None:
        due = request.closed_at + timedelta(days=act.settings.certificate_retention_days)
        kind = kinds.of(request).timer(PURGE)
        await schedule(act.session, kind, f"{kind}:{request.id}", due, act.now,
                       request_id=request.id)


async def purge(act: Act, timer: Timer) -> None:
    """Delete the stored file (unless another request of the member still uses it)."""
    request = await act.session.get(Request, timer.payload["request_id"])
    if request is not None and request.status not in OPEN:
        await drop(act, request)


async def drop(act: Act, request: Request) -> bool:
    """Detach the request's document and delete its file if no other request uses it."""
    if not request.attachment:
        return False
    path = request.attachment["path"]
    request.attachment = None
    act.session.add(request)
    await delete_unused(act, request, path)
    return True


async def delete_unused(act: Act, request: Request, path: str) -> None:
    """Delete a stored file of this request unless another request of the member uses it."""
    others = await act.session.exec(select(Request).where(
        Request.member_id == request.member_id, Request.id != request.id))
    if not any(o.attachment and o.attachment.get("path") == path for o in others.all()):
        FileStore.of(act.settings).delete(path)
    act.audit("certificate_deleted", request)
