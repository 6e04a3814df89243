"""The multipart streamer: one file part, byte caps however the body arrives (REQ-13)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from toneshootout.server.library.errors import InvalidUpload, UploadTooLarge
from toneshootout.server.library.uploads import (
    MULTIPART_OVERHEAD_BYTES,
    receive_single_file,
)

BOUNDARY = "testboundary123"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(name: str, data: bytes, filename: str | None = "take.wav") -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    head += "Content-Type: application/octet-stream\r\n\r\n"
    return head.encode() + data + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def chunks(data: bytes, size: int = 7919) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_receive_writes_file_and_hash(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 5000
    temp = tmp_path / "upload.part"
    received = await receive_single_file(
        chunks(body(part("file", payload))), content_type=CONTENT_TYPE, temp=temp, max_bytes=10**7
    )
    assert temp.read_bytes() == payload
    assert received.size == len(payload)
    assert received.sha256 == hashlib.sha256(payload).hexdigest()
    assert received.client_filename == "take.wav"


async def test_receive_refuses_file_past_cap(tmp_path: Path) -> None:
    with pytest.raises(UploadTooLarge):
        await receive_single_file(
            chunks(body(part("file", b"x" * 5000))),
            content_type=CONTENT_TYPE,
            temp=tmp_path / "t",
            max_bytes=4999,
        )


async def test_receive_stops_reading_an_endless_body_at_cap(tmp_path: Path) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield part("file", b"")[:-2]  # headers, then file bytes that never end
        while True:
            sent += 65536
            yield b"\0" * 65536

    with pytest.raises(UploadTooLarge):
        await receive_single_file(
            endless(), content_type=CONTENT_TYPE, temp=tmp_path / "t", max_bytes=1_000_000
        )
    assert sent <= 1_000_000 + MULTIPART_OVERHEAD_BYTES + 65536


async def test_receive_counts_padding_outside_parts(tmp_path: Path) -> None:
    padded = body(part("file", b"abc")) + b"x" * (MULTIPART_OVERHEAD_BYTES + 10)  # epilogue
    with pytest.raises(UploadTooLarge):
        await receive_single_file(
            chunks(padded), content_type=CONTENT_TYPE, temp=tmp_path / "t", max_bytes=10
        )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (body(part("file", b"a"), part("file", b"b")), "exactly one part"),
        (body(part("other", b"a")), "named 'file'"),
        (body(part("file", b"a", filename=None)), "no filename"),
        (body(part("file", b"")), "empty"),
        (body(), "ended before"),
        (part("file", b"abc"), "ended before"),
    ],
    ids=["two-files", "wrong-field", "not-a-file", "empty", "no-parts", "truncated"],
)
async def test_receive_refuses_bad_bodies(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(InvalidUpload, match=reason):
        await receive_single_file(
            chunks(data), content_type=CONTENT_TYPE, temp=tmp_path / "t", max_bytes=1000
        )


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "multipart/form-data", "text/plain; boundary=x"]
)
async def test_receive_refuses_non_multipart(tmp_path: Path, content_type: str | None) -> None:
    with pytest.raises(InvalidUpload, match="multipart/form-data"):
        await receive_single_file(
            chunks(body(part("file", b"a"))),
            content_type=content_type,
            temp=tmp_path / "t",
            max_bytes=1000,
        )
