"""Our outgoing budget: never more calls in any minute than TONE3000 allows (§1.8)."""

from __future__ import annotations

import asyncio
import bisect

import pytest

from tests.unit.tone3000.kit import Kit
from toneshootout.tone3000.limiter import OutgoingLimiter
from toneshootout.tone3000_fake import FakeClock, FakeConfig


def _most_in_any_window(stamps: list[float], window: float) -> int:
    """The largest number of stamps in any half-open window [t, t + window)."""
    ordered = sorted(stamps)
    return max(bisect.bisect_left(ordered, start + window) - i for i, start in enumerate(ordered))


def _limiter(clock: FakeClock, per_minute: int) -> OutgoingLimiter:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    return OutgoingLimiter(per_minute=per_minute, clock=clock.now, sleep=sleep)


async def _burst(limiter: OutgoingLimiter, clock: FakeClock, calls: int, key: str) -> list[float]:
    stamps: list[float] = []

    async def one() -> None:
        await limiter.acquire(key)
        stamps.append(clock.now())

    await asyncio.gather(*(one() for _ in range(calls)))
    return stamps


@pytest.mark.parametrize("per_minute", [1, 7, 60, 90])
async def test_a_burst_stays_under_the_budget_in_every_minute(per_minute: int) -> None:
    clock = FakeClock()
    stamps = await _burst(_limiter(clock, per_minute), clock, 3 * per_minute + 1, "u")
    assert _most_in_any_window(stamps, 60.0) <= per_minute
    # ... and it is no slower than it has to be: each minute's share goes out at once.
    assert sorted(stamps)[per_minute - 1] == 0.0
    assert sorted(stamps)[-1] == pytest.approx(180.0, abs=0.01)


async def test_keys_have_budgets_of_their_own() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, 5)
    await _burst(limiter, clock, 5, "alice")
    assert await _burst(limiter, clock, 5, "bob") == [0.0] * 5


async def test_calls_spread_over_time_never_wait() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, 60)
    for _ in range(200):
        await limiter.acquire("u")
        clock.advance(1.0)
    assert clock.now() == 200.0


@pytest.mark.parametrize("config", [FakeConfig(rate_limit=10)])
async def test_a_burst_through_our_limiter_gets_no_429_from_tone3000(kit: Kit) -> None:
    # One after another: with a clock that jumps, calls still in flight during a jump would
    # reach the fake "a minute late"; the concurrent burst is the test above.
    await kit.sign_in()
    api = kit.api(limiter=kit.limiter(per_minute=10))
    for _ in range(35):
        await api.user()
    assert len(kit.requests_to("/api/v1/user")) == 35  # each went out once: no 429, no retry
    assert kit.sleeps == [60.0] * 3  # our limiter did the waiting
