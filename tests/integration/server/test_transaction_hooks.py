"""One owner per transaction runs its hooks: after a commit the commit hooks, after a rollback
(or a failed commit) the rollback hooks, never both (on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.auth.helpers import API, register_and_login
from tests.integration.server.commit_faults import failing_commits
from toneshootout.server.db.models.user import User
from toneshootout.server.db.session import session_scope
from toneshootout.server.render.outbox import enqueue_after_commit
from toneshootout.server.state import Services
from toneshootout.server.storage.hooks import delete_after_commit, delete_unless_committed
from toneshootout.server.storage.keys import object_key


class Queue:
    def __init__(self) -> None:
        self.kicked: list[uuid.UUID] = []

    async def kick(self, render_id: uuid.UUID) -> None:
        self.kicked.append(render_id)


def _store_file(services: Services, owner: uuid.UUID) -> str:
    key = object_key(owner, uuid.uuid4(), "wav")
    temp = services.storage.new_temp_path()
    temp.write_bytes(b"RIFF")
    services.storage.put_file(temp, key)
    return key


async def _task(services: Services, queue: Queue, new: str, old: str, *, fail: bool) -> None:
    """Kick a job, keep a new file, delete an old one; then fail or commit."""
    async with session_scope(services.sessionmaker) as session:
        await session.execute(select(User.id).limit(1))  # a transaction to commit
        enqueue_after_commit(session, queue, uuid.uuid4())
        delete_unless_committed(session, services.storage, new)
        delete_after_commit(session, services.storage, old)
        if fail:
            raise LookupError("the task failed")


async def test_task_enqueue_is_kicked_after_commit(app: FastAPI) -> None:
    services: Services = app.state.services
    queue, render_id = Queue(), uuid.uuid4()
    async with session_scope(services.sessionmaker) as session:
        enqueue_after_commit(session, queue, render_id)
        assert queue.kicked == []  # not before the commit
    assert queue.kicked == [render_id]


async def test_task_rollback_drops_kicks_and_deletions_and_removes_new_files(
    app: FastAPI,
) -> None:
    services: Services = app.state.services
    queue, owner = Queue(), uuid.uuid4()
    new, old = _store_file(services, owner), _store_file(services, owner)
    with pytest.raises(LookupError):
        await _task(services, queue, new, old, fail=True)
    assert queue.kicked == []
    assert services.storage.stat(new) is None
    assert services.storage.stat(old) is not None


async def test_task_commit_runs_kicks_and_deletions_and_keeps_new_files(app: FastAPI) -> None:
    services: Services = app.state.services
    queue, owner = Queue(), uuid.uuid4()
    new, old = _store_file(services, owner), _store_file(services, owner)
    await _task(services, queue, new, old, fail=False)
    assert len(queue.kicked) == 1
    assert services.storage.stat(new) is not None
    assert services.storage.stat(old) is None


async def test_failed_commit_runs_rollback_hooks_only(app: FastAPI) -> None:
    services: Services = app.state.services
    queue, owner = Queue(), uuid.uuid4()
    new, old = _store_file(services, owner), _store_file(services, owner)
    with failing_commits(services), pytest.raises(OSError, match="injected"):
        await _task(services, queue, new, old, fail=False)
    assert queue.kicked == []
    assert services.storage.stat(new) is None
    assert services.storage.stat(old) is not None


async def test_delete_account_failed_commit_keeps_files_and_rows(app: FastAPI) -> None:
    services: Services = app.state.services
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        user = await register_and_login(client)
        key = _store_file(services, user.user_id)
        with failing_commits(services):
            response = await client.request(
                "DELETE", f"{API}/me", json={"password": user.password}, headers=user.headers
            )
        assert response.status_code == 500
        assert services.storage.stat(key) is not None
        async with services.sessionmaker() as session:
            assert await session.get(User, user.user_id) is not None
        assert (await client.get(f"{API}/me", headers=user.headers)).status_code == 200
