"""The fake's only notion of time: a clock tests move by hand, so no test waits or races."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# A fixed start keeps every generated timestamp, expiry and Retry-After the same on every run.
EPOCH = datetime(2026, 9, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    """Seconds since `EPOCH`; only `advance` and `set` move it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward (never back: expiry and rate windows assume time only grows)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._now += float(seconds)
        return self._now

    def set(self, seconds: float) -> float:
        if seconds < self._now:
            raise ValueError("the clock only moves forward")
        self._now = float(seconds)
        return self._now

    def datetime(self) -> datetime:
        return EPOCH + timedelta(seconds=self._now)

    def iso(self) -> str:
        return iso_z(self.datetime())

    def iso_at(self, seconds: float) -> str:
        """A clock reading (seconds since EPOCH) as an ISO timestamp."""
        return iso_z(EPOCH + timedelta(seconds=seconds))


def iso_z(moment: datetime) -> str:
    """ISO-8601 with milliseconds and `Z`, one of the two formats TONE3000 emits."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def iso_offset(moment: datetime) -> str:
    """ISO-8601 with microseconds and `+00:00`, the other format seen on the wire."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
