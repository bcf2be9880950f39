"""Source formats cblod reads: one module per format, each a ``Mapping``.

A mapping module defines ``NAME`` (the format name users pass to ``--format``), ``TITLE``,
``RANK``, ``detect(source) -> bool`` and ``read(source, *, strict=False) -> SourceDocument``;
a bulk format also ``read_chunks`` (``cblod.records.mapping``, which mypy checks every module
of ``MODULES`` against). Adding a format is adding a module to ``MODULES``
(docs/architecture.md).
"""

from __future__ import annotations

from cblod.core.errors import UnknownFormatError
from cblod.records.mapping import Mapping
from cblod.records.sourcefile import SourceFile

from . import (
    centralbaltic,
    curation,
    interreg_europe,
    jems_export,
    keep_eu_api,
    keep_eu_export,
    keep_eu_page,
    tillvaxtverket,
)

MODULES: tuple[Mapping, ...] = (
    curation,
    jems_export,
    keep_eu_api,
    keep_eu_export,
    keep_eu_page,
    centralbaltic,
    interreg_europe,
    tillvaxtverket,
)


def by_name(name: str) -> Mapping:
    for module in MODULES:
        if name == module.NAME:
            return module
    known = ", ".join(m.NAME for m in MODULES)
    raise UnknownFormatError(f"unknown format {name!r} (known: {known})")


def detect(source: SourceFile) -> Mapping:
    """The one mapping that recognises the file; an error if none does."""
    for module in MODULES:
        if module.detect(source):
            return module
    if source.text is None:
        raise UnknownFormatError(
            "not a recognised source: binary data or not UTF-8 text", file=source.name
        )
    raise UnknownFormatError(
        "not a recognised source format (known: " + ", ".join(m.NAME for m in MODULES) + ")",
        file=source.name,
    )
