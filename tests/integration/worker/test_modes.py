"""End to end: the embedded API lifespan renders in-process; a `toneshootout worker` over Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import (
    Recorder,
    add_render,
    add_user,
    build_context,
    outputs_of,
    tiny_snapshot,
    wait_for_state,
)
from tests.redis_server import redis_or_skip
from toneshootout.server.app import create_app
from toneshootout.server.db.engine import create_engine
from toneshootout.server.state import Services
from toneshootout.settings import Settings
from toneshootout.worker.broker import TaskiqJobQueue, build_broker
from toneshootout.worker.tasks import register_render_task


async def test_embedded_api_runs_kicked_render(settings: Settings, kit: Kit) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        services = app.state.services
        assert isinstance(services, Services)
        assert services.queue is not None
        ctx = build_context(settings, services.engine, Recorder())
        owner = await add_user(ctx)
        render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
        await services.queue.kick(render_id)
        render = await wait_for_state(ctx, render_id, {"succeeded", "failed"})
        assert render.state == "succeeded", render.detail
        assert await outputs_of(ctx, render_id)


def _worker_env(settings: Settings, redis_url: str) -> dict[str, str]:
    render = settings.render
    return os.environ | {
        "TONESHOOTOUT_DATA_DIR": str(settings.data_dir),
        "TONESHOOTOUT_DATABASE_URL": settings.database,
        "TONESHOOTOUT_REDIS_URL": redis_url,
        "TONESHOOTOUT_REDIS__IDLE_TIMEOUT_MS": "180000",
        "TONESHOOTOUT_RENDER__LEASE_SECONDS": str(render.lease_seconds),
        "TONESHOOTOUT_RENDER__HEARTBEAT_SECONDS": str(render.heartbeat_seconds),
        "TONESHOOTOUT_RENDER__MAX_RENDER_SECONDS": str(render.max_render_seconds),
        "TONESHOOTOUT_RENDER__SANDBOX_MEMORY_MB": str(render.sandbox_memory_mb),
    }


async def test_redis_worker_process_renders_kicked_job(settings: Settings, kit: Kit) -> None:
    with redis_or_skip() as redis:
        scaled = settings.model_copy(update={"redis_url": redis.url})
        scaled = scaled.model_copy(
            update={"redis": scaled.redis.model_copy(update={"idle_timeout_ms": 180_000})}
        )
        engine = create_engine(scaled)
        ctx = build_context(scaled, engine, Recorder())
        owner = await add_user(ctx)
        render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
        broker = build_broker(scaled)
        register_render_task(broker, None)
        await broker.startup()  # declares the group: the kick below precedes any worker
        await TaskiqJobQueue(broker).kick(render_id)
        worker = subprocess.Popen(
            [sys.executable, "-m", "toneshootout", "worker", "--concurrency", "1"],
            env=_worker_env(scaled, redis.url),
            cwd=Path(settings.data_dir).parent,
        )
        try:
            render = await wait_for_state(ctx, render_id, {"succeeded", "failed"}, timeout=90)
            assert render.state == "succeeded", render.detail
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=30)
            await broker.shutdown()
            await engine.dispose()
        assert code == 0


def test_worker_refuses_bad_config_in_one_line(tmp_path: Path) -> None:
    env = os.environ | {
        "TONESHOOTOUT_DATA_DIR": str(tmp_path),
        "TONESHOOTOUT_REDIS_URL": "redis://:x@127.0.0.1:1/0",
        "TONESHOOTOUT_REDIS__IDLE_TIMEOUT_MS": "1000",
    }
    done = subprocess.run(
        [sys.executable, "-m", "toneshootout", "worker"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "IDLE_TIMEOUT_MS" in lines[0]
