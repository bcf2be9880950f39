"""The ingest progress line: files done, records/s and time left, on a terminal only.

In CI or when output is piped, nothing is drawn (log lines stay clean); the per-source lines
the CLI prints carry a "[n/N]" count either way.
"""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, *, enabled: bool, stream=None) -> None:
        self.total, self.enabled = total, enabled
        self.stream = stream or sys.stderr
        self.done = self.records = 0
        self.started = time.monotonic()

    def advance(self, report) -> str:
        """Count one finished source; returns the "[n/N] " prefix for its line."""
        self.done += 1
        self.records += getattr(report, "records", 0) or 0
        self._clear()
        if self.enabled and self.done < self.total:
            elapsed = time.monotonic() - self.started
            rate = self.records / elapsed if elapsed else 0.0
            left = elapsed / self.done * (self.total - self.done)
            self.stream.write(
                f"\r  {self.done}/{self.total} sources, {rate:,.0f} records/s, "
                f"about {_duration(left)} left"
            )
            self.stream.flush()
        return f"[{self.done}/{self.total}] " if self.total > 1 else ""

    def _clear(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")

    def finish(self) -> None:
        self._clear()


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
