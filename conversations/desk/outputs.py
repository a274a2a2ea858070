"""How a generated file reaches the officer: as a document in chat (Telegram uploads it, Zalo
sends a short-lived link), or written under data/reports/ where there is no file to send."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from conversations.context import Ctx
from storage.files import FileStore
from vocabulary.messages import Msg
from vocabulary.types import Outbound

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = "image/png"


def write_report(data_dir: Path, content: bytes, name: str, now: datetime) -> Path:
    """data/reports/<time>-<name>: a new file each time, never one overwritten."""
    folder = data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now.strftime('%Y%m%d-%H%M%S')}-{name}"
    path.write_bytes(content)
    return path


def deliver(ctx: Ctx, content: bytes, name: str, mime_type: str, caption: Msg) -> None:
    """Send the file with its caption; on a channel without files, its path."""
    if ctx.channel.files:
        ref = FileStore(ctx.settings.files_dir).save(content, name, mime_type)
        ctx.outbox.append(Outbound(ctx.chat, [caption], attachment=ref,
                                   order_key=ctx.order_key))
        return
    path = write_report(ctx.settings.data_dir, content, name, ctx.now)
    ctx.reply(caption, Msg("desk.file.written", path=str(path)))
