"""Downloads (REQ-20, 21): exact type, safe headers, attachment names, Range."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.server.library.helpers import (
    API,
    CAPTURE,
    IR,
    KINDS,
    register_and_login,
    upload_fixture,
)


@pytest.mark.parametrize(
    ("collection", "media_type"),
    [("di-tracks", "audio/wav"), ("captures", "application/octet-stream"), ("irs", "audio/wav")],
)
async def test_download_returns_bytes_with_safe_headers(
    client: httpx.AsyncClient, collection: str, media_type: str
) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, collection)
    response = await client.get(f"{API}/{collection}/{item['id']}/file", headers=user.headers)
    assert response.status_code == 200
    assert response.content == KINDS[collection][0].read_bytes()
    headers = response.headers
    assert headers["content-type"] == media_type
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert headers["cache-control"] == "private, no-store"
    assert headers["content-disposition"] == f'attachment; filename="{item["name"]}"'


async def test_download_non_ascii_name_uses_filename_star(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "captures")
    # Set by PATCH: multipart clients percent-encode quotes in the upload's own filename.
    renamed = await client.patch(
        f"{API}/captures/{item['id']}", json={"name": 'Ça "crunch"'}, headers=user.headers
    )
    assert renamed.json()["name"] == 'Ça "crunch".nam'
    response = await client.get(f"{API}/captures/{item['id']}/file", headers=user.headers)
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"_a _crunch_.nam\"; filename*=UTF-8''%C3%87a%20%22crunch%22.nam"
    )


async def test_download_ranges(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "irs")
    url = f"{API}/irs/{item['id']}/file"
    data = IR.read_bytes()
    size = len(data)

    first = await client.get(url, headers={**user.headers, "Range": "bytes=0-0"})
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-0/{size}"
    assert first.content == data[:1]

    suffix = await client.get(url, headers={**user.headers, "Range": "bytes=-100"})
    assert suffix.status_code == 206
    assert suffix.headers["content-range"] == f"bytes {size - 100}-{size - 1}/{size}"
    assert suffix.content == data[-100:]

    beyond = await client.get(url, headers={**user.headers, "Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"

    malformed = await client.get(url, headers={**user.headers, "Range": "bytes=abc"})
    assert malformed.status_code == 400


async def test_download_capture_is_never_served_as_json(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "captures", "amp.json")
    assert item["name"] == "amp.nam"
    response = await client.get(f"{API}/captures/{item['id']}/file", headers=user.headers)
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == CAPTURE.read_bytes()
