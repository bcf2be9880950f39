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
