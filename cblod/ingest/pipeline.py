"""``cblod.ingest.pipeline(paths, store=...)``: files in, one whole named graph per source out.

Each file is read by its mapping, given URIs and emitted into the next snapshot of the store
(``cblod.backends.store``): a bad file is reported (file, record, field) and leaves its previous graph
untouched, while the other files still go in. The snapshot, with its search index, is
published once at the end, so readers see the whole run or none of it. An unchanged file
(same SHA-256) is skipped, so ingesting the same file twice changes nothing, not even its
ingest time.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from pyoxigraph import NamedNode

from .. import collector, mappings  # type: ignore[attr-defined]  # mappings/ installs as cblod.mappings (setup.py); mypy checks it as `mappings`
from ..backends.store import CblodStore
from ..core.errors import CblodError, InputError, StoreError
from ..core.vocab import CBO
from ..derived.release import derive
from ..derived.search import build_index
from ..records.sourcefile import SourceFile
from .consolidate import Conflict
from .emit import emit
from .identity import Identity

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


def ingest(
    paths: Iterable[str | Path],
    *,
    store: CblodStore,
    base_uri: str | None = None,
    format: str | None = None,
    strict: bool = False,
    on_source: Callable[[SourceReport], None] | None = None,
    on_chunk: Callable[[str, int, float | None], None] | None = None,
    keep: bool = True,
) -> list[SourceReport]:
    """Ingest every file under ``paths`` into ``store``; one report per file.

    ``on_source`` hears of each file as it is done; ``on_chunk`` of each chunk of a streamed
    bulk file (path, records so far, share of the file read if known). ``keep``: compute the
    answers kept with the new snapshot (``cblod.derived.kept``) and build its release's dumps
    (``dumps.release_dumps``) before it is published (``derive_release``).
    """
    base = base_uri or store.base_uri or DEFAULT_BASE_URI
    if not base.endswith("/"):
        base += "/"
    store.set_base_uri(base)
    forced = mappings.by_name(format) if format else None
    with collector.paused():
        reports = _ingest_all(paths, store, base, forced, strict, on_source, on_chunk)
    if store.writer is not None:
        build_index(store, since=store.snapshot, changed=store.writer.changed_subjects)
        # a release is published whole: its dumps, kept answers and indexes are made before
        # the published pointer moves, so no request waits for one or sees another release's
        store.publish(derive=derive_release if keep else None)
    return reports


def derive_release(sealed: CblodStore) -> None:
    """What a release derives, into its sealed snapshot (``sealed`` reads it), before the
    published pointer moves (``cblod.derived.release``)."""
    derive(sealed)


def _ingest_all(
    paths: Iterable[str | Path],
    store: CblodStore,
    base: str,
    forced: ModuleType | None,
    strict: bool,
    on_source: Callable[[SourceReport], None] | None,
    on_chunk: Callable[[str, int, float | None], None] | None,
) -> list[SourceReport]:
    identity = store.identity(base)
    reports = []
    # curation tables first: their decisions hold for the sources ingested with them
    for path in sorted(expand(paths), key=lambda p: not _is_curation(p)):
        try:
            report = _ingest_one(path, store, identity, forced, strict, on_chunk)
        except StoreError:
            raise  # the snapshot being written is gone: nothing of this run is published
        except CblodError as exc:
            report = SourceReport(str(path), "failed", error=exc)
            identity = store.identity(base)  # forget keys the rejected source registered
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
    store: CblodStore,
    identity: Identity,
    forced: ModuleType | None,
    strict: bool,
    on_chunk: Callable[[str, int, float | None], None] | None = None,
) -> SourceReport:
    source = SourceFile.read(path)
    mapping = forced or mappings.detect(source)
    graph = identity.source(source.path.name)
    if store.source_property(graph, CBO.sha256) == source.sha256:
        return SourceReport(str(path), "unchanged", mapping.NAME, graph.value)
    if forced and not forced.detect(source):
        raise InputError(f"file does not look like a {forced.TITLE}", file=str(path))
    record = {"sha256": source.sha256, "rank": mapping.RANK, "ingested": datetime.now(UTC)}
    if hasattr(mapping, "read_chunks"):
        return _stream_one(source, mapping, store, identity, graph, strict, record, on_chunk)
    with _mapping_errors(mapping, path):
        takes_strict = "strict" in inspect.signature(mapping.read).parameters
        doc = mapping.read(source, strict=strict) if takes_strict else mapping.read(source)
    emitter = emit(doc, identity, graph, **record)
    aliases = identity.new_merges()
    writer = store.begin()
    replacement = writer.replace_source(graph, emitter.triples, identity)
    rewritten = writer.apply_aliases(aliases, identity, keep=graph)
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
def _mapping_errors(mapping: ModuleType, path: Path) -> Iterator[None]:
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
    mapping: ModuleType,
    store: CblodStore,
    identity: Identity,
    graph: NamedNode,
    strict: bool,
    record: dict[str, Any],
    on_chunk: Callable[[str, int, float | None], None] | None = None,
) -> SourceReport:
    """A bulk file, chunk by chunk: records are read, emitted and written as they stream."""
    writer = store.begin().stream_source(graph)
    records, warnings = 0, []
    try:
        with _mapping_errors(mapping, source.path):
            for n, chunk in enumerate(mapping.read_chunks(source, strict=strict)):
                emitter = emit(chunk, identity, graph, with_record=n == 0, **record)
                writer.add(emitter.triples)
                records += len(chunk.projects) + len(chunk.organisations)
                warnings += chunk.warnings + emitter.warnings
                if on_chunk:
                    on_chunk(str(source.path), records, chunk.progress)
    except StoreError:
        raise  # the snapshot being written is gone already
    except CblodError:
        writer.abort()
        raise
    replacement = writer.finish(identity)
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
