"""Renders of TONE3000 models through the worker: downloaded with the owner's sign-in before
the sandbox starts, validated like uploads, cached per user for a while, and every refusal a
readable, final reason (only the network is worth another try)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI

from tests.integration.conftest import Kit
from tests.integration.tone3000_link import (
    PLEXI,
    V30,
    FakeNetwork,
    Linked,
    assert_no_secret,
    forget_tokens,
    link,
    with_tone3000,
)
from tests.integration.worker.helpers import (
    Recorder,
    _store,
    add_render,
    add_user,
    load,
    outputs_of,
    sha256_of,
    stored_json,
    stored_names,
    wait_for_state,
)
from tests.redis_server import redis_or_skip
from toneshootout.server.app import create_app
from toneshootout.server.db.base import utcnow
from toneshootout.server.db.session import session_scope
from toneshootout.server.render import job_repository
from toneshootout.server.render.snapshot import build_snapshot, item_entry, tone3000_credits
from toneshootout.server.render.tone3000_models import look_up, model_refs
from toneshootout.server.shootout.schemas import ShootoutIn
from toneshootout.server.state import Services
from toneshootout.server.storage.base import read_bytes
from toneshootout.server.tone3000.access import Tone3000Access, tone3000_access
from toneshootout.settings import Settings
from toneshootout.tone3000.attribution import credit_lines
from toneshootout.tone3000_fake import FakeState, create_fake_app, fake_state
from toneshootout.worker.broker import TaskiqJobQueue, build_broker
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.janitor import clean_tone3000_cache
from toneshootout.worker.runner import RenderRunner
from toneshootout.worker.runtime import run_worker
from toneshootout.worker.tasks import register_render_task
from toneshootout.worker.tone3000_files import cache_root

DOWNLOADS = "GET /api/v1/models/{model_id}/download/{filename}"


@pytest.fixture
def fake() -> FastAPI:
    return create_fake_app()


@pytest.fixture
def network(fake: FastAPI) -> FakeNetwork:
    return FakeNetwork(fake)


@pytest.fixture
def trust_storage() -> bool:
    return True


@pytest.fixture
def settings(settings: Settings, trust_storage: bool) -> Settings:
    return with_tone3000(settings, trust_storage=trust_storage)


@pytest.fixture
async def access(ctx: WorkerContext, network: FakeNetwork) -> AsyncIterator[Tone3000Access]:
    async with tone3000_access(ctx.settings.tone3000, ctx.sessionmaker, transport=network) as made:
        yield made


@pytest.fixture
def worker(ctx: WorkerContext, access: Tone3000Access) -> WorkerContext:
    return dataclasses.replace(ctx, tone3000=access)


@dataclass(frozen=True)
class Scene:
    """A worker with TONE3000 access, and the fake it talks to."""

    worker: WorkerContext
    access: Tone3000Access
    fake: FastAPI
    state: FakeState
    network: FakeNetwork

    async def linked_user(self, username: str = "shootout-tester") -> tuple[uuid.UUID, Linked]:
        owner = await add_user(self.worker)
        return owner, await link(self.fake, self.worker.sessionmaker, owner, username=username)

    async def render(
        self, owner: uuid.UUID, kit: Kit, settings: dict[str, Any] | None = None, **values: Any
    ) -> uuid.UUID:
        snapshot = await _snapshot(self.worker, self.access, owner, kit, settings=settings)
        return await add_render(self.worker, owner, snapshot, **values)


@pytest.fixture
def scene(
    worker: WorkerContext, access: Tone3000Access, fake: FastAPI, network: FakeNetwork
) -> Scene:
    return Scene(worker, access, fake, fake_state(fake), network)


def _ref(pair: tuple[int, int]) -> dict[str, int]:
    return {"tone_id": pair[0], "model_id": pair[1]}


async def _snapshot(
    ctx: WorkerContext,
    access: Tone3000Access,
    owner: uuid.UUID,
    kit: Kit,
    *,
    capture: tuple[int, int] = (PLEXI, 90002),  # A1, downloaded through the storage host
    ir: tuple[int, int] = (V30, 90010),  # a cab IR, served directly
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A library DI through a TONE3000 capture and IR, looked up as a submission does."""
    di = uuid.uuid4()
    body = ShootoutIn.model_validate(
        {
            "title": "TONE3000 render",
            "di_tracks": [str(di)],
            "chains": [
                {
                    "name": "Plexi V30",
                    "blocks": [
                        {"type": "capture", "tone3000": _ref(capture)},
                        {"type": "ir", "tone3000": _ref(ir)},
                    ],
                }
            ],
            "settings": settings or {"outputs": ["wav"]},
        }
    )
    frozen = await look_up(access.api_for(owner), model_refs(body))
    entry = item_entry(
        kind="di_track",
        name="riff.wav",
        storage_key=_store(ctx, owner, kit.dis[1]),
        sha256=sha256_of(kit.dis[1]),
    )
    return build_snapshot(body, {di: entry}, frozen)


def _cached(worker: WorkerContext, owner: uuid.UUID) -> list[str]:
    """What the owner's cache holds (nothing left behind by an attempt included)."""
    folder = cache_root(worker.settings) / str(owner)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _events_text(ctx: WorkerContext) -> str:
    recorder = ctx.events
    assert isinstance(recorder, Recorder)
    return "\n".join(event.model_dump_json() for event in recorder.events)


async def test_render_downloads_its_models_with_the_owners_sign_in(
    scene: Scene, kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    worker, state = scene.worker, scene.state
    owner, linked = await scene.linked_user()
    render_id = await scene.render(owner, kit)

    await RenderRunner(worker).run(render_id)

    render = await load(worker, render_id)
    assert (render.state, render.reason, render.attempt) == ("succeeded", None, 1)
    assert render.output_prefix is not None
    manifest = stored_json(worker, render.output_prefix, "manifest.json")
    capture, ir = manifest["inputs"]["chains"][0]["blocks"]
    assert (capture["type"], capture["file"]) == ("capture", "90002.nam")
    assert (ir["type"], ir["file"]) == ("ir", "90010.wav")
    # The capture came over the storage host, with no credential (REQ-06).
    assert [hit.path.rsplit("/", 2)[-2] for hit in state.storage_hits] == ["90002"]
    assert not any(hit.had_authorization for hit in state.storage_hits)
    cache = cache_root(worker.settings) / str(owner)
    assert _cached(worker, owner) == ["90002.nam", "90010.wav"]
    found = state.catalogue.model(90002)
    assert found is not None
    assert (cache / "90002.nam").read_bytes() == state.model_file(found[1])
    assert '"step":"download"' in _events_text(worker)
    assert_no_secret(_events_text(worker), linked)
    assert_no_secret(caplog.text, linked)
    assert_no_secret(json.dumps(render.snapshot) + str(render.summary), linked)


async def test_the_video_credits_each_model_as_frozen_at_submit(scene: Scene, kit: Kit) -> None:
    worker = scene.worker
    owner, _linked = await scene.linked_user()
    video = {"outputs": ["video"], "video_size": "1280x720"}
    render_id = await scene.render(owner, kit, settings=video)

    await RenderRunner(worker).run(render_id)

    render = await load(worker, render_id)
    assert (render.state, render.reason) == ("succeeded", None)
    assert render.output_prefix is not None
    credits = tone3000_credits(render.snapshot)
    assert {c.model_id for c in credits} == {90002, 90010}
    names = stored_names(worker, render.output_prefix)
    text = next(n for n in names if n.startswith("video/") and n.endswith(".description.txt"))
    description = read_bytes(worker.storage, f"{render.output_prefix}/{text}").decode()
    # One line per model, as the worker words it, and TONE3000's own line.
    for line in credit_lines(credits):
        assert line in description, (line, description)
    assert "Powered by TONE3000" in description
    recorded = {o.role for o in await outputs_of(worker, render_id)}
    assert {"video", "video_poster", "video_description"} <= recorded


@pytest.mark.parametrize(
    ("change", "reason", "words"),
    [
        ("delete", "tone3000_deleted", "this tone was deleted from TONE3000"),
        ("hide", "tone3000_private", "this tone is private on TONE3000"),
        ("sign_out", "tone3000_sign_in_required", "sign in with TONE3000"),
    ],
)
async def test_a_model_gone_between_submit_and_render_fails_it_for_good(
    scene: Scene, kit: Kit, change: str, reason: str, words: str
) -> None:
    worker = scene.worker
    owner, _ = await scene.linked_user()
    render_id = await scene.render(owner, kit)
    if change == "delete":
        scene.state.delete_tone(PLEXI)
    elif change == "hide":
        scene.state.make_private(PLEXI)
    else:
        await forget_tokens(worker.sessionmaker, owner)

    await RenderRunner(worker).run(render_id)

    render = await load(worker, render_id)
    assert (render.state, render.reason, render.attempt) == ("failed", reason, 1)
    assert render.detail is not None
    assert render.detail.startswith("Plexi Lead 100W — Gain 7 - SM57 (by ampwright): ")
    assert words in render.detail
    assert render.output_prefix is None
    assert _cached(worker, owner) == []


@pytest.mark.parametrize("trust_storage", [False])
async def test_a_download_redirected_to_an_untrusted_host_is_refused(
    scene: Scene, kit: Kit
) -> None:
    owner, _ = await scene.linked_user()
    render_id = await scene.render(owner, kit)

    await RenderRunner(scene.worker).run(render_id)

    render = await load(scene.worker, render_id)
    assert (render.state, render.reason, render.attempt) == ("failed", "tone3000_bad_response", 1)
    assert render.detail is not None
    assert "not a trusted storage origin" in render.detail
    assert "http://localhost:8030" in render.detail
    assert scene.state.storage_hits == []  # nothing reached the other host, token or not


async def test_an_invalid_file_fails_the_render_without_a_retry(
    scene: Scene, kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, _ = await scene.linked_user()
    render_id = await scene.render(owner, kit)
    monkeypatch.setattr(scene.state, "model_file", lambda model: b'{"architecture": "Linear"')

    await RenderRunner(scene.worker).run(render_id)

    render = await load(scene.worker, render_id)
    assert (render.state, render.reason, render.attempt) == ("failed", "tone3000_invalid_file", 1)
    assert render.detail is not None
    assert "the file from TONE3000 is not a valid capture" in render.detail
    assert _cached(scene.worker, owner) == []


async def test_the_network_failing_retries_then_fails_with_its_reason(
    scene: Scene, kit: Kit
) -> None:
    owner, _ = await scene.linked_user()
    render_id = await scene.render(owner, kit)
    scene.network.down = True
    runner = RenderRunner(scene.worker)
    runner.tone3000.retry_delays = (0.01, 0.01)
    attempts = scene.worker.settings.render.max_attempts

    for attempt in range(1, attempts):
        await runner.run(render_id)
        again = await load(scene.worker, render_id)
        assert (again.state, again.attempt, again.reason) == ("queued", attempt, None)
    await runner.run(render_id)

    last = await load(scene.worker, render_id)
    assert (last.state, last.reason, last.attempt) == ("failed", "tone3000_unreachable", attempts)
    assert last.detail is not None
    assert "TONE3000 could not be reached" in last.detail


async def test_two_renders_at_once_download_each_model_once(scene: Scene, kit: Kit) -> None:
    owner, _ = await scene.linked_user()
    first, second = await scene.render(owner, kit), await scene.render(owner, kit)
    runner = RenderRunner(scene.worker)

    await asyncio.gather(runner.run(first), runner.run(second))

    for render_id in (first, second):
        assert (await load(scene.worker, render_id)).state == "succeeded"
    assert scene.state.requests[DOWNLOADS] == 2
    assert _cached(scene.worker, owner) == ["90002.nam", "90010.wav"]
    assert not runner.tone3000._locks  # none kept once nobody waits


async def test_a_render_cancelled_while_downloading_stops_without_waiting(
    scene: Scene, kit: Kit
) -> None:
    owner, _ = await scene.linked_user()
    render_id = await scene.render(owner, kit)
    scene.network.hold = asyncio.Event()  # the download never finishes on its own
    running = asyncio.create_task(RenderRunner(scene.worker).run(render_id))
    while (await load(scene.worker, render_id)).state != "running":
        await asyncio.sleep(0.05)

    async with session_scope(scene.worker.sessionmaker) as session:
        await job_repository.request_cancel(session, render_id, now=utcnow())
    await asyncio.wait_for(running, timeout=10)

    render = await load(scene.worker, render_id)
    assert render.state == "cancelled"
    assert _cached(scene.worker, owner) == []  # no half file, no attempt links


async def test_an_unexpected_error_while_fetching_is_retried_not_a_crash(
    scene: Scene, kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, _ = await scene.linked_user()
    render_id = await scene.render(owner, kit)

    async def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    runner = RenderRunner(scene.worker)
    monkeypatch.setattr(runner.tone3000, "_download", disk_full)

    await runner.run(render_id)

    render = await load(scene.worker, render_id)
    assert (render.state, render.attempt, render.reason) == ("queued", 1, None)
    monkeypatch.undo()
    await RenderRunner(scene.worker).run(render_id)
    assert (await load(scene.worker, render_id)).state == "succeeded"


async def test_the_cache_is_reused_while_fresh_and_never_shared(scene: Scene, kit: Kit) -> None:
    worker, state = scene.worker, scene.state
    alice, _ = await scene.linked_user()
    bob, _ = await scene.linked_user("cab_lab")  # another TONE3000 account
    runner = RenderRunner(worker)

    for _ in range(2):
        render_id = await scene.render(alice, kit)
        await runner.run(render_id)
        assert (await load(worker, render_id)).state == "succeeded"
    assert state.requests[DOWNLOADS] == 2  # the capture and the IR, once each

    render_id = await scene.render(bob, kit)
    await runner.run(render_id)
    assert (await load(worker, render_id)).state == "succeeded"
    assert state.requests[DOWNLOADS] == 4  # Bob downloads his own copies
    root = cache_root(worker.settings)
    assert sorted(p.name for p in (root / str(bob)).iterdir()) == ["90002.nam", "90010.wav"]

    # Past its time, Alice's capture is fetched again; the janitor removes what expired.
    stale = time.time() - worker.settings.tone3000.cache_seconds - 5
    os.utime(root / str(alice) / "90002.nam", (stale, stale))
    render_id = await scene.render(alice, kit)
    await runner.run(render_id)
    assert (await load(worker, render_id)).state == "succeeded"
    assert state.requests[DOWNLOADS] == 5
    for name in ("90002.nam", "90010.wav"):
        os.utime(root / str(bob) / name, (stale, stale))
    assert await clean_tone3000_cache(worker) == 2
    assert not (root / str(bob)).exists()
    assert sorted(p.name for p in (root / str(alice)).iterdir()) == ["90002.nam", "90010.wav"]


async def test_a_worker_without_tone3000_fails_such_renders_saying_so(
    ctx: WorkerContext, scene: Scene, kit: Kit
) -> None:
    owner, _ = await scene.linked_user()
    render_id = await add_render(ctx, owner, await _snapshot(ctx, scene.access, owner, kit))

    await RenderRunner(ctx).run(render_id)  # a context built without TONE3000 access

    render = await load(ctx, render_id)
    assert (render.state, render.reason) == ("failed", "tone3000_disabled")
    assert render.detail is not None
    assert "not connected to TONE3000" in render.detail


async def test_the_embedded_worker_of_the_api_renders_with_tone3000(
    scene: Scene, kit: Kit, settings: Settings
) -> None:
    owner, _ = await scene.linked_user()
    render_id = await scene.render(owner, kit)
    app = create_app(settings, tone3000_transport=scene.network)
    async with app.router.lifespan_context(app):
        services = app.state.services
        assert isinstance(services, Services)
        assert services.queue is not None
        await services.queue.kick(render_id)
        render = await wait_for_state(scene.worker, render_id, {"succeeded", "failed"})
    assert render.state == "succeeded", render.detail
    assert scene.state.requests[DOWNLOADS] == 2


async def test_a_redis_worker_process_renders_with_its_own_tone3000_access(
    scene: Scene, kit: Kit, settings: Settings
) -> None:
    with redis_or_skip() as redis:
        scaled = settings.model_copy(update={"redis_url": redis.url})
        scaled = scaled.model_copy(
            update={"redis": scaled.redis.model_copy(update={"idle_timeout_ms": 180_000})}
        )
        owner, _ = await scene.linked_user()
        render_id = await scene.render(owner, kit)
        stop = asyncio.Event()
        worker = asyncio.create_task(
            run_worker(scaled, stop=stop, tone3000_transport=scene.network)
        )
        broker = build_broker(scaled)
        register_render_task(broker, None)
        await broker.startup()
        try:
            await TaskiqJobQueue(broker).kick(render_id)
            render = await wait_for_state(scene.worker, render_id, {"succeeded", "failed"}, 90)
        finally:
            await broker.shutdown()
            stop.set()
            await asyncio.wait_for(worker, timeout=30)
    assert render.state == "succeeded", render.detail
    assert scene.state.requests[DOWNLOADS] == 2
