"""Chibot's own file store: certificates outlive the chat they came from."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conversations.types import FileRef


class FileStore:
    """Files kept under one folder, named by their content's hash (so a retry stores once)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, content: bytes, name: str, mime_type: str) -> FileRef:
        digest = hashlib.sha256(content).hexdigest()
        relative = Path(digest[:2]) / digest
        path = self.root / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return FileRef(path=str(relative), name=name, mime_type=mime_type, size=len(content))

    def locate(self, relative: str) -> Path | None:
        """Where a stored file is, or None if it is gone (or the name points outside)."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path
