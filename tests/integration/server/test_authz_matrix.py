"""Authorization matrix over every operation in the OpenAPI document (REQ-09, REQ-11).

For each operation with a path parameter, as {anonymous, other user, owner}: anonymous → 401,
another user → 404 (exactly as for an ID that does not exist, so existence never leaks, and
the object is unchanged afterwards), owner → neither 401, 403 nor 404. The owner's object
is made through the API (`World`); an operation whose object the harness cannot make yet is
skipped with the reason. Every other
non-public operation must refuse an anonymous caller (deny by default).
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.server.whole_api import (
    PUBLIC_OPERATIONS,
    Operation,
    World,
    operations,
    register_and_login,
    spec_of_current_app,
)

ALL_OPERATIONS = operations(spec_of_current_app(Path(tempfile.gettempdir())))
# A public operation's path names no one's object (a share token is its own key).
# TONE3000's tones are not objects of ours: who may see one is TONE3000's call, made with the
# caller's own TONE3000 token (the catalogue tests cover its 403 and 404).
NOT_OURS = ("/api/v1/tone3000/",)
OBJECT_OPERATIONS = [
    op
    for op in ALL_OPERATIONS
    if op.path_params and op.label not in PUBLIC_OPERATIONS and not op.path.startswith(NOT_OURS)
]
PROTECTED_OPERATIONS = [op for op in ALL_OPERATIONS if op.label not in PUBLIC_OPERATIONS]


def _label(operation: Operation) -> str:
    return operation.label


async def _send(
    client: httpx.AsyncClient,
    operation: Operation,
    url: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
) -> httpx.Response:
    client.cookies.clear()  # only the given header may authenticate
    if operation.json_body and body is not None:
        return await client.request(operation.method, url, json=body, headers=headers)
    return await client.request(operation.method, url, headers=headers)


def _url(operation: Operation, object_id: str) -> str:
    (param,) = operation.path_params
    return operation.path.replace(f"{{{param}}}", object_id)


def _comparable(response: httpx.Response) -> tuple[int, Any, Any]:
    body = response.json()
    return response.status_code, body.get("error"), body.get("detail")


@pytest.mark.parametrize("operation", OBJECT_OPERATIONS, ids=_label)
async def test_object_operation_enforces_ownership(
    client: httpx.AsyncClient, operation: Operation
) -> None:
    if len(operation.path_params) != 1:
        pytest.skip(f"{operation.label}: nested path parameters are not covered yet")
    owner = World(client, await register_and_login(client))
    if not owner.can_make(operation.collection):
        pytest.skip(f"{operation.label}: no API way to create a {operation.collection} object")
    stranger = await register_and_login(client)
    object_id = await owner.object_id(operation.collection)
    url = _url(operation, object_id)
    canonical = f"{operation.collection}/{object_id}"
    before = await client.get(canonical, headers=owner.headers)
    body = await owner.write_body(operation.method, operation.collection)

    anonymous = await _send(client, operation, url, body, {})
    assert anonymous.status_code == 401, f"anonymous {operation.label}: {anonymous.text}"

    other = await _send(client, operation, url, body, stranger)
    missing = await _send(client, operation, _url(operation, str(uuid.uuid4())), body, stranger)
    assert other.status_code == 404, f"other user {operation.label}: {other.text}"
    assert _comparable(other) == _comparable(missing), "a foreign object must look absent"
    _assert_unchanged(before, await client.get(canonical, headers=owner.headers))

    owned = await _send(client, operation, url, body, owner.headers)
    assert owned.status_code not in {401, 403, 404}, f"owner {operation.label}: {owned.text}"
    assert owned.status_code < 500, owned.text


def _assert_unchanged(before: httpx.Response, after: httpx.Response) -> None:
    assert before.status_code == after.status_code == 200, after.text

    def stable(response: httpx.Response) -> dict[str, Any]:
        return {k: v for k, v in response.json().items() if k != "updated_at"}

    assert stable(after) == stable(before), "another user's attempt changed the object"


@pytest.mark.parametrize("operation", PROTECTED_OPERATIONS, ids=_label)
async def test_non_public_operation_refuses_anonymous(
    client: httpx.AsyncClient, operation: Operation
) -> None:
    url = operation.path
    for param in operation.path_params:
        url = url.replace(f"{{{param}}}", str(uuid.uuid4()))
    response = await _send(client, operation, url, {}, {})
    assert response.status_code == 401, f"{operation.label}: {response.text}"
