"""Submitting renders: committed before 202, kicked once after commit, idempotent, capped."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI

from tests.integration.server.commit_faults import failing_commits
from tests.integration.server.render.helpers import (
    RENDERS,
    RecordingQueue,
    install,
    new_shootout,
    render_rows,
    services,
    submit,
    with_render_settings,
)
from tests.integration.server.shootout.helpers import (
    delete_item as delete_library_row,
)
from tests.integration.server.shootout.helpers import (
    register_and_login,
    shootout_body,
    small_library,
)


async def test_submit_commits_row_and_kicks_once(
    client: httpx.AsyncClient, app: FastAPI, queue: RecordingQueue
) -> None:
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)

    response = await submit(client, owner, shootout_id)

    assert response.status_code == 202, response.text
    render = response.json()
    assert response.headers["location"] == f"{RENDERS}/{render['id']}"
    assert render["state"] == "queued"
    assert render["shootout_id"] == shootout_id
    assert (render["number"], render["title"], render["attempt"]) == (1, "Head vs combo", 0)
    assert render["outputs"] == []
    assert render["bundle_url"] is None
    (row,) = await render_rows(app, owner.user_id)
    assert str(row.id) == render["id"]
    assert row.state == "queued"
    assert row.snapshot["v"] == 1
    assert len(row.snapshot["items"]) == 4
    assert queue.kicks == [row.id]


async def test_submit_answers_202_when_the_kick_fails(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    install(app, queue=RecordingQueue(fail=True))
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)

    response = await submit(client, owner, shootout_id, body={})

    assert response.status_code == 202, response.text
    (row,) = await render_rows(app, owner.user_id)
    assert str(row.id) == response.json()["id"]
    assert row.state == "queued"


async def test_submit_again_adds_a_new_version(
    client: httpx.AsyncClient, app: FastAPI, queue: RecordingQueue
) -> None:
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)

    first = await submit(client, owner, shootout_id)
    second = await submit(client, owner, shootout_id)

    assert first.json()["id"] != second.json()["id"]
    assert [r.number for r in await render_rows(app, owner.user_id)] == [1, 2]
    assert len(queue.kicks) == 2


async def test_submit_with_same_key_replays_the_render(
    client: httpx.AsyncClient, app: FastAPI, queue: RecordingQueue
) -> None:
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)

    first = await submit(client, owner, shootout_id, key="order-42")
    again = await submit(client, owner, shootout_id, key="order-42", body={})

    assert first.status_code == again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(await render_rows(app, owner.user_id)) == 1
    assert len(queue.kicks) == 1


async def test_submit_with_key_of_another_request_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)
    other_shootout = await new_shootout(client, app, owner)
    await submit(client, owner, shootout_id, key="k-1")

    response = await submit(client, owner, other_shootout, key="k-1")

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "idempotency_key_reused"
    assert len(await render_rows(app, owner.user_id)) == 1


async def test_keys_of_different_users_do_not_collide(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    alice, bob = await register_and_login(client), await register_and_login(client)
    a = await submit(client, alice, await new_shootout(client, app, alice), key="same")
    b = await submit(client, bob, await new_shootout(client, app, bob), key="same")
    assert a.status_code == b.status_code == 202
    assert a.json()["id"] != b.json()["id"]


async def test_submit_with_malformed_key_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)
    url = f"/api/v1/shootouts/{shootout_id}/renders"
    for key in (b"x" * 256, b"tab\there", b"caf\xe9"):
        headers = [(k.encode(), v.encode()) for k, v in owner.headers.items()]
        headers.append((b"Idempotency-Key", key))
        response = await client.post(url, headers=headers)
        assert response.status_code == 422, (key, response.text)
        assert response.json()["error"] == "invalid_idempotency_key"
    assert await render_rows(app, owner.user_id) == []


async def test_concurrent_submits_with_one_key_make_one_render(
    client: httpx.AsyncClient, app: FastAPI, queue: RecordingQueue
) -> None:
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)

    responses = await asyncio.gather(
        *(submit(client, owner, shootout_id, key="double-click") for _ in range(6))
    )

    assert {r.status_code for r in responses} == {202}, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await render_rows(app, owner.user_id)) == 1
    assert len(queue.kicks) == 1


async def test_submit_beyond_the_active_cap_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    with_render_settings(app, per_user_active=2)
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)
    first = await submit(client, owner, shootout_id)
    await submit(client, owner, shootout_id)

    refused = await submit(client, owner, shootout_id)

    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == "too_many_renders"
    assert "limit 2" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) > 0
    # A finished (here: cancelled) render frees its place.
    cancel = await client.post(f"{RENDERS}/{first.json()['id']}/cancel", headers=owner.headers)
    assert cancel.status_code == 200, cancel.text
    assert (await submit(client, owner, shootout_id)).status_code == 202


async def test_submit_of_a_shootout_that_no_longer_validates_lists_problems(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    lib = await small_library(app, owner)
    created = await client.post("/api/v1/shootouts", json=shootout_body(lib), headers=owner.headers)
    await delete_library_row(app, lib.ir)

    response = await submit(client, owner, created.json()["id"])

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["path"] == "chains.0.blocks.1.ir_id"
    assert await render_rows(app, owner.user_id) == []


async def test_submit_with_unknown_option_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)
    response = await submit(client, owner, shootout_id, body={"priority": "high"})
    assert response.status_code == 422, response.text


async def test_submit_of_another_users_shootout_is_not_found(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner, stranger = await register_and_login(client), await register_and_login(client)
    shootout_id = await new_shootout(client, app, owner)
    response = await submit(client, stranger, shootout_id)
    missing = await submit(client, stranger, str(uuid.uuid4()))
    assert response.status_code == missing.status_code == 404
    assert response.json()["detail"] == missing.json()["detail"]
    assert await render_rows(app, owner.user_id) == []


async def test_submit_whose_commit_fails_kicks_and_publishes_nothing(
    app: FastAPI, queue: RecordingQueue
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        owner = await register_and_login(client)
        shootout_id = await new_shootout(client, app, owner)
        async with services(app).hub.subscribe(owner.user_id) as events:
            with failing_commits(services(app)):
                response = await submit(client, owner, shootout_id)
            assert response.status_code == 500
            assert events.empty()
        assert queue.kicks == []
        assert await render_rows(app, owner.user_id) == []
        # The same submission, committed this time, is kicked and announced once.
        async with services(app).hub.subscribe(owner.user_id) as events:
            accepted = await submit(client, owner, shootout_id)
            assert accepted.status_code == 202, accepted.text
            assert events.get_nowait().render_id == uuid.UUID(accepted.json()["id"])
        assert queue.kicks == [uuid.UUID(accepted.json()["id"])]
