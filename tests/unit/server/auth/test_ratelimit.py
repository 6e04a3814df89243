"""The sliding-window limiter behind REQ-08, on a fake clock."""

from __future__ import annotations

import pytest

from toneshootout.server.errors import RateLimited
from toneshootout.server.http.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hit_refuses_beyond_limit_with_retry_after() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for _ in range(3):
        limiter.hit("k", limit=3, window_seconds=60)
        clock.now += 1
    with pytest.raises(RateLimited) as caught:
        limiter.hit("k", limit=3, window_seconds=60)
    assert caught.value.retry_after_seconds == 57  # first hit at 1000 leaves at 1060; now 1003


def test_hit_allows_again_once_window_slides() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for _ in range(2):
        limiter.hit("k", limit=2, window_seconds=10)
    clock.now += 9.9
    with pytest.raises(RateLimited):  # both hits are still inside the window
        limiter.hit("k", limit=2, window_seconds=10)
    clock.now += 0.1  # now both have left it: the full budget is back, and only that
    limiter.hit("k", limit=2, window_seconds=10)
    limiter.hit("k", limit=2, window_seconds=10)
    with pytest.raises(RateLimited):
        limiter.hit("k", limit=2, window_seconds=10)


def test_hit_does_not_count_refused_attempts() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    limiter.hit("k", limit=1, window_seconds=10)
    for _ in range(5):
        clock.now += 1
        with pytest.raises(RateLimited):
            limiter.hit("k", limit=1, window_seconds=10)
    clock.now = 1010.0  # only the one accepted hit had to leave the window
    limiter.hit("k", limit=1, window_seconds=10)
    with pytest.raises(RateLimited) as caught:
        limiter.hit("k", limit=1, window_seconds=10)
    assert caught.value.retry_after_seconds == 10  # counted from the hit just accepted


def test_hit_keeps_keys_independent() -> None:
    limiter = RateLimiter(clock=FakeClock())
    limiter.hit("a", limit=1, window_seconds=60)
    limiter.hit("b", limit=1, window_seconds=60)  # "a" being full does not refuse "b"
    with pytest.raises(RateLimited):
        limiter.hit("a", limit=1, window_seconds=60)
    with pytest.raises(RateLimited):  # and "b" counted its own hit
        limiter.hit("b", limit=1, window_seconds=60)


def test_hit_bounds_memory_by_dropping_oldest_keys() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, max_keys=3)
    for key in "abcd":
        limiter.hit(key, limit=1, window_seconds=60)
    limiter.hit("a", limit=1, window_seconds=60)  # "a" was evicted, so it starts afresh
    with pytest.raises(RateLimited):  # the fresh count holds
        limiter.hit("a", limit=1, window_seconds=60)
    with pytest.raises(RateLimited):  # the newest keys were kept
        limiter.hit("d", limit=1, window_seconds=60)


def test_check_refuses_at_the_limit_without_counting() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    limiter.check("k", limit=2, window_seconds=10)  # an unknown key passes
    for _ in range(5):  # checks record nothing: the budget is intact
        limiter.check("k", limit=2, window_seconds=10)
    limiter.hit("k", limit=2, window_seconds=10)
    limiter.check("k", limit=2, window_seconds=10)
    limiter.hit("k", limit=2, window_seconds=10)
    with pytest.raises(RateLimited) as caught:
        limiter.check("k", limit=2, window_seconds=10)
    assert caught.value.retry_after_seconds == 10
    clock.now += 10  # the window has slid past both
    limiter.check("k", limit=2, window_seconds=10)
