"""The temp-file janitor: stale `.part` files go, live ones and stored objects stay."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from toneshootout.server.storage.janitor import sweep_once, temp_janitor
from toneshootout.server.storage.local import LocalStorage
from toneshootout.settings import StorageSettings


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _stored_object(storage: LocalStorage) -> Path:
    path = storage.root / "owner/object.wav"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"kept")
    _age(path, 10_000)
    return path


def test_sweep_temp_removes_only_stale_part_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    stale, live = storage.new_temp_path(), storage.new_temp_path()
    _age(stale, 120)
    other = tmp_path / ".tmp" / "notes.txt"
    other.write_text("not ours")
    _age(other, 10_000)
    stored = _stored_object(storage)
    assert storage.sweep_temp(older_than_seconds=60) == 1
    assert not stale.exists()
    assert live.exists()
    assert other.exists()
    assert stored.exists()


async def test_sweep_once_survives_a_failing_storage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenStorage(LocalStorage):
        def sweep_temp(self, *, older_than_seconds: float) -> int:
            raise PermissionError("storage went read-only")

    storage = BrokenStorage(tmp_path)
    assert await sweep_once(storage, grace_seconds=0) == 0
    assert "temp file sweep failed" in caplog.text


async def test_temp_janitor_sweeps_at_start_and_periodically(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    orphan = storage.new_temp_path()
    _age(orphan, 7200)
    limits = StorageSettings(temp_grace_seconds=0.2, temp_sweep_interval_seconds=0.05)
    async with temp_janitor(storage, limits):
        assert not orphan.exists()  # the startup sweep ran before the app served anything
        later = storage.new_temp_path()
        await asyncio.sleep(0.05)
        assert later.exists()  # younger than the grace period: maybe a live upload
        deadline = time.monotonic() + 5
        while later.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not later.exists()
    survivor = storage.new_temp_path()
    _age(survivor, 7200)
    await asyncio.sleep(0.15)
    assert survivor.exists()  # the periodic task stopped with the block
