"""`Storage.delete_prefix` on local storage: a whole user's folder goes, nothing else does."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from toneshootout.server.storage.keys import object_key
from toneshootout.server.storage.local import LocalStorage


def _store(storage: LocalStorage, key: str) -> None:
    temp = storage.new_temp_path()
    temp.write_bytes(b"data")
    storage.put_file(temp, key)


def test_delete_prefix_removes_one_owners_folder(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    owner, other = uuid.uuid4(), uuid.uuid4()
    mine = [object_key(owner, uuid.uuid4(), "wav") for _ in range(3)]
    theirs = object_key(other, uuid.uuid4(), "wav")
    for key in [*mine, theirs]:
        _store(storage, key)
    pending = storage.new_temp_path()
    storage.delete_prefix(f"{owner}/")
    assert not any((storage.stat(key) is not None) for key in mine)
    assert not (tmp_path / str(owner)).exists()
    assert storage.stat(theirs) is not None
    assert pending.exists()


def test_delete_prefix_matches_name_starts_within_a_folder(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    _store(storage, "owner/abc1.wav")
    _store(storage, "owner/abd2.wav")
    storage.delete_prefix("owner/abc")
    assert storage.stat("owner/abc1.wav") is None
    assert storage.stat("owner/abd2.wav") is not None


def test_delete_prefix_ignores_missing_folder(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    kept = object_key(uuid.uuid4(), uuid.uuid4(), "wav")
    _store(storage, kept)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    missing = uuid.uuid4()
    storage.delete_prefix(f"{missing}/")
    storage.delete_prefix(f"{missing}/renders/abc")
    assert storage.stat(kept) is not None
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("prefix", ["", "/", "//", ".tmp/", ".", "x/../", "../", "x/../.tmp/"])
def test_delete_prefix_refuses_root_temp_and_escapes(tmp_path: Path, prefix: str) -> None:
    storage = LocalStorage(tmp_path / "store")
    _store(storage, "owner/a.wav")
    with pytest.raises(ValueError, match="storage"):
        storage.delete_prefix(prefix)
    assert storage.stat("owner/a.wav") is not None
