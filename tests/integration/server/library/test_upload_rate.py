"""REQ-19: a per-user upload rate limit (429 with Retry-After) that leaves other users alone."""

from __future__ import annotations

import httpx

from tests.integration.server.library.helpers import (
    IR,
    register_and_login,
    stored_files,
    upload,
    upload_fixture,
)
from toneshootout.settings import Settings


async def test_upload_past_rate_limit_gives_429_others_unaffected(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    settings.storage.upload_rate_per_minute = 2
    user = await register_and_login(client)
    await upload_fixture(client, user, "irs")
    await upload_fixture(client, user, "captures")
    refused = await upload(client, user, "di-tracks", IR.read_bytes(), "third.wav")
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == "upload_rate_limited"
    assert "at most 2 per minute" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["retry_after_seconds"] == int(refused.headers["retry-after"])
    assert len(stored_files(settings)) == 2  # the refused body was never stored
    other = await register_and_login(client)
    await upload_fixture(client, other, "irs")
    assert len(stored_files(settings)) == 3


async def test_upload_refused_attempts_count_against_the_rate(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    settings.storage.upload_rate_per_minute = 1
    user = await register_and_login(client)
    invalid = await upload(client, user, "irs", b"not audio", "junk.wav")
    assert invalid.status_code == 422
    again = await upload(client, user, "irs", IR.read_bytes(), "cab.wav")
    assert again.status_code == 429
    assert stored_files(settings) == []
