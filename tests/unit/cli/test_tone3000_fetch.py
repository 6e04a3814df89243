"""Fetching a spec's TONE3000 model: the cache, the upload checks, the choice of model."""

from __future__ import annotations

import io
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.unit.tone3000.kit import BASE, STORAGE, Kit, Recorder
from toneshootout.cli.errors import CliError
from toneshootout.cli.tone3000.fetch import ModelCache, fetch
from toneshootout.cli.tone3000.refs import Ref
from toneshootout.tone3000_fake import create_fake_app, fake_state

PLEXI, GAIN_3, LANTERN, CENTER = 4201, 90001, 4203, 90011


@pytest.fixture
async def kit() -> AsyncIterator[Kit]:
    app = create_fake_app()
    recorder = Recorder(httpx.ASGITransport(app=app))
    async with httpx.AsyncClient(transport=recorder, base_url=BASE) as http:
        kit = Kit(state=fake_state(app), http=http, recorder=recorder)
        await kit.sign_in()
        yield kit


@pytest.fixture
def cache(tmp_path: Path) -> ModelCache:
    cache = ModelCache.for_origin(tmp_path / "cache", BASE, max_age_seconds=3600)
    cache.prepare()
    return cache


def _ref(kind: str = "capture", tone_id: int = PLEXI, model_id: int | None = GAIN_3) -> Ref:
    block: dict[str, Any] = {"type": kind}
    return Ref("chain.0.blocks.0", "A", kind, tone_id, model_id, block)  # type: ignore[arg-type]


def _serve(kit: Kit, body: bytes) -> None:
    """Every model download answers `body` (the metadata still comes from the fake)."""

    def answer(request: httpx.Request) -> httpx.Response | None:
        if "/download" in request.url.path:
            return httpx.Response(200, content=body)
        return None

    kit.recorder.override = answer


async def _fetch(kit: Kit, ref: Ref, cache: ModelCache) -> tuple[Path, Any, bool]:
    return await fetch(kit.api(), ref, cache, storage_origins=(STORAGE,))


def _downloads(kit: Kit) -> int:
    return sum("/download" in s.path for s in kit.recorder.seen)


async def test_a_capture_is_downloaded_once_then_taken_from_the_cache(
    kit: Kit, cache: ModelCache
) -> None:
    path, credit, downloaded = await _fetch(kit, _ref(), cache)
    assert downloaded
    assert path == cache.root / f"tone{PLEXI}-model{GAIN_3}.nam"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert credit.label == "Plexi Lead 100W — Gain 3 - SM57 (by ampwright)"
    again, _, downloaded_again = await _fetch(kit, _ref(), cache)
    assert (again, downloaded_again) == (path, False)
    assert _downloads(kit) == 1


async def test_a_file_older_than_the_allowed_age_is_fetched_again(kit: Kit, tmp_path: Path) -> None:
    cache = ModelCache.for_origin(tmp_path / "cache", BASE, max_age_seconds=60)
    cache.prepare()
    path, _, _ = await _fetch(kit, _ref(), cache)
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    assert (await _fetch(kit, _ref(), cache))[2] is True
    assert _downloads(kit) == 2


def test_prepare_drops_stale_files_and_keeps_fresh_ones(tmp_path: Path) -> None:
    cache = ModelCache.for_origin(tmp_path / "cache", BASE, max_age_seconds=60)
    cache.root.mkdir(parents=True)
    stale, fresh = cache.root / "tone1-model1.nam", cache.root / "tone2-model2.nam"
    stale.write_text("old")
    fresh.write_text("new")
    os.utime(stale, (time.time() - 61, time.time() - 61))
    cache.prepare()
    assert sorted(p.name for p in cache.root.iterdir()) == ["tone2-model2.nam"]
    assert oct(cache.root.stat().st_mode & 0o777) == "0o700"


def test_each_tone3000_origin_has_its_own_folder(tmp_path: Path) -> None:
    real = ModelCache.for_origin(tmp_path, "https://www.tone3000.com", 60)
    fake = ModelCache.for_origin(tmp_path, BASE, 60)
    assert real.root != fake.root
    assert ModelCache.for_origin(tmp_path, "https://WWW.tone3000.com:443/", 60).root == real.root


async def test_an_ir_through_storage_is_checked_as_an_upload(kit: Kit, cache: ModelCache) -> None:
    path, credit, _ = await _fetch(kit, _ref("ir", LANTERN, CENTER), cache)
    assert path.suffix == ".wav"
    assert credit.kind == "ir"
    assert not kit.state.storage_hits[0].had_authorization


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [
        ("capture", b'{"version": "0.5.4", "architecture": "Linear"}', "not a valid NAM capture"),
        ("capture", b'{"weights": [NaN]}', "not a valid NAM capture"),
        ("ir", b"RIFF\x00\x00\x00\x00WAVEfmt ", "not a valid impulse response"),
        ("ir", b"ID3\x03\x00mp3 pretending", "not a valid impulse response"),
    ],
)
async def test_a_file_that_fails_the_upload_checks_is_refused_and_deleted(
    kit: Kit, cache: ModelCache, kind: str, body: bytes, reason: str
) -> None:
    _serve(kit, body)
    ref = _ref(kind, LANTERN, CENTER) if kind == "ir" else _ref()
    with pytest.raises(CliError, match=reason):
        await _fetch(kit, ref, cache)
    assert list(cache.root.iterdir()) == []


async def test_a_silent_ir_is_refused(kit: Kit, cache: ModelCache) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(4800, dtype=np.float32), 48000, format="WAV", subtype="FLOAT")
    _serve(kit, buffer.getvalue())
    with pytest.raises(CliError, match="silent"):
        await _fetch(kit, _ref("ir", LANTERN, CENTER), cache)


async def test_a_damaged_cached_file_is_replaced(kit: Kit, cache: ModelCache) -> None:
    path, _, _ = await _fetch(kit, _ref(), cache)
    good = path.read_bytes()
    path.write_bytes(b"{")
    again, _, downloaded = await _fetch(kit, _ref(), cache)
    assert downloaded
    assert again.read_bytes() == good


async def test_without_model_id_the_choices_are_listed(kit: Kit, cache: ModelCache) -> None:
    with pytest.raises(CliError) as caught:
        await _fetch(kit, _ref(model_id=None), cache)
    text = str(caught.value)
    assert text.startswith("“Plexi Lead 100W” has 5 models, pick one with model_id: ")
    assert "90001 “Gain 3 - SM57” (A1, standard)" in text
    assert "90004 “Gain 3 - SM57” (A2, standard)" in text


async def test_a_long_list_of_choices_is_cut_short(kit: Kit, cache: ModelCache) -> None:
    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/api/v1/models":
            return None
        data = [
            {"id": 1000 + i, "tone_id": PLEXI, "model_url": "x", "name": f"M{i}"} for i in range(20)
        ]
        return httpx.Response(200, json={"data": data, "total_pages": 1})

    kit.recorder.override = answer
    with pytest.raises(CliError, match=r"has 40 models.*1011 “M11”; and 28 more$"):
        await _fetch(kit, _ref(model_id=None), cache)  # 20 for A1 + 20 for A2


async def test_a_tone_without_models_says_so(kit: Kit, cache: ModelCache) -> None:
    empty = {"id": 77, "title": "Empty Amp", "format": "nam", "a1_models_count": 0}
    kit.answer("/api/v1/tones/77", lambda: httpx.Response(200, json=empty))
    with pytest.raises(CliError, match="“Empty Amp” has no models to download"):
        await _fetch(kit, _ref(tone_id=77, model_id=None), cache)
