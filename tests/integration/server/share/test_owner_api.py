"""The owner's share API: make, list, read, change and revoke links, with their counts."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.render.helpers import (
    new_shootout,
    services,
    submit,
)
from tests.integration.server.share.helpers import (
    RENDERS,
    SHARED,
    SHARES,
    create_share,
    owner_with_render,
    set_share,
    share_row,
)
from tests.integration.server.shootout.helpers import register_and_login
from toneshootout.server.db.models.share import ListeningAnswer, ListeningSession

OUT_KEYS = {
    "id",
    "render_id",
    "visibility",
    "state",
    "created_at",
    "expires_at",
    "revoked_at",
    "voting_open",
    "views",
    "listeners",
    "votes",
    "abx_runs",
    "abx_completed",
    "token_hint",
    "url",
    "embed_url",
    "results_url",
}


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def test_unlisted_and_public_shares_are_made_listed_and_read(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    expiry = datetime.now(UTC) + timedelta(days=7)
    unlisted = await create_share(client, owner, render["id"], expires_at=_iso(expiry))
    public = await create_share(client, owner, render["id"], visibility="public")

    assert set(unlisted) == OUT_KEYS | {"token"}
    token = unlisted["token"]
    assert len(token) >= 43  # 256 bits in URL-safe base64; at least 128 bits required
    assert len(set(token)) > 10
    assert unlisted["url"] == f"/s/{token}"
    assert unlisted["embed_url"] == f"/embed/{token}"
    assert unlisted["token_hint"] == token[-4:]
    assert unlisted["visibility"] == "unlisted"
    assert unlisted["state"] == "active"
    assert unlisted["voting_open"] is True
    assert unlisted["views"] == unlisted["listeners"] == unlisted["votes"] == 0
    assert unlisted["abx_runs"] == unlisted["abx_completed"] == 0
    assert unlisted["render_id"] == render["id"]
    assert unlisted["results_url"] == f"/shares/{unlisted['id']}/results"
    assert datetime.fromisoformat(unlisted["expires_at"]) == expiry
    assert public["token"] != token
    assert public["url"] == f"/s/{public['token']}"

    # Stored hashed: the unlisted row keeps no token, only its SHA-256 and hint.
    row = await share_row(app, unlisted["id"])
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.public_token is None
    assert token not in {row.token_hash, row.token_hint, row.public_token}
    public_row = await share_row(app, public["id"])
    assert public_row.public_token == public["token"]  # listed publicly: no secret

    listed = await client.get(f"{RENDERS}/{render['id']}/shares", headers=owner.headers)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [public["id"], unlisted["id"]]  # newest first
    assert all(set(i) == OUT_KEYS for i in items)
    by_id = {i["id"]: i for i in items}
    # The unlisted token is never shown again; the public one is (it is on the gallery).
    assert by_id[unlisted["id"]]["url"] is None
    assert by_id[unlisted["id"]]["embed_url"] is None
    assert token not in listed.text
    assert by_id[public["id"]]["url"] == f"/s/{public['token']}"
    assert by_id[public["id"]]["embed_url"] == f"/embed/{public['token']}"

    one = await client.get(f"{SHARES}/{unlisted['id']}", headers=owner.headers)
    assert one.status_code == 200
    assert one.json() == by_id[unlisted["id"]]


async def test_patch_changes_voting_and_expiry_and_revoke_kills_the_link(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"])
    url = f"{SHARES}/{share['id']}"

    closed = await client.patch(url, json={"voting_open": False}, headers=owner.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["voting_open"] is False
    assert closed.json()["expires_at"] is None  # left out: unchanged

    expiry = datetime.now(UTC) + timedelta(days=30)
    dated = await client.patch(url, json={"expires_at": _iso(expiry)}, headers=owner.headers)
    assert dated.status_code == 200, dated.text
    assert datetime.fromisoformat(dated.json()["expires_at"]) == expiry
    assert dated.json()["voting_open"] is False
    never = await client.patch(url, json={"expires_at": None}, headers=owner.headers)
    assert never.json()["expires_at"] is None
    reopened = await client.patch(url, json={"voting_open": True}, headers=owner.headers)
    assert reopened.json()["voting_open"] is True
    unknown = await client.patch(url, json={"visibility": "public"}, headers=owner.headers)
    assert unknown.status_code == 422  # visibility is fixed at creation

    assert (await client.get(f"{SHARED}/{share['token']}")).status_code == 200
    for _ in range(2):  # revoking again is harmless
        revoked = await client.delete(url, headers=owner.headers)
        assert revoked.status_code == 204
        assert revoked.content == b""
    after = (await client.get(url, headers=owner.headers)).json()
    assert after["state"] == "revoked"
    assert after["revoked_at"] is not None
    assert (await client.get(f"{SHARED}/{share['token']}")).status_code == 404

    # Past its expiry a share reads as expired to its owner.
    other = await create_share(client, owner, render["id"])
    await set_share(app, other["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    expired = await client.get(f"{SHARES}/{other['id']}", headers=owner.headers)
    assert expired.json()["state"] == "expired"


@pytest.mark.parametrize(
    ("expires_at", "reason"),
    [
        (lambda now: now - timedelta(minutes=1), "future"),
        (lambda now: now + timedelta(days=400), "year"),
        (lambda now: now.replace(tzinfo=None) + timedelta(days=1), "time zone"),
    ],
    ids=["past", "beyond-a-year", "naive"],
)
async def test_expiry_must_be_future_and_within_a_year(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path, expires_at: Any, reason: str
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    moment = _iso(expires_at(datetime.now(UTC)))
    created = await client.post(
        f"{RENDERS}/{render['id']}/shares",
        json={"visibility": "public", "expires_at": moment},
        headers=owner.headers,
    )
    assert created.status_code == 422, created.text
    assert created.json()["error"] == "invalid_expiry"
    assert reason in created.json()["detail"]

    share = await create_share(client, owner, render["id"])
    patched = await client.patch(
        f"{SHARES}/{share['id']}", json={"expires_at": moment}, headers=owner.headers
    )
    assert patched.status_code == 422
    assert patched.json()["error"] == "invalid_expiry"

    for bad in ({"visibility": "secret"}, {}, {"visibility": "public", "extra": 1}):
        refused = await client.post(
            f"{RENDERS}/{render['id']}/shares", json=bad, headers=owner.headers
        )
        assert refused.status_code == 422, bad


async def test_a_render_that_has_not_succeeded_cannot_be_shared(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)
    queued = (await submit(client, owner, shootout_id)).json()
    response = await client.post(
        f"{RENDERS}/{queued['id']}/shares", json={"visibility": "public"}, headers=owner.headers
    )
    assert response.status_code == 409
    assert response.json()["error"] == "render_not_succeeded"
    listed = await client.get(f"{RENDERS}/{queued['id']}/shares", headers=owner.headers)
    assert listed.json() == {"items": []}


def _comparable(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    body.pop("request_id", None)
    return response.status_code, body


async def test_another_users_render_and_shares_look_absent(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"])
    stranger = await register_and_login(client)
    before = (await client.get(f"{SHARES}/{share['id']}", headers=owner.headers)).json()

    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", f"{RENDERS}/{{}}/shares", {"visibility": "public"}),
        ("GET", f"{RENDERS}/{{}}/shares", None),
    ]
    for method, template, body in calls:
        theirs = await client.request(
            method, template.format(render["id"]), json=body, headers=stranger.headers
        )
        missing = await client.request(
            method, template.format(uuid.uuid4()), json=body, headers=stranger.headers
        )
        assert theirs.status_code == 404, (method, template)
        assert _comparable(theirs) == _comparable(missing)
        anonymous = await client.request(method, template.format(render["id"]), json=body)
        assert anonymous.status_code == 401

    share_calls: list[tuple[str, dict[str, Any] | None]] = [
        ("GET", None),
        ("PATCH", {"voting_open": False}),
        ("DELETE", None),
    ]
    for method, body in share_calls:
        theirs = await client.request(
            method, f"{SHARES}/{share['id']}", json=body, headers=stranger.headers
        )
        missing = await client.request(
            method, f"{SHARES}/{uuid.uuid4()}", json=body, headers=stranger.headers
        )
        assert theirs.status_code == 404, method
        assert _comparable(theirs) == _comparable(missing)
        anonymous = await client.request(method, f"{SHARES}/{share['id']}", json=body)
        assert anonymous.status_code == 401

    after = (await client.get(f"{SHARES}/{share['id']}", headers=owner.headers)).json()
    assert after == before
    assert (await client.get(f"{SHARED}/{share['token']}")).status_code == 200


async def test_counts_come_from_the_listening_tables(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"])
    quiet = await create_share(client, owner, render["id"])
    share_id = uuid.UUID(share["id"])
    listeners = [uuid.uuid4(), uuid.uuid4()]

    def session_row(listener: uuid.UUID, kind: str, done: bool) -> ListeningSession:
        return ListeningSession(
            id=uuid.uuid4(),
            share_id=share_id,
            listener_id=listener,
            kind=kind,
            seed=1,
            design={},
            completed_at=datetime.now(UTC) if done else None,
        )

    blind = [session_row(listener, "blind", False) for listener in listeners]
    # One listener's ABX runs: one finished, one left early.
    abx = [session_row(listeners[0], "abx", True), session_row(listeners[0], "abx", False)]
    answers = [
        ListeningAnswer(session_id=blind[0].id, round=0, choice=1),
        ListeningAnswer(session_id=blind[0].id, round=1, choice=0),
        ListeningAnswer(session_id=blind[1].id, round=0, choice=0),
        # ABX answers are not votes.
        ListeningAnswer(session_id=abx[0].id, round=0, choice=0, correct=True),
    ]
    async with services(app).sessionmaker() as session:
        session.add_all([*blind, *abx])
        await session.flush()
        session.add_all(answers)
        await session.commit()

    one = (await client.get(f"{SHARES}/{share['id']}", headers=owner.headers)).json()
    assert (one["listeners"], one["votes"], one["abx_runs"], one["abx_completed"]) == (2, 3, 2, 1)
    items = (await client.get(f"{RENDERS}/{render['id']}/shares", headers=owner.headers)).json()
    by_id = {i["id"]: i for i in items["items"]}
    assert by_id[share["id"]]["votes"] == 3
    assert by_id[quiet["id"]]["listeners"] == by_id[quiet["id"]]["votes"] == 0
