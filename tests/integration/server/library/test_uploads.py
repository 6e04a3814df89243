"""Uploads on both databases: each kind, refusals leaving nothing behind, caps, quota, reserve."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.integration.server.library.helpers import (
    API,
    CAPTURE,
    DI,
    IR,
    KINDS,
    STORED_FILE,
    header_bomb_wav,
    nan_capture,
    register_and_login,
    stored_files,
    upload,
    upload_fixture,
)
from tests.paths import REAL
from toneshootout.settings import Settings


@pytest.mark.parametrize("collection", list(KINDS))
async def test_upload_each_kind_records_file_and_metadata(
    client: httpx.AsyncClient, settings: Settings, collection: str
) -> None:
    user = await register_and_login(client)
    fixture, extension, kind = KINDS[collection]
    item = await upload_fixture(client, user, collection)
    assert item["kind"] == kind
    assert item["name"] == f"{fixture.stem}.{extension}"
    assert item["size_bytes"] == fixture.stat().st_size
    assert not {"storage_key", "sha256", "owner_id"} & item.keys()
    files = stored_files(settings)
    assert len(files) == 1
    assert STORED_FILE.fullmatch(files[0])
    assert files[0].startswith(str(user.user_id))
    fetched = await client.get(f"{API}/{collection}/{item['id']}", headers=user.headers)
    assert fetched.json() == item


async def test_upload_metadata_per_kind(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    di = (await upload_fixture(client, user, "di-tracks"))["metadata"]
    assert (di["sample_rate"], di["channels"]) == (48000, 2)
    assert 3.0 < di["duration_s"] < 4.0
    assert di["peak_dbfs"] <= 0.0
    assert di["integrated_lufs"] < 0.0
    capture = (await upload_fixture(client, user, "captures"))["metadata"]
    assert capture["architecture"] == "WaveNet"
    assert capture["size_label"] == "standard"
    assert capture["weight_count"] == 13802
    assert capture["file_metadata"]["modeled_by"] == "szymon"
    ir = (await upload_fixture(client, user, "irs"))["metadata"]
    assert ir["length_ms"] == pytest.approx(9056 / 48, abs=0.01)


@pytest.mark.parametrize(
    ("collection", "data", "filename"),
    [
        ("di-tracks", header_bomb_wav(), "bomb.wav"),
        ("irs", header_bomb_wav(), "bomb.wav"),
        ("captures", nan_capture(), "nan.nam"),
        ("irs", CAPTURE.read_bytes(), "renamed-capture.wav"),
        ("captures", IR.read_bytes(), "renamed-ir.nam"),
        ("di-tracks", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff" * 200, "fake.mp3"),
    ],
    ids=["di-header-bomb", "ir-header-bomb", "nan-weights", "nam-as-ir", "wav-as-nam", "mp3"],
)
async def test_upload_invalid_file_gives_422_and_leaves_nothing(
    client: httpx.AsyncClient, settings: Settings, collection: str, data: bytes, filename: str
) -> None:
    user = await register_and_login(client)
    response = await upload(client, user, collection, data, filename)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_upload"
    assert stored_files(settings) == []
    listed = await client.get(f"{API}/{collection}", headers=user.headers)
    assert listed.json()["total"] == 0


async def test_upload_over_cap_gives_413_and_leaves_nothing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await register_and_login(client)
    settings.storage.max_ir_bytes = 20_000  # the real IR is 36 kB
    response = await upload(client, user, "irs", IR.read_bytes(), "cab.wav")
    assert response.status_code == 413
    assert response.json()["error"] == "upload_too_large"
    assert stored_files(settings) == []


async def test_upload_chunked_without_length_is_cut_at_cap(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await register_and_login(client)
    settings.storage.max_ir_bytes = 50_000
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.wav"\r\n\r\n'
        for _ in range(1000):  # 64 MB if nobody stopped reading
            sent += 65536
            yield b"\0" * 65536

    headers = {**user.headers, "Content-Type": "multipart/form-data; boundary=b"}
    response = await client.post(f"{API}/irs", content=endless(), headers=headers)
    assert response.status_code == 413
    assert sent < 1_000_000
    assert stored_files(settings) == []


async def test_upload_lying_content_length_over_cap_is_refused_early(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await register_and_login(client)
    settings.storage.max_ir_bytes = 1000
    headers = {**user.headers, "Content-Type": "multipart/form-data; boundary=b"}
    headers["Content-Length"] = str(10**9)
    response = await client.post(f"{API}/irs", content=b"--b--\r\n", headers=headers)
    assert response.status_code == 413


async def test_upload_two_files_gives_422(client: httpx.AsyncClient, settings: Settings) -> None:
    user = await register_and_login(client)
    files = [("file", ("a.wav", IR.read_bytes())), ("file", ("b.wav", IR.read_bytes()))]
    response = await client.post(f"{API}/irs", files=files, headers=user.headers)
    assert response.status_code == 422
    assert "one part" in response.json()["detail"]
    assert stored_files(settings) == []


async def test_upload_duplicate_gives_409_with_existing_id(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await register_and_login(client)
    first = await upload_fixture(client, user, "irs", "cab.wav")
    again = await upload(client, user, "irs", IR.read_bytes(), "same-cab-new-name.wav")
    assert again.status_code == 409
    assert again.json()["error"] == "duplicate_item"
    assert again.json()["existing_id"] == first["id"]
    assert len(stored_files(settings)) == 1
    # The same bytes are another user's own item, and another kind's is no duplicate either.
    other = await register_and_login(client)
    await upload_fixture(client, other, "irs")
    room = (REAL / "ir-mesa-fav-500ms.wav").read_bytes()  # long enough to be a DI too
    assert (await upload(client, user, "irs", room, "room.wav")).status_code == 201
    as_di = await upload(client, user, "di-tracks", room, "room-as-di.wav")
    assert as_di.status_code == 201, as_di.text


async def test_upload_past_byte_quota_gives_413_others_unaffected(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await register_and_login(client)
    settings.storage.quota_bytes = IR.stat().st_size + 1000
    await upload_fixture(client, user, "irs")
    response = await upload(client, user, "di-tracks", DI.read_bytes(), "di.wav")
    assert response.status_code == 413
    assert response.json()["error"] == "quota_exceeded"
    assert "quota" in response.json()["detail"]
    other = await register_and_login(client)
    await upload_fixture(client, other, "irs")
    assert len(stored_files(settings)) == 2


async def test_upload_past_file_count_quota_gives_413(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await register_and_login(client)
    settings.storage.quota_files = 1
    await upload_fixture(client, user, "irs")
    response = await upload(client, user, "captures", CAPTURE.read_bytes(), "amp.nam")
    assert response.status_code == 413
    assert "1 files" in response.json()["detail"]


async def test_upload_when_disk_reserve_would_be_crossed_gives_507(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await register_and_login(client)
    settings.storage.free_disk_reserve_bytes = 2**62
    response = await upload(client, user, "irs", IR.read_bytes(), "cab.wav")
    assert response.status_code == 507
    assert response.json()["error"] == "storage_full"
    assert stored_files(settings) == []


async def test_upload_not_multipart_gives_422(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    response = await client.post(f"{API}/irs", content=IR.read_bytes(), headers=user.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_upload"


async def test_upload_anonymous_gives_401(client: httpx.AsyncClient, settings: Settings) -> None:
    files = {"file": ("cab.wav", IR.read_bytes())}
    response = await client.post(f"{API}/irs", files=files)
    assert response.status_code == 401
    assert stored_files(settings) == []


def _sine_wav(milliseconds: int) -> bytes:
    """A mono 48 kHz 24-bit WAV of a quiet sine, `milliseconds` long."""
    frames = 48 * milliseconds
    tone = 0.25 * np.sin(2 * np.pi * 220.0 * np.arange(frames) / 48000.0)
    buffer = io.BytesIO()
    sf.write(buffer, tone, 48000, subtype="PCM_24", format="WAV")
    return buffer.getvalue()


@pytest.mark.parametrize("milliseconds", [10, 399])
async def test_upload_di_shorter_than_render_minimum_gives_422_and_leaves_nothing(
    client: httpx.AsyncClient, settings: Settings, milliseconds: int
) -> None:
    user = await register_and_login(client)
    response = await upload(client, user, "di-tracks", _sine_wav(milliseconds), "short.wav")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_upload"
    assert f"{milliseconds}.0 ms long" in body["detail"]
    assert "needs at least 400 ms of audio" in body["detail"]
    assert stored_files(settings) == []
    listed = await client.get(f"{API}/di-tracks", headers=user.headers)
    assert listed.json()["total"] == 0


@pytest.mark.parametrize("milliseconds", [400, 401])
async def test_upload_di_of_render_minimum_is_accepted(
    client: httpx.AsyncClient, milliseconds: int
) -> None:
    user = await register_and_login(client)
    response = await upload(client, user, "di-tracks", _sine_wav(milliseconds), "short.wav")
    assert response.status_code == 201, response.text
    assert response.json()["metadata"]["duration_s"] == milliseconds / 1000
    assert response.json()["metadata"]["integrated_lufs"] is not None
