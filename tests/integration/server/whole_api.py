"""Shared pieces of the whole-API harnesses (authorization matrix, Schemathesis fuzz).

Both walk `app.openapi()`, so a route another feature adds is picked up without editing a
list. What cannot be derived from the spec (how to make a valid object of each collection)
lives in `FACTORIES`; a collection without a factory is reported as a skip, never passed.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.paths import REAL
from toneshootout.server.app import create_app
from toneshootout.settings import Settings

API = "/api/v1"
PASSWORD = "correct horse battery staple"
_PARAM = re.compile(r"\{([^}]+)\}")

# Operations anyone may call without a token (the way in, and the ops endpoints).
PUBLIC_OPERATIONS = frozenset(
    {
        "POST /api/v1/auth/register",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/auth/logout",  # idempotent: clears whatever session it is given
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
        # A share token in the path is the key (REQ-12); the gallery lists public shares.
        "GET /api/v1/shared/{token}",
        "GET /api/v1/shared/{token}/files/{path}",
        "GET /api/v1/gallery",
        # Listening tests need no account: a shared page's listener is a signed cookie, and a
        # session answers only to the cookie that started it (404 to anyone else).
        "POST /api/v1/shared/{token}/blind",
        "POST /api/v1/shared/{token}/abx",
        "GET /api/v1/listening/{session_id}",
        "POST /api/v1/listening/{session_id}/votes",
        "POST /api/v1/listening/{session_id}/answers",
        "GET /api/v1/listening/{session_id}/audio/{handle}",
        # Leaving for TONE3000's sign-in and coming back: the account is made or found there.
        "GET /api/v1/auth/tone3000/login",
        "GET /api/v1/auth/tone3000/callback",
    }
)


@dataclass(frozen=True)
class Operation:
    """One method + path template from the OpenAPI document."""

    method: str
    path: str
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def collection(self) -> str:
        """The collection path the first path parameter indexes (`/api/v1/shootouts`)."""
        return self.path.split("/{", 1)[0]

    @property
    def json_body(self) -> bool:
        content = self.spec.get("requestBody", {}).get("content", {})
        return "application/json" in content


def spec_of_current_app(tmp_dir: Path) -> dict[str, Any]:
    """The OpenAPI document of the app as it is mounted now (no database needed)."""
    openapi: dict[str, Any] = create_app(Settings(environment="test", data_dir=tmp_dir)).openapi()
    return openapi


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation in the document, in document order."""
    found = []
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                found.append(Operation(method.upper(), path, operation))
    return found


async def register_and_login(client: httpx.AsyncClient, email: str | None = None) -> dict[str, str]:
    """A fresh account; returns the bearer `Authorization` header for it."""
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    registered = await client.post(f"{API}/auth/register", json=credentials)
    assert registered.status_code == 201, registered.text
    login = await client.post(f"{API}/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    client.cookies.clear()  # bearer only: cookies would make every unsafe call need CSRF
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


UPLOAD_FIXTURES = {
    f"{API}/di-tracks": "di-gojira-48k-stereo.wav",
    f"{API}/captures": "jcm800-standard.nam",
    f"{API}/irs": "ir-mesa-os-4x12-189ms.wav",
}


class World:
    """One user's objects, made through the API on demand, one per collection.

    Library uploads of the same file would be refused as duplicates, so each collection's
    object is made once and reused (a shootout reuses the uploaded items).
    """

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self._made: dict[str, str] = {}

    def can_make(self, collection: str) -> bool:
        """Whether this harness knows how to create an object of `collection`."""
        return collection in UPLOAD_FIXTURES or collection in {f"{API}/shootouts", f"{API}/renders"}

    async def object_id(self, collection: str) -> str:
        """The ID of this user's object in `collection`, created on first use."""
        if collection not in self._made:
            if collection in UPLOAD_FIXTURES:
                self._made[collection] = await self._upload(collection)
            elif collection == f"{API}/renders":
                self._made[collection] = await self._settled_render()
            else:
                self._made[collection] = await self._create(collection)
        return self._made[collection]

    async def _upload(self, collection: str) -> str:
        fixture = UPLOAD_FIXTURES[collection]
        response = await self.client.post(
            collection,
            files={"file": (fixture, (REAL / fixture).read_bytes())},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def _create(self, collection: str) -> str:
        body = await self.write_body("POST", collection)
        response = await self.client.post(collection, json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def _settled_render(self) -> str:
        """A render of this user's shootout, cancelled and left in that final state.

        Cancelled at once so that whatever runs renders in this process cannot change it while
        the harness compares it before and after another user's attempts.
        """
        shootout = await self.object_id(f"{API}/shootouts")
        submitted = await self.client.post(
            f"{API}/shootouts/{shootout}/renders", headers=self.headers
        )
        assert submitted.status_code == 202, submitted.text
        url = submitted.headers["location"]
        await self.client.post(f"{url}/cancel", headers=self.headers)
        deadline = time.monotonic() + 30
        while (await self.client.get(url, headers=self.headers)).json()["state"] in {
            "queued",
            "running",
        }:
            assert time.monotonic() < deadline, "the cancelled render never stopped"
            await asyncio.sleep(0.1)
        return str(submitted.json()["id"])

    async def shootout_body(self) -> dict[str, Any]:
        """A valid shootout over this user's DI, capture and IR."""
        di = await self.object_id(f"{API}/di-tracks")
        capture = await self.object_id(f"{API}/captures")
        ir = await self.object_id(f"{API}/irs")
        return {
            "title": "Harness shootout",
            "di_tracks": [di],
            "chains": [
                {
                    "name": "JCM800 into 4x12",
                    "blocks": [
                        {"type": "capture", "capture_id": capture},
                        {"type": "ir", "ir_id": ir, "force": True},
                    ],
                }
            ],
        }

    async def write_body(self, method: str, collection: str) -> dict[str, Any]:
        """A valid JSON body for a write, so a refusal is about authorization, not the body."""
        if collection == f"{API}/shootouts" and method in {"POST", "PUT"}:
            return await self.shootout_body()
        if collection == f"{API}/shootouts" and method == "PATCH":
            return {"title": "Renamed"}
        if collection in UPLOAD_FIXTURES and method == "PATCH":
            extension = UPLOAD_FIXTURES[collection].rsplit(".", 1)[1]
            return {"name": f"renamed.{extension}", "tags": ["harness"]}
        return {}
