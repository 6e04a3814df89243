"""Stored files follow the transaction that records them (REQ-18)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.hooks import run_after_commit, run_on_rollback
from toneshootout.server.storage.hooks import (
    delete_after_commit,
    delete_prefix_after_commit,
    delete_unless_committed,
)
from toneshootout.server.storage.local import LocalStorage


def _stored(storage: LocalStorage, key: str) -> str:
    temp = storage.new_temp_path()
    temp.write_bytes(b"audio")
    storage.put_file(temp, key)
    return key


def _files(storage: LocalStorage) -> tuple[str, str, str]:
    return (
        _stored(storage, "owner/new.wav"),
        _stored(storage, "owner/old.wav"),
        _stored(storage, "owner/renders/r1/a.wav"),
    )


async def test_rollback_removes_new_files_only(tmp_path: Path) -> None:
    storage, session = LocalStorage(tmp_path), AsyncSession()
    new, old, render_file = _files(storage)
    delete_unless_committed(session, storage, new)
    delete_after_commit(session, storage, old)
    delete_prefix_after_commit(session, storage, "owner/renders/r1/")
    await run_on_rollback(session)
    await run_after_commit(session)  # nothing left: the rollback dropped the commit hooks
    assert storage.stat(new) is None
    assert storage.stat(old) is not None
    assert storage.stat(render_file) is not None


async def test_commit_removes_deleted_rows_files_only(tmp_path: Path) -> None:
    storage, session = LocalStorage(tmp_path), AsyncSession()
    new, old, render_file = _files(storage)
    delete_unless_committed(session, storage, new)
    delete_after_commit(session, storage, old)
    delete_prefix_after_commit(session, storage, "owner/renders/r1/")
    await run_after_commit(session)
    await run_on_rollback(session)  # nothing left: the commit dropped the rollback hooks
    assert storage.stat(new) is not None
    assert storage.stat(old) is None
    assert storage.stat(render_file) is None


async def test_failed_delete_is_logged_and_the_next_still_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    storage, session = LocalStorage(tmp_path), AsyncSession()
    old = _stored(storage, "owner/old.wav")
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "x.wav").mkdir()  # unlinking a directory fails with an OSError
    delete_after_commit(session, storage, "blocked/x.wav")
    delete_after_commit(session, storage, old)
    with caplog.at_level(logging.ERROR, logger="toneshootout.storage"):
        await run_after_commit(session)
    assert [r.getMessage() for r in caplog.records] == ["could not delete stored files"]
    assert storage.stat(old) is None
