"""`OptionalUser`: anonymous callers get None, credentials are still checked when sent."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.integration.server.auth.helpers import bearer, register_and_login
from toneshootout.server.auth.deps import OptionalUser


async def whoami(user: OptionalUser) -> dict[str, str | None]:
    return {"user_id": str(user.id) if user else None}


async def test_optional_user_is_none_anonymous_and_set_with_token(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.add_api_route("/probe/whoami", whoami)
    assert (await client.get("/probe/whoami")).json() == {"user_id": None}
    user = await register_and_login(client)
    response = await client.get("/probe/whoami", headers=user.headers)
    assert response.json() == {"user_id": str(user.user_id)}
    refused = await client.get("/probe/whoami", headers=bearer("not-a-token"))
    assert refused.status_code == 401
