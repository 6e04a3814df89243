"""A shootout of TONE3000 models from submit to share: the worker renders it with the owner's
sign-in, and the results, the bundle, the shared page and the embed credit every model (creator,
licence, tone page, "Powered by TONE3000") without ever holding or linking a model's file."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.render.helpers import (
    RENDERS,
    _upload,
    _wav_bytes,
    services,
    submit,
)
from tests.integration.server.shootout.helpers import SHOOTOUTS, Account, register_and_login
from tests.integration.tone3000_link import (
    PLEXI,
    V30,
    FakeNetwork,
    Linked,
    assert_no_secret,
    link,
    with_tone3000,
)
from tests.integration.worker.helpers import Recorder
from toneshootout.engine.demo.captures import SAMPLE_RATE
from toneshootout.engine.demo.di import synthesize_di_riff
from toneshootout.server.app import create_app
from toneshootout.settings import Settings
from toneshootout.tone3000_fake import FakeState, create_fake_app, fake_state
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.runner import RenderRunner

MODELS = (90001, 90002, 90010)  # two Plexi captures (one via the storage host) and a V30 IR


@pytest.fixture
def fake() -> FastAPI:
    return create_fake_app()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_tone3000(settings)


@pytest.fixture
async def app(settings: Settings, fake: FastAPI) -> AsyncIterator[FastAPI]:
    application = create_app(settings, tone3000_transport=FakeNetwork(fake))
    async with application.router.lifespan_context(application):
        yield application


@dataclass(frozen=True)
class Rendered:
    owner: Account
    linked: Linked
    render: dict[str, Any]
    events: Recorder


def _ref(tone_id: int, model_id: int) -> dict[str, int]:
    return {"tone_id": tone_id, "model_id": model_id}


async def _run(app: FastAPI, render_id: str) -> Recorder:
    """Run the render as the embedded worker would (its own context, the app's TONE3000)."""
    found = services(app)
    recorder = Recorder()
    ctx = WorkerContext(
        found.settings,
        found.sessionmaker,
        found.storage,
        events=recorder,
        queue=recorder,
        tone3000=found.tone3000,
    )
    await RenderRunner(ctx).run(uuid.UUID(render_id))
    return recorder


@pytest.fixture
async def rendered(client: httpx.AsyncClient, app: FastAPI, fake: FastAPI) -> Rendered:
    owner = await register_and_login(client)
    linked = await link(fake, services(app).sessionmaker, owner.user_id)
    riff = _wav_bytes(synthesize_di_riff(SAMPLE_RATE)[: 2 * SAMPLE_RATE])
    di = await _upload(client, owner, "di-tracks", "riff.wav", riff)
    body = {
        "title": "Plexi gain 3 vs 7",
        "di_tracks": [di],
        "chains": [
            {
                "name": "Gain 7 V30",
                "blocks": [
                    {"type": "capture", "tone3000": _ref(PLEXI, 90002)},
                    {"type": "ir", "tone3000": _ref(V30, 90010)},
                ],
            },
            {
                "name": "Gain 3 V30",
                "blocks": [
                    {"type": "capture", "tone3000": _ref(PLEXI, 90001)},
                    {"type": "ir", "tone3000": _ref(V30, 90010)},
                ],
            },
        ],
        "settings": {"segment_seconds": 1.0, "outputs": ["wav", "flac", "montage", "metrics"]},
    }
    created = await client.post(SHOOTOUTS, json=body, headers=owner.headers)
    assert created.status_code == 201, created.text
    submitted = await submit(client, owner, created.json()["id"])
    assert submitted.status_code == 202, submitted.text
    events = await _run(app, submitted.json()["id"])
    response = await client.get(f"{RENDERS}/{submitted.json()['id']}", headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "succeeded", response.json()
    return Rendered(owner, linked, response.json(), events)


def _model_files(state: FakeState) -> list[bytes]:
    files = []
    for model_id in MODELS:
        found = state.catalogue.model(model_id)
        assert found is not None
        files.append(state.model_file(found[1]))
    return files


async def test_results_credit_every_model_and_hold_no_model_file(
    client: httpx.AsyncClient, rendered: Rendered, fake: FastAPI
) -> None:
    render = rendered.render
    assert {o["role"] for o in render["outputs"]} >= {"manifest", "chain_render", "montage"}
    credits = {c["model_id"]: c for c in render["tone3000_credits"]}
    assert sorted(credits) == sorted(MODELS)
    assert credits[90002] == {
        "kind": "capture",
        "kind_label": "NAM capture",
        "tone_id": PLEXI,
        "model_id": 90002,
        "tone_title": "Plexi Lead 100W",
        "model_name": "Gain 7 - SM57",
        "creator": "ampwright",
        "creator_url": "http://127.0.0.1:8030//ampwright",
        "licence": "cc-by",
        "licence_name": "CC BY 4.0",
        "tone_url": "http://127.0.0.1:8030//plexi-lead-100w-4201",
    }
    assert (credits[90010]["kind"], credits[90010]["creator"]) == ("ir", "cab_lab")
    assert credits[90010]["kind_label"] == "cabinet IR"  # filed under the cab gear
    assert credits[90010]["licence_name"] == "CC BY-SA 4.0"
    text = json.dumps(render)
    assert "model_url" not in text
    assert "/download" not in text
    assert_no_secret(text, rendered.linked)
    assert not any(o["path"].endswith(".nam") for o in render["outputs"])
    # Every recorded output, fetched: none is (or contains) a TONE3000 file.
    models = _model_files(fake_state(fake))
    for output in render["outputs"]:
        data = (await client.get(output["url"], headers=rendered.owner.headers)).content
        assert all(model not in data for model in models), output["path"]


async def test_the_bundle_has_attribution_and_no_model_file(
    client: httpx.AsyncClient, rendered: Rendered, fake: FastAPI
) -> None:
    response = await client.get(rendered.render["bundle_url"], headers=rendered.owner.headers)

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    top = names[0].split("/", 1)[0]
    assert f"{top}/ATTRIBUTION.txt" in names
    assert not any(name.endswith((".nam", ".part")) for name in names)
    assert len(names) == len(rendered.render["outputs"]) + 1  # the outputs and ATTRIBUTION
    models = _model_files(fake_state(fake))
    for name in names:
        data = archive.read(name)
        assert all(model not in data for model in models), name
    attribution = archive.read(f"{top}/ATTRIBUTION.txt").decode()
    assert "Powered by TONE3000 — https://www.tone3000.com" in attribution
    for expected in (
        "Plexi Lead 100W — Gain 7 - SM57",
        "Plexi Lead 100W — Gain 3 - SM57",
        "Lantern 4x12 V30 — SM57 - Cap Edge",
        "creator:  ampwright (http://127.0.0.1:8030//ampwright)",
        "licence:  CC BY 4.0",
        "licence:  CC BY-SA 4.0",
        "tone:     http://127.0.0.1:8030//plexi-lead-100w-4201",
        "ids:      tone 4201, model 90002",
    ):
        assert expected in attribution
    assert attribution.count("Lantern 4x12 V30") == 1  # one entry per model, used twice
    assert_no_secret(attribution, rendered.linked)


async def test_the_shared_page_and_embed_credit_tone3000_and_link_no_file(
    client: httpx.AsyncClient, rendered: Rendered, caplog: pytest.LogCaptureFixture
) -> None:
    share = await client.post(
        f"{RENDERS}/{rendered.render['id']}/shares",
        json={"visibility": "unlisted"},
        headers=rendered.owner.headers,
    )
    assert share.status_code == 201, share.text
    token = share.json()["token"]

    shared = (await client.get(f"/api/v1/shared/{token}")).json()
    assert [c["model_id"] for c in shared["tone3000_credits"]] == sorted(MODELS)
    first_chain = shared["chains"][0]["blocks"]
    assert first_chain[0] == {
        "type": "capture",
        "name": "Plexi Lead 100W — Gain 7 - SM57 (by ampwright)",
        "source": "tone3000",
        "architecture": "WaveNet",
        "gear_make": None,
        "gear_model": None,
        "modeled_by": None,
    }
    assert first_chain[1]["name"] == "Lantern 4x12 V30 — SM57 - Cap Edge (by cab_lab)"
    text = json.dumps(shared)
    for leak in ("tz-make", "tz-model", "90002.nam", "/download", "model_url"):
        assert leak not in text
    assert not any(o["path"].endswith((".nam", ".part")) for o in shared["outputs"])

    page = await client.get(f"/s/{token}")
    assert page.status_code == 200
    embed = await client.get(f"/embed/{token}")
    assert embed.status_code == 200
    html = embed.text
    assert 'href="http://127.0.0.1:8030//plexi-lead-100w-4201"' in html
    assert 'href="http://127.0.0.1:8030//ampwright"' in html
    assert "CC BY 4.0" in html
    assert "CC BY-SA 4.0" in html
    assert 'Powered by <a href="https://www.tone3000.com"' in html
    for body in (html, page.text):
        assert "/download" not in body
        assert ".nam" not in body
    for body in (text, html, page.text, caplog.text, _events(rendered.events)):
        assert_no_secret(body, rendered.linked)


def _events(recorder: Recorder) -> str:
    return "\n".join(event.model_dump_json() for event in recorder.events)
