"""Oxigraph: one named graph per source, replaced atomically, and the consolidated default graph.

Replacing a source is two steps. First its new quads, and the published statements that
change because of them, are written to private staging graphs (with ``bulk_extend`` when the
source is large: staging needs no transaction). Then one SPARQL Update, which Oxigraph runs as
a single transaction, moves the staged source graph into place, applies the changes to the
published default graph, registers new identity keys and bumps the dataset version. A reader
(or a crash) sees the old dataset or the new one, never a mix: ``tests/test_crash.py`` kills
real ingests mid-write to check it. Staging graphs a crash leaves behind are dropped on the
next open.

Graphs whose IRI starts with ``urn:cblod:internal:`` are cblod's bookkeeping (identity keys,
store metadata, staging) and are not data.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from .consolidate import Conflict, Consolidator
from .errors import StoreError
from .identity import Identity
from .ontology_terms import functional_properties
from .vocab import CBO

INTERNAL = "urn:cblod:internal:"
META = NamedNode(INTERNAL + "meta")
IDENTITY = NamedNode(INTERNAL + "identity")
DATASET = NamedNode(INTERNAL + "dataset")
IDENTITY_KEY = CBO.identityKey
IDENTITY_EVIDENCE = CBO.identityEvidence
#: sources with more quads than this are staged with bulk_extend (benchmarks/README.md)
BULK_THRESHOLD = 20_000


@dataclass
class Replacement:
    """What replacing one source graph did to the dataset."""

    triples: int
    subjects: int  # subjects whose published statements were re-derived
    conflicts: list[Conflict]


class CblodStore:
    """A cblod dataset in an on-disk Oxigraph store."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        try:
            if read_only:
                if not self.path.exists():
                    raise StoreError(f"no store at {self.path} (run `cblod ingest` first)")
                self.store = Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.store = Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        self.read_only = read_only
        self._rank_cache: dict[str, int] | None = None
        if not read_only:
            self._drop_staging()

    # -- metadata ------------------------------------------------------------------------

    def _meta(self, predicate: NamedNode) -> str | None:
        for quad in self.store.quads_for_pattern(DATASET, predicate, None, META):
            return quad.object.value
        return None

    @property
    def base_uri(self) -> str | None:
        """The public base URI the data was minted under (kept in the store)."""
        return self._meta(CBO.baseURI)

    def set_base_uri(self, base_uri: str) -> None:
        current = self.base_uri
        if current and current != base_uri:
            raise StoreError(
                f"the store's data is published under {current}; a different base URI "
                f"({base_uri}) would change every URI. Use a new store for a new base."
            )
        if not current:
            self.store.extend([Quad(DATASET, CBO.baseURI, Literal(base_uri), META)])

    @property
    def version(self) -> str:
        """Changes whenever any source graph is replaced (for ETags)."""
        return self._meta(CBO.version) or "empty"

    # -- sources -------------------------------------------------------------------------

    def source_graphs(self) -> list[NamedNode]:
        return sorted(
            (
                g
                for g in self.store.named_graphs()
                if isinstance(g, NamedNode) and not g.value.startswith(INTERNAL)
            ),
            key=lambda g: g.value,
        )

    def source_property(self, graph: NamedNode, predicate: NamedNode) -> str | None:
        for quad in self.store.quads_for_pattern(graph, predicate, None, graph):
            return quad.object.value
        return None

    def _ranks(self) -> dict[str, int]:
        """Source rank of every source graph, read once per store and kept up to date."""
        if self._rank_cache is None:
            self._rank_cache = {}
            for quad in self.store.quads_for_pattern(None, CBO.sourceRank, None, None):
                if quad.graph_name == quad.subject:
                    self._rank_cache[quad.subject.value] = int(quad.object.value)
        return self._rank_cache

    def identity(self, base_uri: str) -> Identity:
        """An ``Identity`` loaded with every key this store has registered."""
        registered = {
            q.object.value: q.subject.value
            for q in self.store.quads_for_pattern(None, IDENTITY_KEY, None, IDENTITY)
        }
        return Identity(base_uri, registered)

    def replace_source(
        self, graph: NamedNode, quads: list[Quad], identity: Identity
    ) -> Replacement:
        """Make ``quads`` the whole content of ``graph``, atomically, and re-consolidate.

        Only subjects whose published statements can change are re-consolidated: a subject
        this source removes nothing from, and says nothing new about, keeps its published
        statements (a source reinforcing a published value cannot make it lose). The default
        graph is then changed by difference, so shared subjects (a programme, a country) cost
        little however many sources mention them.
        """
        if self.read_only:
            raise StoreError("store is open read-only")
        staging = NamedNode(f"{INTERNAL}staging:{uuid.uuid4()}")
        additions = NamedNode(f"{staging.value}:additions")
        new_by_subject: dict = defaultdict(list)
        for q in quads:
            new_by_subject[q.subject].append((q.predicate, q.object, graph))
        old_by_subject: dict = defaultdict(set)
        for q in self.store.quads_for_pattern(None, None, None, graph):
            old_by_subject[q.subject].add((q.predicate, q.object))

        ranks = dict(self._ranks())
        ranks[graph.value] = next(
            (int(q.object.value) for q in quads if q.predicate == CBO.sourceRank), 0
        )
        consolidator = Consolidator(functional_properties(), ranks)
        conflicts: list[Conflict] = []
        to_add: list[Quad] = []
        to_remove: list[Quad] = []
        changed = 0
        for subject in set(new_by_subject) | set(old_by_subject):
            new = {(p, o) for p, o, _ in new_by_subject.get(subject, ())}
            published = {
                (q.predicate, q.object)
                for q in self.store.quads_for_pattern(subject, None, None, DefaultGraph())
            }
            if old_by_subject.get(subject, set()) <= new and new <= published:
                continue
            changed += 1
            statements = [
                (q.predicate, q.object, q.graph_name)
                for q in self.store.quads_for_pattern(subject, None, None, None)
                if isinstance(q.graph_name, NamedNode)
                and q.graph_name != graph
                and not q.graph_name.value.startswith(INTERNAL)
            ]
            statements.extend(new_by_subject.get(subject, ()))
            triples, found = consolidator.subject(subject, statements)
            conflicts.extend(found)
            consolidated = {(t.predicate, t.object) for t in triples}
            to_add.extend(Quad(subject, p, o, additions) for p, o in consolidated - published)
            to_remove.extend(Quad(subject, p, o) for p, o in published - consolidated)

        try:
            # staging graphs are private (and dropped on the next open after a crash), so they
            # need no transaction: large ones go through bulk_extend, which writes files
            # directly instead of holding a transaction in memory
            write = self.store.bulk_extend if len(quads) > BULK_THRESHOLD else self.store.extend
            write(Quad(q.subject, q.predicate, q.object, staging) for q in quads)
            write(to_add)
            self.store.update(self._swap(graph, staging, additions, to_remove, identity))
        except (OSError, SyntaxError) as exc:
            self._drop_staging()
            raise StoreError(f"could not write {graph.value}: {exc}") from exc
        identity.new_keys.clear()
        identity.new_evidence.clear()
        self._ranks()[graph.value] = ranks[graph.value]
        return Replacement(len(quads), changed, conflicts)

    def _swap(self, graph, staging, additions, to_remove: list[Quad], identity: Identity) -> str:
        keys = "\n".join(
            f"<{iri}> <{IDENTITY_KEY.value}> {Literal(key)} ."
            for key, iri in sorted(identity.new_keys.items())
        )
        keys += "\n" + "\n".join(
            f"<{iri}> <{IDENTITY_EVIDENCE.value}> {Literal(text)} ."
            for iri, text in identity.new_evidence
        )
        removals = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in to_remove)
        version = Literal(str(uuid.uuid4()))
        return f"""
        DROP SILENT GRAPH {graph};
        ADD SILENT {staging} TO {graph};
        DROP SILENT GRAPH {staging};
        DELETE DATA {{ {removals} }};
        ADD SILENT {additions} TO DEFAULT;
        DROP SILENT GRAPH {additions};
        INSERT DATA {{ GRAPH {IDENTITY} {{ {keys} }} }};
        DELETE WHERE {{ GRAPH {META} {{ {DATASET} {CBO.version} ?v }} }};
        INSERT DATA {{ GRAPH {META} {{ {DATASET} {CBO.version} {version} }} }}
        """

    def _drop_staging(self) -> None:
        for graph in list(self.store.named_graphs()):
            if isinstance(graph, NamedNode) and graph.value.startswith(INTERNAL + "staging:"):
                self.store.remove_graph(graph)

    # -- reading -------------------------------------------------------------------------

    def query(self, sparql: str, **options):
        return self.store.query(sparql, **options)

    def mentions(self, iri: NamedNode) -> bool:
        """True when the published graph says anything about ``iri`` or links to it."""
        graph = DefaultGraph()
        return any(True for _ in self.store.quads_for_pattern(iri, None, None, graph)) or any(
            True for _ in self.store.quads_for_pattern(None, None, iri, graph)
        )

    def default_graph_quads(self) -> Iterable[Quad]:
        return self.store.quads_for_pattern(None, None, None, DefaultGraph())

    def flush(self) -> None:
        if not self.read_only:
            self.store.flush()
