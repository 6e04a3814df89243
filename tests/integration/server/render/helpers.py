"""Render test helpers: a recording job queue, submissions, and a render that really succeeded."""

from __future__ import annotations

import dataclasses
import io
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import soundfile as sf
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.shootout.helpers import (
    SHOOTOUTS,
    Account,
    shootout_body,
    small_library,
)
from toneshootout.engine.demo.cabinets import DEMO_4X12, synthesize_cabinet_ir
from toneshootout.engine.demo.captures import SAMPLE_RATE, demo_captures, write_capture
from toneshootout.engine.demo.di import synthesize_di_riff
from toneshootout.engine.render import render_shootout
from toneshootout.server.db.base import utcnow
from toneshootout.server.db.models.render import Render
from toneshootout.server.render import job_repository
from toneshootout.server.render.files import attempt_folder_key
from toneshootout.server.render.snapshot import to_engine_spec
from toneshootout.server.render.states import RenderState
from toneshootout.server.state import Services
from toneshootout.server.storage.base import put_tree
from toneshootout.worker.outputs import read_outputs

API = "/api/v1"
RENDERS = f"{API}/renders"


class RecordingQueue:
    """A `JobQueue` that records each kick (and can be told to fail, like a broker that is down)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.kicks: list[uuid.UUID] = []
        self.fail = fail

    async def kick(self, render_id: uuid.UUID) -> None:
        if self.fail:
            raise ConnectionError("broker unavailable")
        self.kicks.append(render_id)


def services(app: FastAPI) -> Services:
    found = app.state.services
    assert isinstance(found, Services)
    return found


def install(app: FastAPI, **changes: Any) -> Services:
    """Swap parts of the running app's services (the job queue, settings)."""
    app.state.services = dataclasses.replace(services(app), **changes)
    return services(app)


def with_render_settings(app: FastAPI, **changes: Any) -> None:
    settings = services(app).settings
    render = settings.render.model_copy(update=changes)
    install(app, settings=settings.model_copy(update={"render": render}))


async def new_shootout(client: httpx.AsyncClient, app: FastAPI, owner: Account) -> str:
    """A valid shootout over library rows made for it; returns its id."""
    lib = await small_library(app, owner)
    response = await client.post(SHOOTOUTS, json=shootout_body(lib), headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def submit(
    client: httpx.AsyncClient,
    owner: Account,
    shootout_id: str,
    *,
    key: str | None = None,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = dict(owner.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    url = f"{SHOOTOUTS}/{shootout_id}/renders"
    if body is None:
        return await client.post(url, headers=headers)
    return await client.post(url, json=body, headers=headers)


async def render_rows(app: FastAPI, owner_id: uuid.UUID) -> list[Render]:
    async with services(app).sessionmaker() as session:
        query = select(Render).where(Render.owner_id == owner_id).order_by(Render.number)
        return list((await session.scalars(query)).all())


async def claim(app: FastAPI, render_id: uuid.UUID) -> int:
    """Claim the job as a worker would; returns the attempt number."""
    async with services(app).sessionmaker() as session:
        claimed = await job_repository.claim(
            session,
            render_id,
            worker_id="test-worker",
            now=utcnow(),
            lease_seconds=60,
            per_user_running=10,
            global_running=10,
        )
        await session.commit()
    assert claimed.outcome is job_repository.ClaimOutcome.CLAIMED, claimed
    return claimed.attempt


def _wav_bytes(audio: Any) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, audio, SAMPLE_RATE, subtype="PCM_24", format="WAV")
    return buffer.getvalue()


def _capture_bytes(tmp: Path) -> bytes:
    path = tmp / "demo-crunch.nam"
    write_capture(demo_captures()["demo-crunch"], path)
    return path.read_bytes()


async def _upload(
    client: httpx.AsyncClient, owner: Account, collection: str, name: str, data: bytes
) -> str:
    files = {"file": (name, data, "application/octet-stream")}
    response = await client.post(f"{API}/{collection}", files=files, headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def demo_shootout(
    client: httpx.AsyncClient,
    owner: Account,
    tmp: Path,
    title: str = "Crunch: 4x12 vs none",
    *,
    wide: bool = False,
    video: bool = False,
) -> str:
    """A tiny real shootout: a 3 s demo riff, the demo crunch capture, with and without a 4x12.

    `wide`: a second DI (2 s of the riff) and a third chain (the first one
    again, under another name), for tests that need more than one DI or more than two chains.
    `video`: also the video of each DI (at 720p, the quickest size to encode)."""
    di = await _upload(
        client,
        owner,
        "di-tracks",
        "riff.wav",
        _wav_bytes(synthesize_di_riff(SAMPLE_RATE)[: 3 * SAMPLE_RATE]),
    )
    capture = await _upload(client, owner, "captures", "crunch.nam", _capture_bytes(tmp))
    ir = await _upload(
        client, owner, "irs", "4x12.wav", _wav_bytes(synthesize_cabinet_ir(DEMO_4X12, SAMPLE_RATE))
    )
    body: dict[str, Any] = {
        "title": title,
        "di_tracks": [di],
        "chains": [
            {
                "name": "Crunch 4x12",
                "blocks": [
                    {"type": "capture", "capture_id": capture},
                    {"type": "ir", "ir_id": ir, "force": True},
                ],
            },
            {"name": "Crunch", "blocks": [{"type": "capture", "capture_id": capture}]},
        ],
        "settings": {
            "segment_seconds": 1.0,
            "outputs": ["wav", "flac", "montage", "metrics", "plots"],
        },
    }
    if video:
        body["settings"] |= {
            "outputs": [*body["settings"]["outputs"], "video"],
            "video_size": "1280x720",
        }
    if wide:
        riff = synthesize_di_riff(SAMPLE_RATE)
        second = await _upload(
            client,
            owner,
            "di-tracks",
            "riff-b.wav",
            _wav_bytes(riff[SAMPLE_RATE : 3 * SAMPLE_RATE]),
        )
        body["di_tracks"] = [di, second]
        body["chains"].append(
            {
                "name": "Crunch 4x12 again",
                "blocks": [
                    {"type": "capture", "capture_id": capture},
                    {"type": "ir", "ir_id": ir, "force": True},
                ],
            }
        )
    response = await client.post(SHOOTOUTS, json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def succeed(app: FastAPI, render_id: uuid.UUID) -> None:
    """Run the render for real, as a worker attempt would: claim, engine, finish with outputs."""
    attempt = await claim(app, render_id)
    storage = services(app).storage
    async with services(app).sessionmaker() as session:
        render = await session.get(Render, render_id)
        assert render is not None
        snapshot, owner_id = render.snapshot, render.owner_id
    prefix = attempt_folder_key(owner_id, render_id, attempt)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "out"
        spec = to_engine_spec(snapshot, storage.cached_copy)
        summary = render_shootout(spec, folder, workers=1)
        outputs = read_outputs(folder)
        put_tree(storage, folder, prefix)  # stored before recorded, as the worker does
    async with services(app).sessionmaker() as session:
        finished = await job_repository.finish(
            session,
            render_id,
            attempt,
            now=utcnow(),
            state=RenderState.SUCCEEDED,
            output_prefix=prefix,
            summary={"render_rate": summary.render_rate},
            outputs=outputs,
        )
        await session.commit()
    assert finished


async def succeeded_render(
    client: httpx.AsyncClient,
    app: FastAPI,
    owner: Account,
    tmp: Path,
    *,
    wide: bool = False,
    video: bool = False,
) -> dict[str, Any]:
    """Submit the demo shootout and render it; returns the render as the API shows it."""
    shootout_id = await demo_shootout(client, owner, tmp, wide=wide, video=video)
    submitted = await submit(client, owner, shootout_id)
    assert submitted.status_code == 202, submitted.text
    render_id = submitted.json()["id"]
    await succeed(app, uuid.UUID(render_id))
    response = await client.get(f"{RENDERS}/{render_id}", headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "succeeded"
    body: dict[str, Any] = response.json()
    return body
