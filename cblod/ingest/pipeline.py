"""Files in, one whole named graph per source out, through the store's one writer.

Each file is read by its mapping, given URIs and emitted into the next snapshot of the store
(``write_sources``, through ``cblod.ingest.writer``): a bad file is reported (file, record,
field) and leaves its previous graph untouched, while the other files still go in. Publishing
the snapshot with what it derives is ``cblod.publish.ingest``'s, so readers see the whole run or
none of it. An unchanged file (same SHA-256) is skipped, so ingesting the same file twice
changes nothing, not even its ingest time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from .. import mappings
from ..core.errors import CblodError, InputError, StoreError
from ..records.mapping import Mapping, StreamingMapping
from ..records.sourcefile import SourceFile
from .consolidate import Conflict
from .emit import emit
from .writer import SnapshotWriter

log = logging.getLogger(__name__)

DEFAULT_BASE_URI = "http://127.0.0.1:5000/"


@dataclass
class SourceReport:
    """What happened to one input file."""

    path: str
    status: str  # "ingested", "unchanged" or "failed"
    format: str | None = None
    graph: str | None = None
    records: int = 0
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    error: CblodError | None = None


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named, and the files in folders named (sorted, hidden ones skipped)."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


def write_sources(
    paths: Iterable[str | Path],
    writer: SnapshotWriter,
    *,
    format: str | None = None,
    strict: bool = False,
    on_source: Callable[[SourceReport], None] | None = None,
    on_chunk: Callable[[str, int, float | None], None] | None = None,
) -> list[SourceReport]:
    """Write every file under ``paths`` through ``writer``; one report per file.

    ``on_source`` hears of each file as it is done; ``on_chunk`` of each chunk of a streamed
    bulk file (path, records so far, share of the file read if known). A rejected file's
    identity keys are dropped with it; a failed write (``StoreError``) ends the run, with
    nothing of it published.
    """
    forced = mappings.by_name(format) if format else None
    reports = []
    # curation tables first: their decisions hold for the sources ingested with them
    for path in sorted(expand(paths), key=lambda p: not _is_curation(p)):
        try:
            report = _ingest_one(path, writer, forced, strict, on_chunk)
        except StoreError:
            raise  # the snapshot being written is gone: nothing of this run is published
        except CblodError as exc:
            report = SourceReport(str(path), "failed", error=exc)
            writer.drop_source()  # forget keys the rejected source registered
        reports.append(report)
        if on_source:
            on_source(report)
    return reports


def _is_curation(path: Path) -> bool:
    """A cheap look at the first line (the whole file is read once, later)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return mappings.curation.detect(SourceFile(path, head))


def _ingest_one(
    path: Path,
    writer: SnapshotWriter,
    forced: Mapping | None,
    strict: bool,
    on_chunk: Callable[[str, int, float | None], None] | None = None,
) -> SourceReport:
    source = SourceFile.read(path)
    mapping = forced or mappings.detect(source)
    identity = writer.identity
    graph = identity.source(source.path.name)
    if writer.source_unchanged(graph, source.sha256):
        return SourceReport(str(path), "unchanged", mapping.NAME, graph.value)
    if forced and not forced.detect(source):
        raise InputError(f"file does not look like a {forced.TITLE}", file=str(path))
    record: dict[str, Any] = {
        "sha256": source.sha256,
        "rank": mapping.RANK,
        "ingested": writer.clock(),
    }
    if isinstance(mapping, StreamingMapping):
        return _stream_one(source, mapping, writer, graph, strict, record, on_chunk)
    with _mapping_errors(mapping, path):
        doc = mapping.read(source, strict=strict)
    emitter = emit(doc, identity, graph, places=writer.places, **record)
    aliases = identity.new_merges()
    replacement = writer.replace_source(graph, emitter.triples)
    rewritten = writer.apply_aliases(aliases, keep=graph)
    if rewritten:
        emitter.warnings.append(
            f"curated merges applied to {len(rewritten)} source graph(s) already in the store"
        )
    return SourceReport(
        str(path),
        "ingested",
        mapping.NAME,
        graph.value,
        records=len(doc.projects) + len(doc.organisations),
        triples=replacement.triples,
        warnings=doc.warnings + emitter.warnings,
        conflicts=replacement.conflicts,
    )


@contextmanager
def _mapping_errors(mapping: Mapping, path: Path) -> Iterator[None]:
    """Mapping errors located at the file; a mapping bug a clear error, never a traceback."""
    try:
        yield
    except InputError as exc:
        raise exc.located(file=str(path)) from exc
    except CblodError:
        raise
    except Exception as exc:
        log.debug("mapping %s failed on %s", mapping.NAME, path, exc_info=True)
        raise InputError(
            f"{mapping.NAME} could not read this file ({type(exc).__name__}: {exc}); "
            "please report it with the file",
            file=str(path),
        ) from exc


def _stream_one(
    source: SourceFile,
    mapping: StreamingMapping,
    writer: SnapshotWriter,
    graph: NamedNode,
    strict: bool,
    record: dict[str, Any],
    on_chunk: Callable[[str, int, float | None], None] | None = None,
) -> SourceReport:
    """A bulk file, chunk by chunk: records are read, emitted and written as they stream."""
    identity = writer.identity
    source_writer = writer.stream_source(graph)
    records, warnings = 0, []
    try:
        with _mapping_errors(mapping, source.path):
            for n, chunk in enumerate(mapping.read_chunks(source, strict=strict)):
                emitter = emit(
                    chunk, identity, graph, with_record=n == 0, places=writer.places, **record
                )
                source_writer.add(emitter.triples)
                records += len(chunk.projects) + len(chunk.organisations)
                warnings += chunk.warnings + emitter.warnings
                if on_chunk:
                    on_chunk(str(source.path), records, chunk.progress)
    except StoreError:
        raise  # the snapshot being written is gone already
    except CblodError:
        source_writer.abort()
        raise
    replacement = source_writer.finish()
    return SourceReport(
        str(source.path),
        "ingested",
        mapping.NAME,
        graph.value,
        records=records,
        triples=replacement.triples,
        warnings=warnings,
        conflicts=replacement.conflicts,
    )
