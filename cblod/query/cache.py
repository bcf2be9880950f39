"""Answers to repeated queries, kept per dataset version: the second asker waits for nothing.

Aggregates over the whole dataset (the query page's examples, a portal's dashboard) are asked
again and again and cost seconds each; the data only changes when an ingest publishes a new
snapshot, whose version is part of every key, so a cached answer is never stale. Bounded by
the total size of the answers kept (least recently used first out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from .workers import QueryResponse


class AnswerCache:
    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._answers: OrderedDict[Hashable, QueryResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> QueryResponse | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: Hashable, answer: QueryResponse) -> None:
        """Keep a successful answer (errors and timeouts are asked again)."""
        size = len(answer.body)
        if answer.status != 200 or size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body)
