"""A slow upload body holds no transaction: other writers go on while it arrives (on SQLite,
where every writing transaction takes the one write lock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from tests.integration.server.auth.helpers import new_email, register
from tests.integration.server.library.helpers import API, DI, register_and_login


async def test_upload_waiting_for_its_body_does_not_block_other_writers(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)
    boundary = "lockcheck"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="di.wav"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    first_chunk_sent, rest_allowed = asyncio.Event(), asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield head
        first_chunk_sent.set()
        await rest_allowed.wait()  # the client is slow: the rest comes after another write
        yield DI.read_bytes() + tail

    headers = {**user.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    uploading = asyncio.create_task(
        client.post(f"{API}/di-tracks", content=body(), headers=headers)
    )
    await asyncio.wait_for(first_chunk_sent.wait(), timeout=30)
    # A write that needs the lock: it would wait out the busy timeout and fail if the upload's
    # request still held a transaction.
    await register(client, new_email())
    rest_allowed.set()
    response = await uploading
    assert response.status_code == 201, response.text
