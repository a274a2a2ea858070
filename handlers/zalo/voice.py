"""Voice notes as Zalo plays them (AAC), made by ffmpeg from the stored note once per process."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from storage.files import FileStore
from vocabulary.settings import Settings
from vocabulary.types import FileRef

log = logging.getLogger(__name__)
AAC = "audio/aac"


class AacVoices:
    """The AAC copy of each voice note, made on first use and stored beside it."""

    def __init__(self, store: FileStore, ffmpeg: str, timeout_seconds: float) -> None:
        self.store, self.ffmpeg, self.timeout = store, ffmpeg, timeout_seconds
        self._made: dict[str, FileRef | None] = {}
        # A month's note goes to a whole chi bo at once: converted once, not once per member.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @classmethod
    def found(cls, settings: Settings, store: FileStore) -> AacVoices | None:
        """None where ffmpeg is not installed (notes then go as links)."""
        ffmpeg = shutil.which(settings.zalo_ffmpeg) if settings.zalo_ffmpeg else None
        return cls(store, ffmpeg, settings.zalo_ffmpeg_timeout_seconds) if ffmpeg else None

    async def of(self, voice: FileRef) -> FileRef | None:
        """The note as AAC; None when it cannot be made (the caller sends a link instead)."""
        if voice.mime_type == AAC:
            return voice
        async with self._locks[voice.path]:
            if voice.path not in self._made:
                self._made[voice.path] = await self._convert(voice)
            return self._made[voice.path]

    async def _convert(self, voice: FileRef) -> FileRef | None:
        content = self.store.read(voice.path)
        if content is None:
            return None
        with tempfile.TemporaryDirectory(prefix="chibot-voice-") as folder:
            source, target = Path(folder) / "note", Path(folder) / "note.aac"
            source.write_bytes(content)
            process = await asyncio.create_subprocess_exec(
                self.ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
                "-vn", "-c:a", "aac", str(target),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            try:
                status = await asyncio.wait_for(process.wait(), self.timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
                log.warning("ffmpeg took over %.0f s on a voice note: sent as a link", self.timeout)
                return None
            if status != 0 or not target.exists():
                log.warning("ffmpeg could not convert a voice note (status %s): sent as a link",
                            status)
                return None
            aac = target.read_bytes()
        return self.store.save(aac, f"{Path(voice.name).stem}.aac", AAC)
