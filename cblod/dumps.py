"""Dumps of the whole dataset, written as gzip streams with flat memory.

* ``dataset.ttl.gz`` and ``dataset.nt.gz``: the published (consolidated) default graph;
* ``dataset.nq.gz``: every source graph with its name (what each source said), plus the
  published graph as the default graph;
* ``sources/<name>.nt.gz``: one file per source graph.

pyoxigraph writes each graph straight into the gzip stream, so memory does not grow with the
dataset. Files are built in a temporary folder and moved into place, so a reader never sees
half a dump; a set of dumps belongs to one dataset version. A release's dumps are built into
its snapshot (``release_dumps``) with a manifest of their sizes and SHA-256 checksums, which
the DCAT-AP catalogue states (``dcat:byteSize``, ``spdx:checksum``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat

from .published import Dataset
from .values import slugify
from .vocab import PREFIXES

#: gzip level 9 (the default) made dumps ten times slower than writing N-Triples for ~10% less
#: size; level 3 keeps most of the compression at a fraction of the cost (benchmarks/README.md)
GZIP_LEVEL = 3


def _gzip(path: Path) -> IO[bytes]:
    # a GzipFile is a binary file; typeshed types it as a BufferedIOBase, not an IO[bytes]
    return cast(IO[bytes], gzip.open(path, "wb", compresslevel=GZIP_LEVEL))


@dataclass(frozen=True)
class DumpFile:
    name: str  # relative path, e.g. "dataset.nt.gz" or "sources/keep-eu.nt.gz"
    media_type: str
    description: str


def _source_name(graph_iri: str) -> str:
    return f"sources/{slugify(graph_iri.rstrip('/').rsplit('/', 1)[-1])}.nt.gz"


def dump_files(store: Dataset) -> list[DumpFile]:
    files = [
        DumpFile("dataset.ttl.gz", "text/turtle", "The published dataset (consolidated), Turtle"),
        DumpFile("dataset.nt.gz", "application/n-triples", "The published dataset, N-Triples"),
        DumpFile("dataset.nq.gz", "application/n-quads",
                 "Every source graph with its name, and the published graph, N-Quads"),
    ]  # fmt: skip
    files += [
        DumpFile(_source_name(g.value), "application/n-triples", f"What source {g.value} said")
        for g in store.source_graphs()
    ]
    return files


class _InGraph(io.RawIOBase):
    """Writes the N-Triples it is given to ``out`` as N-Quads in ``graph``, line by line as
    they stream: a graph's own dump (whole or an error, on every backend) rather than a
    pattern lookup, which a SPARQL server answers with at most its row cap."""

    def __init__(self, out: IO[bytes], graph: NamedNode) -> None:
        self.out, self.tail, self.rest = out, f" {graph} .\n".encode(), b""

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        lines = (self.rest + bytes(data)).split(b"\n")
        self.rest = lines.pop()
        for line in lines:
            if line.strip():
                # an N-Triples line is one triple and ends " ." (literals escape newlines)
                self.out.write(line.rstrip()[:-1].rstrip() + self.tail)
        return len(data)

    def close(self) -> None:
        if self.rest.strip():
            self.write(b"\n")
        super().close()


def write_dumps(store: Dataset, out_dir: Path) -> list[Path]:
    """Write every dump file into ``out_dir`` (replacing what is there); returns their paths."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=out_dir.parent))
    try:
        (building / "sources").mkdir()
        default = DefaultGraph()
        with _gzip(building / "dataset.ttl.gz") as out:
            store.dump(out, format=RdfFormat.TURTLE, from_graph=default, prefixes=PREFIXES)
        with _gzip(building / "dataset.nt.gz") as out:
            store.dump(out, format=RdfFormat.N_TRIPLES, from_graph=default)
        with _gzip(building / "dataset.nq.gz") as out:
            store.dump(out, format=RdfFormat.N_TRIPLES, from_graph=default)
            for graph in store.source_graphs():
                named = _InGraph(out, graph)
                store.dump(cast(IO[bytes], named), format=RdfFormat.N_TRIPLES, from_graph=graph)
                named.close()
        for graph in store.source_graphs():
            with _gzip(building / _source_name(graph.value)) as out:
                store.dump(out, format=RdfFormat.N_TRIPLES, from_graph=graph)
        if out_dir.exists():
            old = out_dir.with_name(out_dir.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            out_dir.rename(old)
            building.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            building.rename(out_dir)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return [out_dir / f.name for f in dump_files(store)]


#: the folder of a snapshot its release's dumps are built into, and their manifest
RELEASE_DUMPS = "dumps"
MANIFEST = "manifest.json"


def release_dumps(store: Dataset, snapshot: Path) -> Path:
    """The dumps of the release in ``snapshot`` (``store`` reading it), built once, with a
    manifest: {file name: {"bytes": size, "sha256": hex}}. Returns their folder."""
    folder = snapshot / RELEASE_DUMPS
    if (folder / MANIFEST).exists():
        return folder
    paths = write_dumps(store, folder)
    manifest = {
        path.relative_to(folder).as_posix(): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in paths
    }
    partial = folder / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    partial.replace(folder / MANIFEST)
    return folder


def manifest(snapshot: Path) -> dict[str, dict[str, int | str]]:
    """The sizes and checksums of a release's dumps, or {} while they are not built."""
    try:
        found: dict[str, dict[str, int | str]] = json.loads(
            (snapshot / RELEASE_DUMPS / MANIFEST).read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return {}
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
