"""The ingest progress line: files done (or, in a large file, its share), records/s and time
left, on a terminal only.

In CI or when output is piped, nothing is drawn (log lines stay clean); the per-source lines
the CLI prints carry a "[n/N]" count either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..ingest.pipeline import SourceReport
import sys
import time


class Progress:
    def __init__(self, total: int, *, enabled: bool, stream: TextIO | None = None) -> None:
        self.total, self.enabled = total, enabled
        self.stream = stream or sys.stderr
        self.done = self.records = 0
        self.started = self.file_started = time.monotonic()

    def advance(self, report: SourceReport) -> str:
        """Count one finished source; returns the "[n/N] " prefix for its line."""
        self.done += 1
        self.records += getattr(report, "records", 0) or 0
        self.file_started = time.monotonic()
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

    def chunk(self, path: str, records: int, share: float | None) -> None:
        """Within one large file: records so far, their rate and, when the share is known, ETA."""
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.file_started  # this file began when the last ended
        rate = records / elapsed if elapsed else 0.0
        line = f"\r\x1b[K  {path.rsplit('/', 1)[-1]}: {records:,} records, {rate:,.0f} records/s"
        if share:
            line += f", {share:.0%}, about {_duration(elapsed / share * (1 - share))} left"
        self.stream.write(line)
        self.stream.flush()

    def _clear(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")

    def finish(self) -> None:
        self._clear()


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
