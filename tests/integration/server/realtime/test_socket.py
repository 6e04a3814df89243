"""The live-progress socket on a real uvicorn with the in-process hub (REQ-31, REQ-03)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets
from fastapi import FastAPI
from sqlalchemy import update

from tests.integration.server.auth.helpers import SignedIn
from tests.integration.server.realtime.conftest import APP_ORIGIN
from tests.integration.server.realtime.helpers import (
    API,
    Live,
    add_render,
    add_shootout,
    close_code,
    event,
    new_ticket,
    open_socket,
    receive,
    services_of,
    set_render,
    subscribe,
    ticket_hash,
)
from toneshootout.server.db.models.render import WsTicket

POLICY = 1008


async def test_subscribe_sends_snapshot_then_live_events(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    render_id = await add_render(app, user.user_id)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        snapshot = await subscribe(ws, render_id=str(render_id))
        assert snapshot["type"] == "snapshot"
        assert snapshot["v"] == 1
        assert [r["render_id"] for r in snapshot["renders"]] == [str(render_id)]
        assert snapshot["renders"][0]["state"] == "queued"
        await services_of(app).hub.publish(event(user.user_id, render_id, progress=0.25))
        message = await receive(ws)
    assert message["type"] == "event"
    assert message["event"]["progress"] == 0.25
    assert message["event"]["state"] == "running"
    assert "owner_id" not in message["event"]


async def test_events_of_unsubscribed_renders_are_not_sent(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    watched = await add_render(app, user.user_id)
    unwatched = await add_render(app, user.user_id, number=2)
    hub = services_of(app).hub
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await subscribe(ws, render_id=str(watched))
        await hub.publish(event(user.user_id, unwatched, progress=0.9))
        await hub.publish(event(user.user_id, watched, progress=0.1))
        message = await receive(ws)
        assert message["event"]["render_id"] == str(watched)
        await ws.send(json.dumps({"type": "unsubscribe", "render_id": str(watched)}))
        assert (await receive(ws))["type"] == "unsubscribed"
        await hub.publish(event(user.user_id, watched, progress=0.2))
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"  # nothing came before the pong


async def test_shootout_subscription_covers_its_renders(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    shootout_id = await add_shootout(app, user.user_id)
    first = await add_render(app, user.user_id, shootout_id=shootout_id)
    second = await add_render(app, user.user_id, shootout_id=shootout_id, number=2)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        snapshot = await subscribe(ws, shootout_id=str(shootout_id))
        assert [r["render_id"] for r in snapshot["renders"]] == [str(first), str(second)]
        await services_of(app).hub.publish(
            event(user.user_id, second, shootout_id=shootout_id, progress=0.7)
        )
        message = await receive(ws)
    assert message["event"]["render_id"] == str(second)


async def test_stale_events_after_a_terminal_snapshot_are_dropped(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    render_id = await add_render(app, user.user_id, state="succeeded")
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await subscribe(ws, render_id=str(render_id))
        await services_of(app).hub.publish(event(user.user_id, render_id, progress=0.3))
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"


async def test_reconnect_after_lost_events_shows_final_state_from_db(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    render_id = await add_render(app, user.user_id)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        assert (await subscribe(ws, render_id=str(render_id)))["renders"][0]["state"] == "queued"
    # The worker finishes while pub/sub delivers nothing at all (publish nothing).
    now = datetime.now(UTC)
    await set_render(app, render_id, state="succeeded", attempt=1, progress=1.0, finished_at=now)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        snapshot = await subscribe(ws, render_id=str(render_id))
    status = snapshot["renders"][0]
    assert (status["state"], status["progress"], status["attempt"]) == ("succeeded", 1.0, 1)


async def test_reused_ticket_closes_1008(
    client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    ticket = await new_ticket(client, user)
    async with open_socket(live, ticket) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"
    async with open_socket(live, ticket) as ws:
        assert await close_code(ws) == POLICY


async def test_expired_ticket_closes_1008(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    ticket = await new_ticket(client, user)
    async with services_of(app).sessionmaker() as session:
        await session.execute(
            update(WsTicket)
            .where(WsTicket.token_sha256 == ticket_hash(ticket))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    async with open_socket(live, ticket) as ws:
        assert await close_code(ws) == POLICY


@pytest.mark.parametrize("ticket", ["", "not-a-ticket", "x" * 500])
async def test_unknown_ticket_closes_1008(live: Live, ticket: str) -> None:
    async with open_socket(live, ticket) as ws:
        assert await close_code(ws) == POLICY


async def test_one_ticket_raced_by_two_sockets_opens_one(
    client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    ticket = await new_ticket(client, user)

    async def attempt() -> int | None:
        async with open_socket(live, ticket) as ws:
            try:
                await ws.send(json.dumps({"type": "ping"}))
                return 0 if (await receive(ws))["type"] == "pong" else None
            except websockets.ConnectionClosed:
                return ws.close_code

    outcomes = sorted(await asyncio.gather(attempt(), attempt()), key=str)
    assert outcomes == [0, POLICY]


async def test_foreign_origin_is_refused_at_handshake(
    client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    ticket = await new_ticket(client, user)
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with open_socket(live, ticket, origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    # The refused handshake did not spend the ticket: the real page can still use it.
    async with open_socket(live, ticket, origin=APP_ORIGIN) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"


async def test_other_users_render_closes_1008(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn, other: SignedIn
) -> None:
    foreign = await add_render(app, other.user_id)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "render_id": str(foreign)}))
        assert await close_code(ws) == POLICY


async def test_other_users_shootout_closes_1008(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn, other: SignedIn
) -> None:
    foreign = await add_shootout(app, other.user_id)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "shootout_id": str(foreign)}))
        assert await close_code(ws) == POLICY


async def test_other_users_events_never_arrive(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn, other: SignedIn
) -> None:
    mine = await add_render(app, user.user_id)
    theirs = await add_render(app, other.user_id)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await subscribe(ws, render_id=str(mine))
        # Even an event claiming my render id but routed to the other owner stays theirs.
        await services_of(app).hub.publish(event(other.user_id, mine, progress=0.9))
        await services_of(app).hub.publish(event(other.user_id, theirs, progress=0.9))
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"


async def test_huge_frame_closes_the_socket(
    client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    async with open_socket(live, await new_ticket(client, user), max_size=None) as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.send("x" * (20 * 1024 * 1024))
        assert await close_code(ws) == 1009


async def test_message_over_the_app_cap_closes_1009(
    client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await ws.send(json.dumps({"type": "ping", "pad": "x" * 2000}))
        assert await close_code(ws) == 1009


@pytest.mark.parametrize("frame", ['{"type": "nope"}', "not json", '{"type":"subscribe"}'])
async def test_invalid_message_closes_1008(
    client: httpx.AsyncClient, live: Live, user: SignedIn, frame: str
) -> None:
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await ws.send(frame)
        assert await close_code(ws) == POLICY


async def test_binary_frame_closes_1003(
    client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await ws.send(b'{"type": "ping"}')
        assert await close_code(ws) == 1003


async def test_connections_over_the_cap_close_1008(
    client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    tickets = [await new_ticket(client, user) for _ in range(4)]
    async with (
        open_socket(live, tickets[0]) as a,
        open_socket(live, tickets[1]) as b,
        open_socket(live, tickets[2]) as c,
    ):
        for ws in (a, b, c):
            await ws.send(json.dumps({"type": "ping"}))
            assert (await receive(ws))["type"] == "pong"
        async with open_socket(live, tickets[3]) as d:
            assert await close_code(d) == POLICY


async def test_subscriptions_over_the_cap_close_1008(
    app: FastAPI, client: httpx.AsyncClient, live: Live, user: SignedIn
) -> None:
    renders = [await add_render(app, user.user_id, number=n) for n in range(1, 5)]
    async with open_socket(live, await new_ticket(client, user)) as ws:
        for render_id in renders[:3]:
            assert (await subscribe(ws, render_id=str(render_id)))["type"] == "snapshot"
        await ws.send(json.dumps({"type": "subscribe", "render_id": str(renders[3])}))
        assert await close_code(ws) == POLICY


async def test_heartbeats_arrive(client: httpx.AsyncClient, live: Live, user: SignedIn) -> None:
    async with open_socket(live, await new_ticket(client, user)) as ws:
        message = await receive(ws, skip_heartbeats=False)
    assert message["type"] == "heartbeat"
    assert message["v"] == 1


@pytest.mark.parametrize("action", ["logout", "logout-all", "delete"])
async def test_session_end_closes_socket_1008(
    client: httpx.AsyncClient, live: Live, user: SignedIn, action: str
) -> None:
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"
        if action == "delete":
            response = await client.request(
                "DELETE", f"{API}/me", headers=user.headers, json={"password": user.password}
            )
        else:
            response = await client.post(f"{API}/auth/{action}", headers=user.headers)
        assert response.status_code == 204, response.text
        assert await close_code(ws) == POLICY


async def test_logs_never_contain_the_ticket(
    client: httpx.AsyncClient,
    live: Live,
    user: SignedIn,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    # The test's own client library logs its request line at DEBUG: that is not the server.
    caplog.set_level(logging.INFO, logger="websockets.client")
    ticket = await new_ticket(client, user)
    with pytest.raises(websockets.InvalidStatus):
        async with open_socket(live, ticket, origin="https://evil.example"):
            pass
    async with open_socket(live, ticket) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"
    async with open_socket(live, ticket) as ws:  # reused: refused
        assert await close_code(ws) == POLICY
    written = caplog.text + capsys.readouterr().err
    assert '"WebSocket /api/v1/ws?[redacted]"' in written  # uvicorn's handshake lines were seen
    assert ticket not in written
