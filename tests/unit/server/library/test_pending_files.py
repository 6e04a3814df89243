"""Stored files follow the transaction that records them (REQ-18)."""

from __future__ import annotations

from pathlib import Path

from toneshootout.server.storage.local import LocalStorage
from toneshootout.server.storage.pending import PendingFiles


def _stored(storage: LocalStorage, key: str) -> str:
    temp = storage.new_temp_path()
    temp.write_bytes(b"audio")
    storage.commit(temp, key)
    return key


def test_settle_after_failed_transaction_removes_new_files_only(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    pending = PendingFiles(storage)
    new = _stored(storage, "owner/new.wav")
    old = _stored(storage, "owner/old.wav")
    pending.created(new)
    pending.delete_after_commit(old)
    pending.settle(committed=False)
    assert not storage.exists(new)
    assert storage.exists(old)


def test_settle_after_commit_removes_deleted_rows_files_only(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    pending = PendingFiles(storage)
    new = _stored(storage, "owner/new.wav")
    old = _stored(storage, "owner/old.wav")
    pending.created(new)
    pending.delete_after_commit(old)
    pending.settle(committed=True)
    assert storage.exists(new)
    assert not storage.exists(old)
