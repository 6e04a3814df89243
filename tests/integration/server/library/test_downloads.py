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
from toneshootout.settings import Settings


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

    middle = await client.get(url, headers={**user.headers, "Range": "bytes=1000-1999"})
    assert middle.status_code == 206
    assert middle.content == data[1000:2000]

    clamped = await client.get(
        url, headers={**user.headers, "Range": f"bytes={size - 10}-{size * 2}"}
    )
    assert clamped.status_code == 206
    assert clamped.headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
    assert clamped.content == data[-10:]

    # Several ranges are answered whole (RFC 9110 allows it; no client of ours asks for them).
    several = await client.get(url, headers={**user.headers, "Range": "bytes=0-1,10-11"})
    assert several.status_code == 200
    assert several.content == data

    beyond = await client.get(url, headers={**user.headers, "Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    assert beyond.headers["content-type"] == "application/json"
    body = beyond.json()
    assert body["error"] == "range_not_satisfiable"
    assert body["request_id"] == beyond.headers["x-request-id"]

    malformed = await client.get(url, headers={**user.headers, "Range": "bytes=abc"})
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "bad_request"


# What Chromium sends when the library's `<a download>` link is followed, and for fetch().
DOWNLOAD_LINK = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "empty"}
PLAYER_FETCH = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}


async def test_download_link_goes_to_the_bucket_when_it_signs_urls(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """On S3 (presigning on by default) a followed download link is a 307 to a presigned URL
    that serves the file as the API would; locally it is streamed. fetch() always is."""
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "irs")
    url = f"{API}/irs/{item['id']}/file"
    data = IR.read_bytes()

    link = await client.get(url, headers={**user.headers, **DOWNLOAD_LINK})
    if settings.storage.backend == "local":
        assert (link.status_code, link.content) == (200, data)
    else:
        assert link.status_code == 307
        assert link.headers["cache-control"] == "no-store"
        async with httpx.AsyncClient() as outside:  # the browser, talking to the bucket
            signed = await outside.get(link.headers["location"])
        assert (signed.status_code, signed.content) == (200, data)
        assert signed.headers["content-type"] == "audio/wav"
        assert signed.headers["content-disposition"] == f'attachment; filename="{item["name"]}"'

    fetched = await client.get(url, headers={**user.headers, **PLAYER_FETCH, "Range": "bytes=0-9"})
    assert (fetched.status_code, fetched.content) == (206, data[:10])


async def test_download_link_of_another_user_is_not_redirected(client: httpx.AsyncClient) -> None:
    owner = await register_and_login(client)
    other = await register_and_login(client)
    item = await upload_fixture(client, owner, "irs")
    url = f"{API}/irs/{item['id']}/file"
    stranger = await client.get(url, headers={**other.headers, **DOWNLOAD_LINK})
    assert stranger.status_code == 404
    assert stranger.json()["error"] == "item_not_found"
    anonymous = await client.get(url, headers=DOWNLOAD_LINK)
    assert anonymous.status_code == 401


async def test_download_capture_is_never_served_as_json(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "captures", "amp.json")
    assert item["name"] == "amp.nam"
    response = await client.get(f"{API}/captures/{item['id']}/file", headers=user.headers)
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == CAPTURE.read_bytes()
