"""Stored downloads: the one-range parser, the presign decision and the response it makes.

The response is exercised on a real LocalStorage (files on disk) behind a bare Starlette app;
the presign decision with a fake store that signs URLs, as an S3 bucket with presigning on
does. The JSON bodies of 416 and 503 come from the app's middleware and handlers, tested
through the API in tests/integration/server/library/test_downloads.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from toneshootout.server.http.stored import (
    MalformedRange,
    RangeNotSatisfiable,
    byte_range,
    is_download_navigation,
    presigned_redirect,
    send_stored,
)
from toneshootout.server.storage.base import CHUNK_BYTES, StorageUnavailable
from toneshootout.server.storage.files import StoredFile
from toneshootout.server.storage.local import LocalStorage

KEY = "owner/item.wav"
URL = "https://bucket.example/owner/item.wav?X-Amz-Signature=abc"
# What Chromium sends (measured): an `<a download>` link, a plain link, fetch(), <video>, <img>.
A_DOWNLOAD = {"sec-fetch-mode": "navigate", "sec-fetch-dest": "empty"}
PLAIN_LINK = {"sec-fetch-mode": "navigate", "sec-fetch-dest": "document", "sec-fetch-user": "?1"}
FETCH = {"sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}
VIDEO = {"sec-fetch-mode": "no-cors", "sec-fetch-dest": "video"}
IMAGE = {"sec-fetch-mode": "no-cors", "sec-fetch-dest": "image"}


# -- the Range header ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 100, None),
        ("", 100, None),
        ("bytes=0-0", 100, (0, 1)),
        ("bytes=0-", 100, (0, 100)),
        ("bytes=99-99", 100, (99, 100)),
        ("bytes=99-", 100, (99, 100)),
        ("bytes=10-5000", 100, (10, 100)),  # a last byte past the end is clamped
        ("bytes=-1", 100, (99, 100)),
        ("bytes=-100", 100, (0, 100)),
        ("bytes=-5000", 100, (0, 100)),  # a suffix longer than the file is all of it
        (" bytes=5-9 ", 100, (5, 10)),
        ("bytes=0-1,5-6", 100, None),  # several ranges: answered whole (RFC 9110 §14.2)
        ("bytes=0-1, 5-6", 100, None),
        ("items=0-1", 100, None),  # another unit: ignored
        ("bytes=5-3", 100, None),  # last before first: not a valid range, ignored
        ("bytes=-", 100, None),
    ],
)
def test_byte_range(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=100-", 100), ("bytes=100-200", 100), ("bytes=-0", 100), ("bytes=-5", 0)],
)
def test_byte_range_past_the_end_is_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, size)


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=1-2-3", "bytes=0x10-", "bytes=1-2,"])
def test_byte_range_malformed(header: str) -> None:
    with pytest.raises(MalformedRange):
        byte_range(header, 100)


# -- the presign decision --------------------------------------------------------------------


class SigningStorage(LocalStorage):
    """A local store that also signs URLs (as a bucket with presigning on), recording calls."""

    def __init__(self, root: Path, url: str | None = URL) -> None:
        super().__init__(root)
        self.url = url
        self.signed: list[tuple[str, str, str, int]] = []

    def presigned_url(
        self, key: str, *, filename: str, media_type: str, expires_seconds: int
    ) -> str | None:
        self.signed.append((key, filename, media_type, expires_seconds))
        return self.url


def _file(size: int = 10) -> StoredFile:
    return StoredFile(KEY, size, "audio/wav", "Clean DI.wav")


@pytest.mark.parametrize(
    ("headers", "navigation"),
    [
        (A_DOWNLOAD, True),
        (PLAIN_LINK, True),
        ({"sec-fetch-dest": "document"}, True),
        (FETCH, False),
        (VIDEO, False),
        (IMAGE, False),
        ({}, False),  # no Fetch Metadata (curl, an old browser): proxied
    ],
)
def test_is_download_navigation(headers: dict[str, str], navigation: bool) -> None:
    assert is_download_navigation(headers) is navigation


@pytest.mark.parametrize("headers", [A_DOWNLOAD, PLAIN_LINK])
def test_presigned_redirect_for_a_download_link(tmp_path: Path, headers: dict[str, str]) -> None:
    storage = SigningStorage(tmp_path)
    assert presigned_redirect(storage, _file(), headers, expires_seconds=300) == URL
    # The bucket's answer names the file and its type as the API would.
    assert storage.signed == [(KEY, "Clean DI.wav", "audio/wav", 300)]


@pytest.mark.parametrize("headers", [FETCH, VIDEO, IMAGE, {}])
def test_presigned_redirect_never_for_in_page_requests(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    storage = SigningStorage(tmp_path)
    assert presigned_redirect(storage, _file(), headers, expires_seconds=300) is None
    assert storage.signed == []  # the store is not even asked


def test_presigned_redirect_none_when_the_store_does_not_sign(tmp_path: Path) -> None:
    assert (
        presigned_redirect(LocalStorage(tmp_path), _file(), A_DOWNLOAD, expires_seconds=300) is None
    )
    signing_off = SigningStorage(tmp_path, url=None)  # a bucket with presign_downloads off
    assert presigned_redirect(signing_off, _file(), A_DOWNLOAD, expires_seconds=300) is None


# -- the response ----------------------------------------------------------------------------


class CountingStorage(SigningStorage):
    """Records every read_range and counts the chunks it hands out."""

    def __init__(self, root: Path, url: str | None = None) -> None:
        super().__init__(root, url)
        self.reads: list[tuple[int, int | None]] = []
        self.chunks = 0

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        self.reads.append((start, end))
        for chunk in super().read_range(key, start, end):
            self.chunks += 1
            yield chunk


def _store(storage: LocalStorage, data: bytes) -> StoredFile:
    temp = storage.new_temp_path()
    temp.write_bytes(data)
    storage.put_file(temp, KEY)
    return StoredFile(KEY, len(data), "audio/wav", "Clean DI.wav")


def _client(storage: LocalStorage, file: StoredFile) -> httpx.AsyncClient:
    async def endpoint(request: Request) -> Response:
        return await send_stored(request, storage, file, presign_seconds=60)

    app = Starlette(routes=[Route("/file", endpoint, methods=["GET", "HEAD"])])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


DATA = bytes(range(256)) * 4  # 1 KiB, every byte distinct by position mod 256


async def test_whole_file_with_download_headers(tmp_path: Path) -> None:
    storage = CountingStorage(tmp_path)
    async with _client(storage, _store(storage, DATA)) as client:
        response = await client.get("/file")
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-disposition"] == 'attachment; filename="Clean DI.wav"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert response.headers["cache-control"] == "private, no-store"
    assert "content-range" not in response.headers
    assert storage.reads == [(0, len(DATA))]


async def test_large_file_streams_in_chunks(tmp_path: Path) -> None:
    storage = CountingStorage(tmp_path)
    data = b"\x01" * (3 * CHUNK_BYTES + 17)
    async with _client(storage, _store(storage, data)) as client:
        response = await client.get("/file")
    assert response.content == data
    assert storage.chunks == 4  # read from the store chunk by chunk, never whole


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 1),
        ("bytes=1023-1023", 1023, 1024),
        ("bytes=1000-", 1000, 1024),
        ("bytes=-24", 1000, 1024),
        ("bytes=-5000", 0, 1024),
        ("bytes=100-99999", 100, 1024),
        ("bytes=256-511", 256, 512),
    ],
)
async def test_one_range_is_206(tmp_path: Path, header: str, start: int, end: int) -> None:
    storage = CountingStorage(tmp_path)
    async with _client(storage, _store(storage, DATA)) as client:
        response = await client.get("/file", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == DATA[start:end]
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{len(DATA)}"
    assert response.headers["content-length"] == str(end - start)
    assert response.headers["content-disposition"] == 'attachment; filename="Clean DI.wav"'
    assert storage.reads == [(start, end)]  # only the range is read from the store


async def test_several_ranges_are_answered_whole(tmp_path: Path) -> None:
    storage = CountingStorage(tmp_path)
    async with _client(storage, _store(storage, DATA)) as client:
        response = await client.get("/file", headers={"Range": "bytes=0-1,10-20"})
    assert response.status_code == 200
    assert response.content == DATA


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
async def test_range_past_the_end_is_416(tmp_path: Path, header: str) -> None:
    storage = CountingStorage(tmp_path)
    async with _client(storage, _store(storage, DATA)) as client:
        response = await client.get("/file", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(DATA)}"
    assert storage.reads == []


async def test_malformed_range_is_400(tmp_path: Path) -> None:
    storage = CountingStorage(tmp_path)
    async with _client(storage, _store(storage, DATA)) as client:
        response = await client.get("/file", headers={"Range": "bytes=x-y"})
    assert response.status_code == 400
    assert storage.reads == []


async def test_head_sends_the_headers_without_reading(tmp_path: Path) -> None:
    storage = CountingStorage(tmp_path)
    async with _client(storage, _store(storage, DATA)) as client:
        whole = await client.head("/file")
        ranged = await client.head("/file", headers={"Range": "bytes=10-19"})
    assert (whole.status_code, whole.content) == (200, b"")
    assert whole.headers["content-length"] == str(len(DATA))
    assert ranged.status_code == 206
    assert ranged.headers["content-range"] == f"bytes 10-19/{len(DATA)}"
    assert storage.reads == []


async def test_download_link_is_redirected_to_the_signed_url(tmp_path: Path) -> None:
    storage = CountingStorage(tmp_path, url=URL)
    async with _client(storage, _store(storage, DATA)) as client:
        link = await client.get("/file", headers=A_DOWNLOAD)
        player = await client.get("/file", headers={**FETCH, "Range": "bytes=0-9"})
    assert link.status_code == 307
    assert link.headers["location"] == URL
    assert link.headers["cache-control"] == "no-store"
    assert storage.signed == [(KEY, "Clean DI.wav", "audio/wav", 60)]
    assert storage.reads == [(0, 10)]  # the player's fetch only: proxied, as before
    assert (player.status_code, player.content) == (206, DATA[:10])


async def test_download_link_is_streamed_when_the_store_does_not_sign(tmp_path: Path) -> None:
    storage = CountingStorage(tmp_path, url=None)
    async with _client(storage, _store(storage, DATA)) as client:
        response = await client.get("/file", headers=A_DOWNLOAD)
    assert (response.status_code, response.content) == (200, DATA)


def _request(method: str = "GET") -> Request:
    return Request({"type": "http", "method": method, "path": "/file", "headers": []})


class DownStorage(LocalStorage):
    def read_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        raise StorageUnavailable("bucket down")


async def test_store_down_fails_before_the_response_starts(tmp_path: Path) -> None:
    # Raised from send_stored itself, so the app's handler answers 503 instead of a 200
    # whose body breaks off.
    with pytest.raises(StorageUnavailable):
        await send_stored(_request(), DownStorage(tmp_path), _file(), presign_seconds=60)


async def test_missing_object_fails_before_the_response_starts(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await send_stored(_request(), LocalStorage(tmp_path), _file(), presign_seconds=60)
