"""The signed-in account: read it, and delete it with every row and stored file (on a local
folder and on an S3 bucket)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from tests.integration.server.auth.helpers import API, login, register_and_login
from tests.integration.server.conftest import STORAGE_BACKENDS
from toneshootout.server.db.models.refresh_token import RefreshToken
from toneshootout.server.db.models.user import User
from toneshootout.server.state import Services
from toneshootout.server.storage.keys import object_key


@pytest.fixture(params=STORAGE_BACKENDS)
def storage_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _store_file(services: Services, owner: uuid.UUID) -> str:
    key = object_key(owner, uuid.uuid4(), "wav")
    temp = services.storage.new_temp_path()
    temp.write_bytes(b"RIFF")
    services.storage.put_file(temp, key)
    return key


async def test_me_returns_public_fields(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    body = (await client.get(f"{API}/me", headers=user.headers)).json()
    assert body["id"] == str(user.user_id)
    assert body["email"] == user.email
    assert set(body) == {"id", "email", "display_name", "created_at"}


async def test_delete_account_removes_rows_and_files(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    services: Services = app.state.services
    user = await register_and_login(client)
    bystander = await register_and_login(client)
    mine = [_store_file(services, user.user_id) for _ in range(2)]
    theirs = _store_file(services, bystander.user_id)
    response = await client.request(
        "DELETE", f"{API}/me", json={"password": user.password}, headers=user.headers
    )
    assert response.status_code == 204, response.text
    assert all(services.storage.stat(key) is None for key in mine)
    assert list(services.storage.list_prefix(f"{user.user_id}/")) == []
    assert services.storage.stat(theirs) is not None
    async with services.sessionmaker() as session:
        assert await session.get(User, user.user_id) is None
        count = select(func.count()).where(RefreshToken.user_id == user.user_id)
        assert await session.scalar(count) == 0
    assert (await client.get(f"{API}/me", headers=user.headers)).status_code == 401
    assert (await login(client, user.email, user.password)).status_code == 401
    assert (await client.get(f"{API}/me", headers=bystander.headers)).status_code == 200


async def test_delete_account_refuses_wrong_password(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    services: Services = app.state.services
    user = await register_and_login(client)
    key = _store_file(services, user.user_id)
    response = await client.request(
        "DELETE", f"{API}/me", json={"password": "not my password"}, headers=user.headers
    )
    assert response.status_code == 403
    assert response.json()["error"] == "wrong_password"
    assert services.storage.stat(key) is not None
    assert (await client.get(f"{API}/me", headers=user.headers)).status_code == 200


async def test_delete_account_requires_authentication(client: httpx.AsyncClient) -> None:
    response = await client.request("DELETE", f"{API}/me", json={"password": "whatever1"})
    assert response.status_code == 401
