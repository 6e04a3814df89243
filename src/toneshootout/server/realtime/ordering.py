"""Keep what a socket shows about one render moving forward only.

Events reach a socket through a buffer that can hold some older than the snapshot it just sent
(the snapshot is read from the database while they queue up). A client must never see a render
go back: to an earlier attempt, out of a terminal state, to an update older than the one it was
shown, or to less progress within the same state of an attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from toneshootout.server.render.states import TERMINAL_STATES, RenderState


@dataclass(frozen=True)
class Mark:
    """One point in a render's life: its attempt, state, progress and when it was recorded."""

    attempt: int
    state: RenderState
    progress: float
    at: datetime


@dataclass
class RenderCursor:
    """The newest point a socket has shown for one render."""

    shown: Mark

    def admits(self, mark: Mark) -> bool:
        """True if showing `mark` after the current point would not move the render backwards."""
        shown = self.shown
        if shown.state in TERMINAL_STATES:
            return False  # terminal is final: nothing newer can exist
        if mark.attempt != shown.attempt:
            return mark.attempt > shown.attempt
        if mark.at < shown.at:
            return False
        return mark.state != shown.state or mark.progress >= shown.progress

    def advance(self, mark: Mark) -> None:
        """Record an update that was shown."""
        self.shown = mark
