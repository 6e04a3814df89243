"""Socket message schemas, tickets, origins, hub selection and the uvicorn log filter."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr, ValidationError

from toneshootout.server.logging import configure_logging
from toneshootout.server.realtime.hub import InProcessHub, RedisHub, build_hub
from toneshootout.server.realtime.origins import allowed_origins, origin_allowed
from toneshootout.server.realtime.schemas import (
    CLIENT_MESSAGE,
    LiveEvent,
    Ping,
    Subscribe,
)
from toneshootout.server.realtime.tickets import hash_ticket, new_ticket
from toneshootout.server.render.events import RenderEvent
from toneshootout.settings import AuthSettings, HttpSettings, RealtimeSettings, Settings


def _event(owner: uuid.UUID) -> RenderEvent:
    return RenderEvent(
        type="progress",
        render_id=uuid.uuid4(),
        owner_id=owner,
        state="running",
        attempt=1,
        progress=0.5,
        at=datetime.now(UTC),
    )


def test_live_event_has_every_render_event_field_but_owner() -> None:
    assert set(LiveEvent.model_fields) == set(RenderEvent.model_fields) - {"owner_id"}
    shown = LiveEvent.of(_event(uuid.uuid4())).model_dump()
    assert "owner_id" not in shown


def test_client_messages_parse_by_type() -> None:
    render_id = uuid.uuid4()
    parsed = CLIENT_MESSAGE.validate_json(f'{{"type":"subscribe","render_id":"{render_id}"}}')
    assert isinstance(parsed, Subscribe)
    assert parsed.render_id == render_id
    assert isinstance(CLIENT_MESSAGE.validate_json('{"type":"ping","v":1}'), Ping)


@pytest.mark.parametrize(
    "raw",
    [
        '{"type":"subscribe"}',
        f'{{"type":"subscribe","render_id":"{uuid.uuid4()}","shootout_id":"{uuid.uuid4()}"}}',
        '{"type":"subscribe","render_id":"not-a-uuid"}',
        '{"type":"ping","extra":1}',
        '{"type":"ping","v":2}',
        '{"type":"shout"}',
        "[]",
    ],
)
def test_client_messages_refuse_bad_shapes(raw: str) -> None:
    with pytest.raises(ValidationError):
        CLIENT_MESSAGE.validate_json(raw)


def test_tickets_are_long_random_and_hashed() -> None:
    tickets = {new_ticket() for _ in range(100)}
    assert len(tickets) == 100
    assert all(len(t) >= 43 for t in tickets)  # 32 random bytes
    ticket = next(iter(tickets))
    assert len(hash_ticket(ticket)) == 64
    assert ticket not in hash_ticket(ticket)


def test_origins_are_exact_and_development_adds_own_loopback() -> None:
    prod_like = Settings(
        environment="production",
        auth=AuthSettings(secret_key=SecretStr("x" * 40)),
        http=HttpSettings(cors_origins=["https://a.example"]),
    )
    allowed = allowed_origins(prod_like)
    assert origin_allowed("https://a.example", allowed)
    assert origin_allowed("HTTPS://A.example/", allowed)
    assert not origin_allowed("https://a.example.evil", allowed)
    assert not origin_allowed("http://127.0.0.1:8000", allowed)
    assert origin_allowed(None, allowed)  # non-browser client: the ticket still decides
    for environment in ("development", "test"):  # the server's own pages, on its own port
        dev = Settings(environment=environment, port=8123)
        assert origin_allowed("http://localhost:8123", allowed_origins(dev))
        assert not origin_allowed("http://localhost:8000", allowed_origins(dev))
    extra = Settings(
        environment="production",
        auth=AuthSettings(secret_key=SecretStr("x" * 40)),
        http=HttpSettings(cors_origins=["https://a.example"]),
        realtime=RealtimeSettings(allowed_origins=["*"]),
    )
    assert allowed_origins(extra) == frozenset({"https://a.example"})


async def test_build_hub_follows_the_redis_setting() -> None:
    assert isinstance(build_hub(Settings(environment="test")), InProcessHub)
    hub = build_hub(Settings(environment="test", redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(hub, RedisHub)
    await hub.publish(_event(uuid.uuid4()))  # Redis unreachable: logged, never raised
    await hub.close()


async def test_in_process_hub_routes_by_owner_and_unsubscribes() -> None:
    hub = InProcessHub()
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    async with hub.subscribe(owner) as mine, hub.subscribe(stranger) as theirs:
        event = _event(owner)
        await hub.publish(event)
        assert await asyncio.wait_for(mine.get(), 1) == event
        assert theirs.empty()
    assert hub.subscriber_count == 0


def test_uvicorn_records_lose_their_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging(Settings(environment="test"))
    caplog.set_level(logging.INFO)
    logging.getLogger("uvicorn.error").info(
        '%s - "WebSocket %s" [accepted]', "127.0.0.1:5", "/api/v1/ws?ticket=SECRET"
    )
    assert "SECRET" not in caplog.text
    assert "/api/v1/ws?[redacted]" in caplog.text
