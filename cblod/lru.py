"""A least-recently-used cache bounded by the total size of what it keeps.

The web tier keeps what it derives from one dataset version (answers to repeated queries,
rendered pages) under keys that start with that version, so nothing kept is ever stale: a new
version simply stops asking for the old keys, and they age out first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
T = TypeVar("T")
U = TypeVar("U")


class SizedCache(Generic[V]):
    """At most ``max_bytes`` of values (as ``size`` measures them); a value larger than an
    eighth of that is not kept, so one huge answer cannot flush everything else."""

    def __init__(self, max_bytes: int, size: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self._size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0

    def put(self, key: Hashable, value: V) -> None:
        size = self._size(value)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._values:
                return
            self._values[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._values.popitem(last=False)
                self._bytes -= self._size(dropped)


class OneAtATime:
    """Requests for the same key wait for the one already computing it, then read its result.

    Right after a publish every cache is empty, and a page many clients ask for at once (a
    programme's, 0.6 s to render at 30 000 projects) was rendered by each of them, on two
    cores: the load run's p99. One computes at a time; the others wait, then look in the
    cache again, and the next computes only if it is still not there (the first failed, or
    its result is not kept). A computation running longer than ``timeout`` is not waited for.
    """

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._running: dict[Hashable, threading.Event] = {}

    def run(self, key: Hashable, cached: Callable[[], T | None], compute: Callable[[], U]) -> T | U:
        """``cached()`` if it finds something, else ``compute()``, one caller at a time."""
        while True:
            found = cached()
            if found is not None:
                return found
            with self._lock:
                running = self._running.get(key)
                if running is None:
                    mine = self._running[key] = threading.Event()
                    break
            if not running.wait(self.timeout):
                return compute()
        try:
            return compute()
        finally:
            with self._lock:
                self._running.pop(key, None)
            mine.set()
