"""Listing, reading, cancelling and deleting renders; nobody else's render is ever visible."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from tests.integration.server.render.helpers import (
    RENDERS,
    claim,
    new_shootout,
    render_rows,
    services,
    submit,
)
from tests.integration.server.shootout.helpers import register_and_login
from toneshootout.server.db.base import utcnow
from toneshootout.server.render import job_repository
from toneshootout.server.render.files import attempt_folder_key
from toneshootout.server.render.states import RenderState


async def test_list_filters_and_paginates(client: httpx.AsyncClient, app: FastAPI) -> None:
    owner = await register_and_login(client)
    first, second = await new_shootout(client, app, owner), await new_shootout(client, app, owner)
    ids = [(await submit(client, owner, s)).json()["id"] for s in (first, first, second)]
    await client.post(f"{RENDERS}/{ids[0]}/cancel", headers=owner.headers)

    everything = (await client.get(RENDERS, headers=owner.headers)).json()
    of_first = await client.get(RENDERS, params={"shootout_id": first}, headers=owner.headers)
    queued = await client.get(RENDERS, params={"state": "queued"}, headers=owner.headers)
    page = await client.get(RENDERS, params={"limit": 2, "offset": 2}, headers=owner.headers)

    assert [r["id"] for r in everything["items"]] == ids[::-1]  # newest first
    assert everything["total"] == 3
    assert {r["id"] for r in of_first.json()["items"]} == set(ids[:2])
    assert {r["id"] for r in queued.json()["items"]} == set(ids[1:])
    assert page.json()["total"] == 3
    assert [r["id"] for r in page.json()["items"]] == [ids[0]]
    bad = await client.get(RENDERS, params={"state": "exploded"}, headers=owner.headers)
    assert bad.status_code == 422


async def test_another_users_render_is_not_found_anywhere(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner, stranger = await register_and_login(client), await register_and_login(client)
    render_id = (await submit(client, owner, await new_shootout(client, app, owner))).json()["id"]
    calls = [
        ("GET", ""),
        ("POST", "/cancel"),
        ("DELETE", ""),
        ("GET", "/files/manifest.json"),
        ("GET", "/metrics.csv"),
        ("GET", "/bundle"),
    ]
    for method, suffix in calls:
        theirs = await client.request(
            method, f"{RENDERS}/{render_id}{suffix}", headers=stranger.headers
        )
        missing = await client.request(
            method, f"{RENDERS}/{uuid.uuid4()}{suffix}", headers=stranger.headers
        )
        assert theirs.status_code == 404, (method, suffix, theirs.text)
        assert theirs.json()["detail"] == missing.json()["detail"]
    listed = await client.get(RENDERS, headers=stranger.headers)
    assert listed.json()["total"] == 0
    (row,) = await render_rows(app, owner.user_id)
    assert row.state == "queued"
    assert not row.cancel_requested


async def test_cancel_queued_render_is_immediate(client: httpx.AsyncClient, app: FastAPI) -> None:
    owner = await register_and_login(client)
    render_id = (await submit(client, owner, await new_shootout(client, app, owner))).json()["id"]

    response = await client.post(f"{RENDERS}/{render_id}/cancel", headers=owner.headers)

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "cancelled"
    assert response.json()["finished_at"] is not None
    again = await client.post(f"{RENDERS}/{render_id}/cancel", headers=owner.headers)
    assert again.status_code == 409
    assert again.json()["error"] == "render_finished"


async def test_cancel_running_render_asks_its_worker(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    render_id = (await submit(client, owner, await new_shootout(client, app, owner))).json()["id"]
    attempt = await claim(app, uuid.UUID(render_id))

    response = await client.post(f"{RENDERS}/{render_id}/cancel", headers=owner.headers)

    assert response.status_code == 202, response.text
    assert response.json()["state"] == "running"
    assert response.json()["cancel_requested"] is True
    async with services(app).sessionmaker() as session:
        beat = await job_repository.heartbeat(
            session, uuid.UUID(render_id), attempt, now=utcnow(), lease_seconds=60
        )
        await session.commit()
    assert beat.alive
    assert beat.cancel_requested


async def test_results_of_an_unfinished_render_are_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    render_id = (await submit(client, owner, await new_shootout(client, app, owner))).json()["id"]
    for suffix in ("/files/manifest.json", "/metrics.csv", "/bundle"):
        response = await client.get(f"{RENDERS}/{render_id}{suffix}", headers=owner.headers)
        assert response.status_code == 409, (suffix, response.text)
        assert response.json()["error"] == "render_not_succeeded"


async def test_delete_running_render_fences_out_its_worker(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    render_id = uuid.UUID(
        (await submit(client, owner, await new_shootout(client, app, owner))).json()["id"]
    )
    attempt = await claim(app, render_id)
    storage = services(app).storage
    partial = f"{attempt_folder_key(owner.user_id, render_id, attempt)}/partial.wav"
    storage.put_stream(partial, [b"RIFF"])

    response = await client.delete(f"{RENDERS}/{render_id}", headers=owner.headers)

    assert response.status_code == 204, response.text
    assert (await client.get(f"{RENDERS}/{render_id}", headers=owner.headers)).status_code == 404
    assert list(storage.list_prefix(f"{owner.user_id}/renders/{render_id}/")) == []
    async with services(app).sessionmaker() as session:
        beat = await job_repository.heartbeat(
            session, render_id, attempt, now=utcnow(), lease_seconds=60
        )
        finished = await job_repository.finish(
            session, render_id, attempt, now=utcnow(), state=RenderState.FAILED
        )
        await session.commit()
    assert not beat.alive
    assert not finished
    assert await render_rows(app, owner.user_id) == []
