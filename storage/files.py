"""Chibot's own file store: certificates outlive the chat they came from, encrypted at rest.

Files are Fernet tokens (`cryptography`) under a short header; the keys come from the
settings (MultiFernet: the first encrypts, every one decrypts), so all processes of a
deployment read the same files and a new key can be added, then `reencrypt` moves old files
to it. A file without the header was stored before encryption: it is read as it is until
`reencrypt` encrypts it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from vocabulary.settings import Settings
from vocabulary.types import FileRef

HEADER = b"chibot-fernet-1\n"


@dataclass
class Reencrypted:
    """What `reencrypt` did: files moved to the first key, plain files encrypted, and files
    no configured key opens (left alone)."""

    rotated: int = 0
    encrypted: int = 0
    unreadable: int = 0


class FileStore:
    """Files kept under one folder, named by their content's hash (so a retry stores once)."""

    def __init__(self, root: Path, keys: Sequence[bytes]) -> None:
        self.root = root
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def of(cls, settings: Settings) -> FileStore:
        return cls(settings.files_dir, settings.file_encryption_keys())

    def save(self, content: bytes, name: str, mime_type: str) -> FileRef:
        digest = hashlib.sha256(content).hexdigest()
        relative = Path(digest[:2]) / digest
        path = self.root / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _replace(path, HEADER + self._fernet.encrypt(content))
        return FileRef(path=str(relative), name=name, mime_type=mime_type, size=len(content))

    def read(self, relative: str) -> bytes | None:
        """The file's content, decrypted in memory; None if it is gone."""
        path = self.locate(relative)
        if path is None:
            return None
        stored = path.read_bytes()
        if not stored.startswith(HEADER):
            return stored  # stored before encryption; `chibot files reencrypt` encrypts it
        return self._fernet.decrypt(stored[len(HEADER):])

    def delete(self, relative: str) -> None:
        path = self.locate(relative)
        if path is not None:
            path.unlink(missing_ok=True)

    def locate(self, relative: str) -> Path | None:
        """Where a stored file is, or None if it is gone (or the name points outside)."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path

    def reencrypt(self) -> Reencrypted:
        """Encrypt every file with the first key: old tokens re-encrypted, plain files too."""
        done = Reencrypted()
        if not self.root.is_dir():
            return done
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.name.endswith(".tmp"):
                continue
            stored = path.read_bytes()
            if not stored.startswith(HEADER):
                _replace(path, HEADER + self._fernet.encrypt(stored))
                done.encrypted += 1
                continue
            try:
                token = self._fernet.rotate(stored[len(HEADER):])
            except InvalidToken:
                done.unreadable += 1
                continue
            _replace(path, HEADER + token)
            done.rotated += 1
        return done


def _replace(path: Path, content: bytes) -> None:
    """Write whole or not at all: a crash leaves the old file, never half of the new one."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(content)
    temporary.chmod(0o600)
    os.replace(temporary, path)
