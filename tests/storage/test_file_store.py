"""Files at rest are encrypted with the deployment's keys; old files move to a new key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from storage.files import FileStore
from vocabulary.settings import Settings

CERTIFICATE = b"%PDF-1.4 Giay ra vien: benh nhan Nguyen Van A"


def _settings(folder: Path, *keys: bytes, url: str = "") -> Settings:
    return Settings(_env_file=None, data_dir=folder, database_url=url,
                    file_keys=[key.decode() for key in keys])


def test_a_stored_file_is_not_readable_on_disk_but_every_process_reads_it(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    stored = FileStore.of(_settings(tmp_path, key)).save(CERTIFICATE, "giay.pdf",
                                                         "application/pdf")

    on_disk = (tmp_path / "files" / stored.path).read_bytes()
    assert b"Nguyen Van A" not in on_disk
    assert b"%PDF" not in on_disk
    other_process = FileStore.of(_settings(tmp_path, key))
    assert other_process.read(stored.path) == CERTIFICATE
    assert stored.size == len(CERTIFICATE)


def test_reencrypt_moves_old_files_to_the_new_key_and_encrypts_plain_ones(
        tmp_path: Path) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    stored = FileStore.of(_settings(tmp_path, old)).save(CERTIFICATE, "giay.pdf",
                                                         "application/pdf")
    before = tmp_path / "files" / "ab" / "stored-before-encryption"
    before.parent.mkdir(parents=True)
    before.write_bytes(b"\xff\xd8 a photo stored in clear")

    rotating = FileStore.of(_settings(tmp_path, new, old))
    assert rotating.read("ab/stored-before-encryption") == b"\xff\xd8 a photo stored in clear"
    done = rotating.reencrypt()

    assert (done.rotated, done.encrypted, done.unreadable) == (1, 1, 0)
    only_new = FileStore.of(_settings(tmp_path, new))
    assert only_new.read(stored.path) == CERTIFICATE
    assert only_new.read("ab/stored-before-encryption") == b"\xff\xd8 a photo stored in clear"
    assert b"stored in clear" not in before.read_bytes()
    with pytest.raises(InvalidToken):
        FileStore.of(_settings(tmp_path, old)).read(stored.path)


def test_postgresql_needs_the_keys_while_sqlite_generates_one_in_the_data_folder(
        tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CHIBOT_FILE_KEYS"):
        FileStore.of(_settings(tmp_path, url="postgresql+asyncpg://u:p@127.0.0.1/chibot"))

    embedded = _settings(tmp_path)
    stored = FileStore.of(embedded).save(CERTIFICATE, "giay.pdf", "application/pdf")

    assert (tmp_path / "file.key").stat().st_mode & 0o077 == 0
    assert FileStore.of(_settings(tmp_path)).read(stored.path) == CERTIFICATE


def test_a_deleted_file_reads_as_gone(tmp_path: Path) -> None:
    store = FileStore.of(_settings(tmp_path, Fernet.generate_key()))
    stored = store.save(CERTIFICATE, "giay.pdf", "application/pdf")
    store.delete(stored.path)
    assert store.read(stored.path) is None
