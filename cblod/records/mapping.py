"""What a source format is to cblod: the ``Mapping`` protocol every module in ``mappings/`` is.

A mapping is a module (``mappings/keep_eu_page.py``, …) with three constants and two
functions; mypy checks each module in ``mappings.MODULES`` against this protocol, so a new
format that forgets one, or gives ``read`` another signature, fails the type check rather
than an ingest. A format too large to hold in memory also streams (``StreamingMapping``).
docs/architecture.md walks through adding one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from .model import SourceDocument
from .sourcefile import SourceFile


class Mapping(Protocol):
    #: the format's name, what users pass to ``cblod ingest --format``
    NAME: str
    #: what the format is, for people (error messages, the service description)
    TITLE: str
    #: how authoritative the source is when sources disagree on a fact that rounding does not
    #: explain: a programme's own database outranks an aggregator
    RANK: int

    def detect(self, source: SourceFile) -> bool:
        """True when ``source`` is in this format (cheap: every mapping is asked in turn)."""
        ...

    def read(self, source: SourceFile, *, strict: bool = False) -> SourceDocument:
        """The file's records; a bad one is an ``InputError`` naming the file, record and
        field. A format that leaves bad records out with a warning (the tabular ones) fails
        on the first with ``strict``; one that rejects a bad file whole (a page, a JSON
        export) does so either way."""
        ...


@runtime_checkable
class StreamingMapping(Mapping, Protocol):
    """A bulk format: its records also come in chunks, written as they are read."""

    def read_chunks(self, source: SourceFile, *, strict: bool = False) -> Iterator[SourceDocument]:
        """The records in chunks of bounded size; a chunk's ``progress`` is the share of
        the file read so far, when known."""
        ...
