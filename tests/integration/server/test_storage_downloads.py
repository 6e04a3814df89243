"""Downloads from a bucket: a download link is sent (307) to a short-lived presigned URL of the
bucket, after the owner check; in-page reads are streamed by the API with Range support."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.server.library.helpers import IR, register_and_login, upload_fixture
from tests.s3_server import S3Server
from toneshootout.server.app import create_app
from toneshootout.settings import Settings

NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


@pytest.fixture
def storage_backend() -> str:
    return "s3"


async def test_a_download_link_is_sent_to_the_bucket(
    client: httpx.AsyncClient, s3_server: S3Server
) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "irs")
    url = f"/api/v1/irs/{item['id']}/file"

    moved = await client.get(url, headers={**user.headers, **NAVIGATE})

    assert moved.status_code == 307
    assert moved.headers["cache-control"] == "no-store"
    target = moved.headers["location"]
    assert target.startswith(f"{s3_server.url}/")
    assert "X-Amz-Expires=" in target
    async with httpx.AsyncClient() as bucket:
        direct = await bucket.get(target)
    assert direct.status_code == 200
    assert direct.content == IR.read_bytes()
    assert direct.headers["content-type"] == "audio/wav"
    assert direct.headers["content-disposition"].startswith("attachment;")
    assert item["name"] in direct.headers["content-disposition"]


async def test_in_page_reads_are_streamed_by_the_api_with_ranges(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "irs")
    url = f"/api/v1/irs/{item['id']}/file"
    data = IR.read_bytes()

    whole = await client.get(url, headers={**user.headers, "Sec-Fetch-Mode": "cors"})
    part = await client.get(url, headers={**user.headers, "Range": "bytes=100-199"})

    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["accept-ranges"] == "bytes"
    assert part.status_code == 206
    assert part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"


async def test_nobody_else_is_sent_to_the_bucket(client: httpx.AsyncClient) -> None:
    owner = await register_and_login(client)
    item = await upload_fixture(client, owner, "irs")
    stranger = await register_and_login(client)

    answer = await client.get(
        f"/api/v1/irs/{item['id']}/file", headers={**stranger.headers, **NAVIGATE}
    )

    assert answer.status_code == 404
    assert "location" not in answer.headers


async def test_with_presigning_off_download_links_are_proxied(settings: Settings) -> None:
    s3 = settings.storage.s3.model_copy(update={"presign_downloads": False})
    storage = settings.storage.model_copy(update={"s3": s3})
    app = create_app(settings.model_copy(update={"storage": storage}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            user = await register_and_login(client)
            item = await upload_fixture(client, user, "irs")
            answer = await client.get(
                f"/api/v1/irs/{item['id']}/file", headers={**user.headers, **NAVIGATE}
            )

    assert answer.status_code == 200
    assert answer.content == IR.read_bytes()
