"""REQ-18 against a real server process: disk full mid-upload and a crash mid-upload.

Both tests stream a multipart body by hand so that the fault lands while the server is inside
the upload, after it has written part of the temp file: the client sends the first 2 MiB, waits
until the server's `.part` file holds at least 1 MiB, injects the fault, then sends the rest.
Afterwards nothing may be visible or recorded, and the server must still take uploads.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import anyio.to_thread
import httpx
import pytest

from tests.integration.server.library.helpers import (
    API,
    IR,
    STORED_FILE,
    SignedIn,
    register_and_login,
    upload_fixture,
)
from tests.integration.server.library.live_server import (
    WRITE_FAULT,
    LiveServer,
    build_write_fault_preload,
    files_under,
    library_rows,
    live_server,
    new_data_dir,
)

MIB = 1024 * 1024
BOUNDARY = "fault-test-boundary"
FIRST_SEND = 2 * MIB
PAYLOAD = b"\0" * (FIRST_SEND + MIB + MIB // 4)  # the rest still forces one more disk write
ENOSPC = 28


async def _part_file(temp_dir: Path, *, min_bytes: int, timeout_s: float = 10.0) -> Path:
    """The server's temp file once it holds `min_bytes`: proof the upload is mid-stream."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for path in temp_dir.glob("*.part"):
            if path.stat().st_size >= min_bytes:
                return path
        await asyncio.sleep(0.02)
    raise AssertionError(f"no .part file reached {min_bytes} bytes in {timeout_s} s")


async def _streamed_upload(
    client: httpx.AsyncClient, user: SignedIn, midway: Callable[[], Awaitable[None]]
) -> httpx.Response:
    """POST `PAYLOAD` as a DI track, running `midway` after the first `FIRST_SEND` bytes."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="di.wav"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    async def body() -> AsyncIterator[bytes]:
        yield head + PAYLOAD[:FIRST_SEND]
        await midway()
        for start in range(FIRST_SEND, len(PAYLOAD), 64 * 1024):
            yield PAYLOAD[start : start + 64 * 1024]
        yield tail

    headers = {
        **user.headers,
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(len(head) + len(PAYLOAD) + len(tail)),
    }
    return await client.post(f"{API}/di-tracks", content=body(), headers=headers)


async def _assert_normal_upload_records_row_and_file(server: LiveServer, user: SignedIn) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=30.0) as client:
        assert (await client.get("/healthz")).status_code == 200
        item = await upload_fixture(client, user, "irs")
    files = files_under(server.storage_root)
    assert files == [f"{user.user_id}/{item['id']}.wav"]
    assert STORED_FILE.fullmatch(files[0])
    assert (server.storage_root / files[0]).stat().st_size == IR.stat().st_size
    assert library_rows(server.data_dir) == 1


async def test_upload_hitting_enospc_mid_stream_gives_507_and_leaves_nothing(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """libfiu makes the upload's next write(2) fail with ENOSPC while the body streams in.

    Why this failure point: the upload writes its temp file through Python's buffered file
    object, whose ~1 MiB blocks bypass the buffer and reach libc `write()`, libfiu's
    `posix/io/rw/write`. SQLite writes with `pwrite()` and sockets use `send()`/`recv()`, so
    none of those can be hit. The point is enabled through `fiu-ctrl` with `onetime=1` only
    once the `.part` file holds data, while the server sits idle waiting for the rest of the
    body, so the single write(2) that fails is the upload's next flush (log lines, also
    write(2), come later and are never hit). `failinfo=28` makes errno ENOSPC.

    The point comes from a one-function preload (`fiu_write_preload.c`) next to libfiu's
    remote-control preload rather than `fiu-run -x`: the latter's malloc wrappers abort the
    server (glibc double free) when pedalboard's native module is loaded.
    """
    preload = build_write_fault_preload(tmp_path)
    data_dir = new_data_dir(tmp_path, sqlite_template)
    with live_server(data_dir, preload=preload) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=30.0) as client:
            user = await register_and_login(client)

            async def fill_the_disk() -> None:
                await _part_file(server.temp_dir, min_bytes=MIB)
                enable = f"enable name={WRITE_FAULT},failinfo={ENOSPC},onetime=1"
                await anyio.to_thread.run_sync(server.fiu, enable)

            response = await _streamed_upload(client, user, fill_the_disk)
        assert response.status_code == 507, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "storage_full"
        assert "storage space" in response.json()["detail"]
        assert library_rows(data_dir) == 0
        assert files_under(server.storage_root) == []  # no object and no `.part` either
        await _assert_normal_upload_records_row_and_file(server, user)


async def test_upload_killed_mid_stream_leaves_nothing_after_restart(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """SIGKILL mid-upload leaves a `.part`; the startup janitor removes it, no row is written.

    The orphan is backdated past the default grace period (as if the restart came later);
    a fresh `.part` standing for another worker's live upload must survive the sweep.
    """
    data_dir = new_data_dir(tmp_path, sqlite_template)
    with live_server(data_dir) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=30.0) as client:
            user = await register_and_login(client)

            async def crash() -> None:
                await _part_file(server.temp_dir, min_bytes=MIB)
                server.kill()

            with pytest.raises(httpx.TransportError):
                await _streamed_upload(client, user, crash)
    orphans = list((data_dir / "files" / ".tmp").glob("*.part"))
    assert len(orphans) == 1
    two_hours_ago = time.time() - 7200
    os.utime(orphans[0], (two_hours_ago, two_hours_ago))
    live_elsewhere = data_dir / "files" / ".tmp" / "live-upload.part"
    live_elsewhere.write_bytes(b"\0" * 1024)
    assert library_rows(data_dir) == 0

    with live_server(data_dir) as server:
        assert files_under(server.storage_root) == [".tmp/live-upload.part"]
        live_elsewhere.unlink()  # its own request would delete it
        assert library_rows(data_dir) == 0
        await _assert_normal_upload_records_row_and_file(server, user)
