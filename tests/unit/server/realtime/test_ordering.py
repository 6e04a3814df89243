"""A socket never shows a render going backwards."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from toneshootout.server.realtime.ordering import Mark, RenderCursor
from toneshootout.server.render.states import RenderState

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def mark(attempt: int = 1, state: str = "running", progress: float = 0.5, dt: float = 0) -> Mark:
    return Mark(attempt, RenderState(state), progress, T0 + timedelta(seconds=dt))


def test_admits_newer_progress_in_the_same_attempt() -> None:
    assert RenderCursor(mark(progress=0.5)).admits(mark(progress=0.6, dt=1))


def test_refuses_less_progress_in_the_same_state() -> None:
    assert not RenderCursor(mark(progress=0.5)).admits(mark(progress=0.4, dt=1))


def test_refuses_an_update_older_than_the_shown_one() -> None:
    assert not RenderCursor(mark(dt=5)).admits(mark(progress=0.9, dt=1))


def test_refuses_anything_after_a_terminal_state() -> None:
    cursor = RenderCursor(mark(state="succeeded", progress=1.0))
    assert not cursor.admits(mark(attempt=2, state="running", dt=10))


def test_admits_a_later_attempt_and_refuses_an_earlier_one() -> None:
    cursor = RenderCursor(mark(attempt=2, dt=5))
    assert cursor.admits(mark(attempt=3, state="queued", progress=0.0, dt=0))
    assert not cursor.admits(mark(attempt=1, dt=10))


def test_admits_a_newer_requeue_of_the_same_attempt() -> None:
    assert RenderCursor(mark()).admits(mark(state="queued", progress=0.0, dt=1))


@given(st.lists(st.tuples(st.integers(1, 3), st.floats(0, 1), st.integers(0, 100)), max_size=30))
def test_shown_points_never_go_back(updates: list[tuple[int, float, int]]) -> None:
    cursor = RenderCursor(mark(attempt=1, progress=0.0))
    shown = [cursor.shown]
    for attempt, progress, dt in updates:
        candidate = mark(attempt=attempt, progress=progress, dt=dt)
        if cursor.admits(candidate):
            cursor.advance(candidate)
            shown.append(candidate)
    for before, after in itertools.pairwise(shown):
        assert (after.attempt, after.at) >= (before.attempt, before.at) or (
            after.attempt > before.attempt
        )
        if after.attempt == before.attempt:
            assert after.progress >= before.progress
