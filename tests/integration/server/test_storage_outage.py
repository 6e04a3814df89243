"""The API on the S3 backend (moto behind a fault proxy): files go to the bucket, and a bucket
that is down is answered with 503, Retry-After and the JSON error body, with nothing recorded."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import numpy as np
import pytest
import soundfile as sf
from fastapi import FastAPI

from tests.integration.server.library.helpers import (
    API,
    DI,
    STORED_FILE,
    register_and_login,
    upload,
    upload_fixture,
)
from tests.s3_server import FaultProxy, S3Server, client, s3_settings
from toneshootout.server.app import create_app
from toneshootout.server.storage.s3 import S3Storage
from toneshootout.settings import Settings


@pytest.fixture
def s3_app_settings(settings: Settings, fault_proxy: FaultProxy, s3_bucket: str) -> Settings:
    storage = settings.storage.model_copy(
        update={"backend": "s3", "s3": s3_settings(s3_bucket, fault_proxy.url)}
    )
    return settings.model_copy(update={"storage": storage})


@pytest.fixture
async def s3_client(s3_app_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(s3_app_settings)
    async with app.router.lifespan_context(app):
        assert isinstance(app.state.services.storage, S3Storage)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def _bucket_keys(server: S3Server, bucket: str) -> list[str]:
    listing = client(server.url).list_objects_v2(Bucket=bucket)
    return [entry["Key"] for entry in listing.get("Contents", [])]


async def test_uploads_are_stored_in_the_bucket(
    s3_client: httpx.AsyncClient, s3_server: S3Server, s3_bucket: str, s3_app_settings: Settings
) -> None:
    user = await register_and_login(s3_client)
    await upload_fixture(s3_client, user, "di-tracks")
    stored = _bucket_keys(s3_server, s3_bucket)
    assert len(stored) == 1
    assert STORED_FILE.fullmatch(stored[0])
    assert stored[0].startswith(str(user.user_id))
    assert not s3_app_settings.storage_dir.exists() or not any(
        p.is_file() for p in s3_app_settings.storage_dir.rglob("*")
    )


async def test_readyz_reports_a_bucket_that_is_down(
    s3_client: httpx.AsyncClient, fault_proxy: FaultProxy
) -> None:
    assert (await s3_client.get("/readyz")).json()["checks"]["storage"] == "ok"
    fault_proxy.down()
    response = await s3_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "storage": "unavailable"}
    fault_proxy.up()
    assert (await s3_client.get("/readyz")).status_code == 200


async def test_an_upload_while_the_bucket_is_down_is_503_and_leaves_nothing(
    s3_client: httpx.AsyncClient,
    fault_proxy: FaultProxy,
    s3_server: S3Server,
    s3_bucket: str,
    s3_app_settings: Settings,
) -> None:
    user = await register_and_login(s3_client)
    fault_proxy.down()
    response = await upload(s3_client, user, "di-tracks", DI.read_bytes(), DI.name)
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body == {
        "error": "storage_unavailable",
        "detail": "file storage is not answering; try again shortly",
        "request_id": response.headers["x-request-id"],
    }
    assert s3_bucket not in response.text  # where the files live is not the client's business
    fault_proxy.up()
    listed = await s3_client.get(f"{API}/di-tracks", headers=user.headers)
    assert listed.json()["items"] == []
    assert _bucket_keys(s3_server, s3_bucket) == []
    staging = s3_app_settings.data_dir / "staging"
    # No staged upload is left (the folder also holds the copy cache's `copies/`).
    assert [p for p in staging.iterdir() if p.name != "copies"] == []
    # The same upload goes through once the bucket is back.
    retried = await upload(s3_client, user, "di-tracks", DI.read_bytes(), DI.name)
    assert retried.status_code == 201, retried.text


def _long_di() -> bytes:
    """About 17 MB of stereo 24-bit WAV: an upload of four 5 MiB parts."""
    rate, seconds = 48_000, 60
    t = np.arange(rate * seconds) / rate
    tone = (0.3 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)
    out = io.BytesIO()
    sf.write(out, np.column_stack([tone, tone]), rate, subtype="PCM_24", format="WAV")
    return out.getvalue()


async def test_a_bucket_lost_mid_upload_is_503_and_leaves_nothing_once_swept(
    s3_client: httpx.AsyncClient,
    fault_proxy: FaultProxy,
    s3_server: S3Server,
    s3_bucket: str,
    s3_app_settings: Settings,
) -> None:
    """The bucket goes down after the first part of a multipart upload went through."""
    user = await register_and_login(s3_client)
    data = _long_di()
    fault_proxy.cut_after(7 * 1024 * 1024)

    response = await upload(s3_client, user, "di-tracks", data, "long.wav")

    assert response.status_code == 503, response.text
    assert response.json()["error"] == "storage_unavailable"
    assert fault_proxy.mode()[0] == "down"  # the cut really landed mid-upload
    fault_proxy.up()
    listed = await s3_client.get(f"{API}/di-tracks", headers=user.headers)
    assert listed.json()["items"] == []
    assert _bucket_keys(s3_server, s3_bucket) == []
    assert list((s3_app_settings.data_dir / "staging").glob("*.part")) == []
    # Parts the failed upload could not abort (the bucket was down) go with the next sweep.
    storage = S3Storage(s3_app_settings.storage.s3, s3_app_settings.data_dir / "sweep")
    storage.sweep_temp(older_than_seconds=0)
    assert client(s3_server.url).list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
    retried = await upload(s3_client, user, "di-tracks", data, "long.wav")
    assert retried.status_code == 201, retried.text
