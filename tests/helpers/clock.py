"""A clock tests move by hand: two releases a second apart without waiting a second.

Release times are HTTP dates, to the second (Memento, LDES); a test that publishes twice used
to sleep 1.1 s so the two differ. ``cblod.publish.ingest(clock=...)`` takes this instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class StepClock:
    """Now, as the test says: an hour ago at first (so no release is in the future), then
    wherever ``advance`` moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 60) -> None:
        self.now += timedelta(seconds=seconds)
