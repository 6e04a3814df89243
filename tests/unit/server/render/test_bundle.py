"""The streamed ZIP: readable, complete, written to a non-seekable sink; ATTRIBUTION text."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from toneshootout.server.render.bundle import (
    CHUNK_BYTES,
    BundleEntry,
    Credit,
    attribution_text,
    stream_zip,
)
from toneshootout.server.render.errors import IdempotencyKeyInvalid
from toneshootout.server.render.service import check_idempotency_key, request_sha256
from toneshootout.server.storage.local import LocalStorage

WHEN = datetime(2026, 11, 22, 12, 30, tzinfo=UTC)


async def test_stream_zip_holds_every_entry_byte_for_byte(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    audio = os.urandom(3 * CHUNK_BYTES + 17)  # several chunks, stored
    (tmp_path / "a.wav").write_bytes(audio)
    (tmp_path / "m.json").write_text('{"x": 1}\n' * 1000)  # compressed
    entries = [
        BundleEntry("r/renders/a.wav", len(audio), key="a.wav"),
        BundleEntry("r/manifest.json", 9000, key="m.json"),
        BundleEntry("r/ATTRIBUTION.txt", 5, data=b"hello"),
    ]

    chunks = [chunk async for chunk in stream_zip(entries, storage=storage, when=WHEN)]

    assert len(chunks) > 3  # streamed in pieces, not one blob
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert archive.read("r/renders/a.wav") == audio
    assert archive.read("r/manifest.json") == (tmp_path / "m.json").read_bytes()
    assert archive.read("r/ATTRIBUTION.txt") == b"hello"
    assert archive.getinfo("r/renders/a.wav").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("r/manifest.json").compress_type == zipfile.ZIP_DEFLATED
    assert archive.getinfo("r/ATTRIBUTION.txt").date_time == (2026, 11, 22, 12, 30, 0)


async def test_stream_zip_of_nothing_is_an_empty_archive(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    data = b"".join([chunk async for chunk in stream_zip([], storage=storage, when=WHEN)])
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == []


async def test_stream_zip_closed_early_releases_the_file(tmp_path: Path) -> None:
    (tmp_path / "big.wav").write_bytes(b"\0" * (4 * CHUNK_BYTES))
    stream = stream_zip(
        [BundleEntry("big.wav", 4 * CHUNK_BYTES, key="big.wav")],
        storage=LocalStorage(tmp_path),
        when=WHEN,
    )
    first = await anext(stream)
    assert first
    await stream.aclose()  # the client went away


def test_attribution_lists_captures_and_irs_with_known_facts() -> None:
    text = attribution_text(
        "Head vs combo",
        3,
        [
            Credit("ir", "4x12.wav", "b" * 64, []),
            Credit("capture", "jcm.nam", "a" * 64, [("Author", "Someone"), ("Name", "JCM")]),
        ],
    )
    assert text.startswith("Head vs combo (render 3)\n")
    assert text.index("Captures") < text.index("* jcm.nam") < text.index("Impulse responses")
    assert "    Author: Someone\n" in text
    assert f"    SHA-256: {'b' * 64}\n" in text


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "caf\u00e9", "line\nbreak"])
def test_idempotency_key_outside_printable_ascii_is_refused(key: str) -> None:
    with pytest.raises(IdempotencyKeyInvalid):
        check_idempotency_key(key)


def test_idempotency_key_of_printable_ascii_is_kept() -> None:
    assert check_idempotency_key("a" * 255) == "a" * 255
    assert check_idempotency_key(" order #42 ") == " order #42 "
    assert check_idempotency_key(None) is None


def test_request_fingerprint_depends_on_shootout_and_body_only() -> None:
    shootout = uuid.uuid4()
    assert request_sha256(shootout, {}) == request_sha256(shootout, {})
    assert request_sha256(shootout, {}) != request_sha256(uuid.uuid4(), {})
    assert request_sha256(shootout, {"a": 1, "b": 2}) == request_sha256(shootout, {"b": 2, "a": 1})
