"""REQ-27: the Redis broker configuration, item by item; REQ-32: no fire-and-forget work."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest
from taskiq import InMemoryBroker
from taskiq.serializers import JSONSerializer
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

from toneshootout.settings import RedisSettings, RenderSettings, Settings
from toneshootout.worker.broker import (
    IDLE_TIMEOUT_MARGIN_S,
    BrokerConfigError,
    build_broker,
)
from toneshootout.worker.tasks import parse_render_id

URL = "redis://:secret@127.0.0.1:6399/0"
SRC = Path(__file__).resolve().parents[3] / "src" / "toneshootout"


def test_build_broker_embedded_is_in_memory() -> None:
    assert isinstance(build_broker(Settings(environment="test")), InMemoryBroker)


def test_build_broker_redis_meets_every_req27_item() -> None:
    settings = Settings(environment="test", redis_url=URL)
    broker = build_broker(settings)
    assert isinstance(broker, RedisStreamBroker)  # stream broker, never ListQueue/PubSub
    assert tuple(map(int, version("taskiq-redis").split(".")[:3])) >= (1, 2, 3)
    assert broker.unacknowledged_lock_timeout == settings.redis.unacknowledged_lock_timeout_s
    limit_ms = settings.render.max_render_seconds * 1000
    assert broker.idle_timeout > limit_ms + IDLE_TIMEOUT_MARGIN_S * 1000
    assert settings.render.max_render_seconds > settings.render.lease_seconds  # heartbeats renew
    assert settings.render.heartbeat_seconds < settings.render.lease_seconds
    assert broker.maxlen == settings.redis.stream_maxlen  # the stream is trimmed
    assert broker.consumer_id == "0"  # a late group still sees earlier kicks
    assert isinstance(broker.serializer, JSONSerializer)
    backend = broker.result_backend
    assert isinstance(backend, RedisAsyncResultBackend)
    assert isinstance(backend.serializer, JSONSerializer)  # never pickle
    assert backend.result_ex_time == settings.redis.result_ex_time_s


def test_build_broker_refuses_idle_timeout_below_render_limit() -> None:
    settings = Settings(
        environment="test",
        redis_url=URL,
        redis=RedisSettings(idle_timeout_ms=60_000),
        render=RenderSettings(max_render_seconds=600),
    )
    with pytest.raises(BrokerConfigError, match="IDLE_TIMEOUT_MS"):
        build_broker(settings)


def test_build_broker_refuses_heartbeat_not_below_lease() -> None:
    render = RenderSettings(lease_seconds=10, heartbeat_seconds=10.0)
    with pytest.raises(BrokerConfigError, match="HEARTBEAT_SECONDS"):
        build_broker(Settings(environment="test", redis_url=URL, render=render))


@pytest.mark.parametrize("payload", ["", "x" * 100, "not-a-uuid", 5, None, ["a"]])
def test_parse_render_id_rejects_non_ids(payload: object) -> None:
    assert parse_render_id(payload) is None


# REQ-32: work that matters goes through the durable job path, never these.
ALLOWED_CREATE_TASK = {
    # long-lived loops owned by a context manager that cancels and awaits them
    "server/periodic.py",  # sweepers and janitors
    "worker/attempt.py",  # the sandbox's line reader, awaited by its supervisor
    "worker/runtime.py",  # the TaskIQ receiver, cancelled and awaited on shutdown
    "server/realtime/hub.py",  # the pub/sub listener, closed with the hub
    "server/realtime/connection.py",  # per-socket reader/heartbeat, awaited on close
}


def test_no_background_tasks_or_fire_and_forget_create_task_in_src() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bBackgroundTasks?\b", text):
            offenders.append(f"{relative}: BackgroundTasks")
        if re.search(r"\b(asyncio\.)?create_task\(", text) and relative not in ALLOWED_CREATE_TASK:
            offenders.append(f"{relative}: create_task")
    assert offenders == []
