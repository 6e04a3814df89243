"""The per-token rate limit: 429 with Retry-After, then recovery when the fake clock moves."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.tone3000_fake.helpers import API, bearer, sign_in
from toneshootout.tone3000_fake import FakeClock, FakeConfig, FakeState
from toneshootout.tone3000_fake.ratelimit import RateLimiter


def test_limiter_window_slides_on_the_clock() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, limit=2, window_seconds=60)
    assert limiter.hit("a") is None
    clock.advance(10)
    assert limiter.hit("a") is None
    assert limiter.hit("a") == 50  # the first call leaves the window 50 s from now
    assert limiter.hit("b") is None  # keys are separate
    clock.advance(50)
    assert limiter.hit("a") is None
    assert limiter.hit("a") == 10


@pytest.mark.parametrize("config", [FakeConfig(rate_limit=3, rate_window_seconds=60)])
async def test_429_with_retry_after_then_recovery(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    tokens = await sign_in(client)
    headers = bearer(tokens["access_token"])
    for _ in range(3):
        assert (await client.get(f"{API}/user", headers=headers)).status_code == 200
    state.clock.advance(20)
    limited = await client.get(f"{API}/tones/latest", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "40"
    assert "error" in limited.json()
    other = await sign_in(client)  # another token has its own budget
    assert (await client.get(f"{API}/user", headers=bearer(other["access_token"]))).is_success
    state.clock.advance(39)
    assert (await client.get(f"{API}/user", headers=headers)).status_code == 429
    state.clock.advance(1)
    assert (await client.get(f"{API}/user", headers=headers)).status_code == 200


async def test_default_limit_is_100_a_minute(client: httpx.AsyncClient) -> None:
    headers = bearer((await sign_in(client))["access_token"])
    statuses = [(await client.get(f"{API}/user", headers=headers)).status_code for _ in range(101)]
    assert statuses == [200] * 100 + [429]


@pytest.mark.parametrize("config", [FakeConfig(rate_limit=2)])
async def test_anonymous_trending_is_limited_too(client: httpx.AsyncClient) -> None:
    statuses = [(await client.get(f"{API}/tones/trending")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("config", [FakeConfig(search_rate_limit=1)])
async def test_search_has_its_own_lower_bucket(client: httpx.AsyncClient) -> None:
    headers = bearer((await sign_in(client))["access_token"])
    assert (await client.get(f"{API}/tones/search", headers=headers)).status_code == 200
    assert (await client.get(f"{API}/tones/search", headers=headers)).status_code == 429
    assert (await client.get(f"{API}/tones/latest", headers=headers)).status_code == 200


@pytest.mark.parametrize("config", [FakeConfig(rate_limit=1)])
async def test_oauth_endpoints_are_not_limited(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await sign_in(client)
