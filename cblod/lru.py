"""The caches the web tier keeps what it derives from a dataset version in.

``SizedCache``: least recently used, bounded by the total size of what it keeps (answers to
repeated queries, rendered pages), under keys that start with the dataset version, so nothing
kept is ever stale: a new version simply stops asking for the old keys, and they age out
first. ``VersionedCache``: what is made once per version (indexes, summaries), dropped two
versions later. ``OneAtATime``: one caller makes a value, the others wait for it.
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


class VersionedCache(Generic[V]):
    """What a server derives from one dataset version, by key: made once per version and key,
    kept while its version is one of the last ``versions`` seen, and at most ``most`` values.

    The one shape of every per-version memo the web tier holds (a list's facet index, the
    reconciliation index, sort orders, summaries): a new version's first ``get`` drops the
    values of versions older than the last ``versions`` (a request keeps the snapshot it began
    with to its end, so the one before stays); callers asking for a value being made wait for
    it (``OneAtATime``) instead of making their own.
    """

    def __init__(self, *, versions: int = 2, most: int | None = None, timeout: float = 600) -> None:
        self.versions, self.most = versions, most
        self._values: OrderedDict[tuple[str, Hashable], V] = OrderedDict()
        self._lock = threading.Lock()
        self._once = OneAtATime(timeout=timeout)

    def get(self, version: str, key: Hashable, make: Callable[[], V]) -> V:
        """The value of ``key`` for ``version``, made by ``make()`` the first time."""
        full = (version, key)

        def found() -> V | None:
            return self._values.get(full)

        def made() -> V:
            value = make()
            self._keep(full, value)
            return value

        return self._once.run(full, found, made)

    def _keep(self, full: tuple[str, Hashable], value: V) -> None:
        with self._lock:  # requests run in threads: no one iterates while another inserts
            self._values[full] = value
            seen = list(dict.fromkeys(version for version, _ in self._values))
            for old in seen[: -self.versions]:
                for stale in [k for k in self._values if k[0] == old]:
                    del self._values[stale]
            while self.most is not None and len(self._values) > self.most:
                self._values.popitem(last=False)  # the oldest made goes first

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
