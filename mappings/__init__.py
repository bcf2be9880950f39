"""Source formats cblod reads: one module per format, each with ``detect`` and ``read``.

A mapping module defines ``NAME`` (the format name users pass to ``--format``), ``TITLE``,
``RANK`` (how authoritative the source is when sources disagree on a fact that rounding does
not explain: a programme's own database outranks an aggregator), ``detect(source) -> bool``
and ``read(source) -> SourceDocument`` (tabular formats also take ``strict=True``: fail
on the first bad row instead of rejecting it with a warning). Adding a format is adding a module to ``MODULES``.
"""

from __future__ import annotations

from types import ModuleType

from cblod.core.errors import UnknownFormatError
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

MODULES: tuple[ModuleType, ...] = (
    curation,
    jems_export,
    keep_eu_api,
    keep_eu_export,
    keep_eu_page,
    centralbaltic,
    interreg_europe,
    tillvaxtverket,
)


def by_name(name: str) -> ModuleType:
    for module in MODULES:
        if name == module.NAME:
            return module
    known = ", ".join(m.NAME for m in MODULES)
    raise UnknownFormatError(f"unknown format {name!r} (known: {known})")


def detect(source: SourceFile) -> ModuleType:
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
