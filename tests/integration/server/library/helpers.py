"""Library test helpers: uploads with real fixtures, and what the storage root holds."""

from __future__ import annotations

import re
import struct
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tests.integration.server.auth.helpers import SignedIn, register_and_login
from tests.paths import REAL
from tests.s3_server import client
from toneshootout.server.db.models.shootout import Shootout, ShootoutRef
from toneshootout.server.state import Services
from toneshootout.settings import Settings

API = "/api/v1"
DI = REAL / "di-gojira-48k-stereo.wav"
IR = REAL / "ir-mesa-os-4x12-189ms.wav"
CAPTURE = REAL / "jcm800-standard.nam"
# collection → (fixture, detected extension, kind)
KINDS: dict[str, tuple[Path, str, str]] = {
    "di-tracks": (DI, "wav", "di_track"),
    "captures": (CAPTURE, "nam", "capture"),
    "irs": (IR, "wav", "ir"),
}
STORED_FILE = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}\.(wav|flac|aiff|nam)$")

__all__ = ["SignedIn", "register_and_login"]


async def upload(
    client: httpx.AsyncClient,
    user: SignedIn,
    collection: str,
    data: bytes,
    filename: str = "upload.bin",
) -> httpx.Response:
    """POST one file as the multipart field `file`."""
    files = {"file": (filename, data, "application/octet-stream")}
    return await client.post(f"{API}/{collection}", files=files, headers=user.headers)


async def upload_fixture(
    client: httpx.AsyncClient, user: SignedIn, collection: str, filename: str | None = None
) -> dict[str, Any]:
    """Upload the collection's real fixture; returns the created item."""
    path = KINDS[collection][0]
    response = await upload(client, user, collection, path.read_bytes(), filename or path.name)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def stored_files(settings: Settings) -> list[str]:
    """Every stored object and every staged temp file: the files under the storage root (its
    `.tmp` folder included) or, on S3, the bucket's keys and `.tmp/<name>` of the staging files."""
    if settings.storage.backend == "s3":
        s3 = settings.storage.s3
        assert s3.bucket is not None
        assert s3.endpoint_url is not None
        listing = client(s3.endpoint_url).list_objects_v2(Bucket=s3.bucket)
        keys = [entry["Key"] for entry in listing.get("Contents", [])]
        staging = settings.data_dir / "staging"
        staged = [f".tmp/{p.name}" for p in staging.glob("*.part")] if staging.is_dir() else []
        return sorted(keys + staged)
    root = settings.storage_dir
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def header_bomb_wav() -> bytes:
    """A 60-byte WAV whose RIFF and data chunks claim almost 4 GiB."""
    fmt = struct.pack("<HHIIHH", 1, 2, 48000, 48000 * 6, 6, 24)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"data" + struct.pack("<I", 0xFFFFFFF0) + b"\0" * 16
    return b"RIFF" + struct.pack("<I", 0xFFFFFFF8) + body


def padded_wav(path: Path, n: int) -> bytes:
    """The WAV at `path` with a `junk` chunk of 2n bytes: distinct bytes, same audio."""
    data = path.read_bytes()
    padded = data + b"junk" + struct.pack("<I", 2 * n) + b"\0" * (2 * n)
    return padded[:4] + struct.pack("<I", len(padded) - 8) + padded[8:]


def nan_capture() -> bytes:
    """The real capture with its first weight replaced by a bare NaN."""
    text = CAPTURE.read_text()
    return text.replace('"weights":[-0.003630096325650811', '"weights":[NaN', 1).encode()


async def use_in_shootout(app: FastAPI, owner_id: uuid.UUID, item_id: str) -> uuid.UUID:
    """Insert a shootout that references the item, straight through the app's sessionmaker."""
    services = app.state.services
    assert isinstance(services, Services)
    shootout_id = uuid.uuid4()
    async with services.sessionmaker() as session:
        session.add(Shootout(id=shootout_id, owner_id=owner_id, title="uses it", body={}))
        await session.flush()
        session.add(ShootoutRef(shootout_id=shootout_id, item_id=uuid.UUID(item_id)))
        await session.commit()
    return shootout_id
