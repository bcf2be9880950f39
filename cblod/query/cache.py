"""Answers to repeated queries, kept per dataset version: the second asker waits for nothing.

Aggregates over the whole dataset (the query page's examples, a portal's dashboard) are asked
again and again and cost seconds each; the data only changes when an ingest publishes a new
snapshot, whose version is part of every key, so a cached answer is never stale. Bounded by
the total size of the answers kept (least recently used first out).
"""

from __future__ import annotations

from collections.abc import Hashable

from ..lru import SizedCache
from .running import QueryResponse


class AnswerCache(SizedCache[QueryResponse]):
    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        super().__init__(max_bytes, lambda answer: len(answer.body))

    def put(self, key: Hashable, answer: QueryResponse) -> None:
        """Keep a successful answer (errors and timeouts are asked again)."""
        if answer.status == 200:
            super().put(key, answer)
