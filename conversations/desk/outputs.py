"""How a generated file reaches the officer: as a document in chat (Telegram uploads it, Zalo
sends a short-lived link), or written under data/reports/ where there is no file to send."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.context import Ctx
from storage.files import FileStore
from storage.models import Timer
from storage.repos.timers import TimerHandler, schedule
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Outbound

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = "image/png"
DELETE = "desk-file-delete"


def write_report(data_dir: Path, content: bytes, name: str, now: datetime) -> Path:
    """data/reports/<time>-<name>: a new file each time, never one overwritten."""
    folder = data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now.strftime('%Y%m%d-%H%M%S')}-{name}"
    path.write_bytes(content)
    return path


async def deliver(ctx: Ctx, content: bytes, name: str, mime_type: str, caption: Msg) -> None:
    """Send the file with its caption; on a channel without files, its path.

    A file sent in chat holds members' data: it is deleted from the file store after
    CHIBOT_DESK_FILE_RETENTION_HOURS, long after it was uploaded or its link expired.
    """
    if ctx.channel.files:
        ref = FileStore.of(ctx.settings).save(content, name, mime_type)
        ctx.outbox.append(Outbound(ctx.chat, [caption], attachment=ref,
                                   order_key=ctx.order_key))
        due = ctx.now + timedelta(hours=ctx.settings.desk_file_retention_hours)
        await schedule(ctx.session, DELETE, f"{DELETE}:{ref.path}", due, ctx.now,
                       path=ref.path)
        return
    path = write_report(ctx.settings.data_dir, content, name, ctx.now)
    ctx.reply(caption, Msg("desk.file.written", path=str(path)))


def make_delete(settings: Settings) -> TimerHandler:
    """The timer that deletes a file the desk sent, once its retention is over."""

    async def handler(_session: AsyncSession, timer: Timer, _now: datetime) -> None:
        FileStore.of(settings).delete(str(timer.payload.get("path", "")))

    return handler
