"""Oxigraph, in published snapshots: one named graph per source and the consolidated default graph.

A store is a folder of snapshots (``cblod.snapshots``), each a complete Oxigraph database with
its search index. An ingest starts from a copy of the published snapshot (``Store.backup``:
hard links, so it costs little whatever the size), writes its sources there with no
transaction in the way (large graphs with ``bulk_extend``), and publishes the snapshot whole.
Readers (the server, its query workers, ``cblod dump``) open published snapshots read-only,
which Oxigraph supports for a database no process writes; they see the old dataset or the new
one, never a mix. ``tests/test_crash.py`` kills real ingests mid-write to check it.

Inside a snapshot, graphs whose IRI starts with ``urn:cblod:internal:`` are cblod's bookkeeping
(identity keys, store metadata) and are not data.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from . import ntriples
from .consolidate import Conflict, Consolidator
from .errors import StoreError
from .identity import Identity
from .ntriples import BULK_THRESHOLD, Triple
from .ontology_terms import functional_properties, published_parents
from .published import (
    DATASET,
    IDENTITY,
    IDENTITY_EVIDENCE,
    IDENTITY_KEY,
    INTERNAL,
    META,
    PublishedReads,
)
from .rdfterms import Engine, GraphName, Subject, Term, lexical
from .snapshots import POINTER, SnapshotFolder, published_snapshot
from .vocab import CBO

if TYPE_CHECKING:
    from .query.workers import QueryRunner

T = TypeVar("T")

DATABASE = "oxigraph"
#: True: write the way cblod did before issue 14 (statements as pyoxigraph quads, every
#: subject of a streamed source re-derived from the store at its end). Kept only as the
#: reference that tests/test_write_path.py compares the present path with, quad for quad.
PREVIOUS_WRITE_PATH = False


@dataclass
class Replacement:
    """What replacing one source graph did to the dataset."""

    triples: int
    subjects: int  # subjects whose published statements were re-derived
    conflicts: list[Conflict]


class CblodStore(PublishedReads):
    """A cblod dataset: its published snapshot, and (when writing) the next one being built.

    ``CblodStore(path, read_only=True)`` reads the published snapshot. A writable handle reads
    the same until its first write, which takes the store's write lock and starts the next
    snapshot; ``publish()`` makes that snapshot the one everybody reads, ``discard()`` drops it.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        # absolute: Flask's send_file and worker processes resolve relative paths elsewhere
        self.path = Path(path).absolute()
        self.read_only = read_only
        self._forget()
        self.folder = SnapshotFolder(self.path)
        if (self.path / "CURRENT").exists() and not (self.path / POINTER).exists():
            raise StoreError(
                f"{self.path} is a bare Oxigraph database (or a store from an older cblod); "
                "ingest into a new folder"
            )
        if not read_only:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create store {self.path}: {exc}") from exc
        self.snapshot = published_snapshot(self.path)
        if self.snapshot is None:
            if read_only:
                raise StoreError(f"no store at {self.path} (run `cblod ingest` first)")
            self._published = Store()  # nothing published yet: reads see an empty dataset
        else:
            self._published = self._open_read_only(self.snapshot)

    def _forget(self) -> None:
        """No snapshot being written, nothing read from the store kept yet."""
        self._work: Store | None = None
        self._work_dir: Path | None = None
        self._rank_cache: dict[str, int] | None = None
        self._base_uri: str | None = None
        #: subjects whose published statements the snapshot being written changed (what a
        #: search index built from the published one has to update)
        self.changed_subjects: set[str] = set()

    @staticmethod
    def _open_read_only(snapshot: Path) -> Store:
        try:
            return Store.read_only(str(snapshot / DATABASE))
        except OSError as exc:
            raise StoreError(f"cannot open snapshot {snapshot}: {exc}") from exc

    @property
    def store(self) -> Engine:
        """The database reads go to: the snapshot being written, else the published one."""
        return self._work if self._work is not None else self._published

    @property
    def writing(self) -> bool:
        """True between the first write and ``publish()`` (or ``discard()``)."""
        return self._work is not None

    @property
    def database_path(self) -> Path | None:
        """The Oxigraph folder reads go to (what query worker processes open)."""
        folder = self.data_dir
        return folder / DATABASE if folder is not None else None

    @property
    def data_dir(self) -> Path | None:
        """The folder of the snapshot reads go to (where its search index lives)."""
        return self._work_dir if self._work is not None else self.snapshot

    # -- writing: one snapshot at a time ---------------------------------------------------

    def begin(self) -> Store:
        """The snapshot being written, started from a copy of the published one if needed."""
        if self.read_only:
            raise StoreError("store is open read-only")
        if self._work is not None:
            return self._work
        self.changed_subjects = set()
        try:
            work_dir = self.folder.start(self.snapshot)
            if self.snapshot is not None:
                self._published.backup(str(work_dir / DATABASE))
            self._work = Store(str(work_dir / DATABASE))
        except OSError as exc:
            self.folder.release()
            raise StoreError(f"cannot start writing to {self.path}: {exc}") from exc
        self._work_dir = work_dir
        return self._work

    def publish(self) -> bool:
        """Make the snapshot being written the published one; False when nothing was written."""
        if self._work is None:
            return False
        work_dir = self._work_dir
        assert work_dir is not None  # set with _work by begin()
        try:
            self._work.flush()
            self._work = None  # closes the database: a published snapshot is never written
            self.folder.publish(work_dir)
        except OSError as exc:
            self.discard()
            raise StoreError(f"could not publish {work_dir}: {exc}") from exc
        self.snapshot = work_dir
        self._published = self._open_read_only(work_dir)
        self._work_dir = None
        self.folder.release()
        return True

    def discard(self) -> None:
        """Drop the snapshot being written; the published one is untouched."""
        work_dir = self._work_dir
        self._forget()
        self.folder.discard(work_dir)
        self.folder.release()

    # -- metadata ------------------------------------------------------------------------

    def set_base_uri(self, base_uri: str) -> None:
        current = self.base_uri
        if current and current != base_uri:
            raise StoreError(
                f"the store's data is published under {current}; a different base URI "
                f"({base_uri}) would change every URI. Use a new store for a new base."
            )
        if not current:
            self.begin().add(Quad(DATASET, CBO.baseURI, Literal(base_uri), META))
            self._base_uri = base_uri

    def _ranks(self) -> dict[str, int]:
        """Source rank of every source graph, read once per store and kept up to date."""
        if self._rank_cache is None:
            self._rank_cache = {}
            for quad in self.store.quads_for_pattern(None, CBO.sourceRank, None, None):
                if quad.graph_name == quad.subject:
                    self._rank_cache[lexical(quad.subject)] = int(lexical(quad.object))
        return self._rank_cache

    def identity(self, base_uri: str) -> Identity:
        """An ``Identity`` loaded with every key this store has registered."""
        registered = {
            lexical(q.object): lexical(q.subject)
            for q in self.store.quads_for_pattern(None, IDENTITY_KEY, None, IDENTITY)
        }
        return Identity(base_uri, registered)

    def replace_source(
        self, graph: NamedNode, triples: list[Triple], identity: Identity
    ) -> Replacement:
        """Make ``triples`` the whole content of ``graph`` in the snapshot being written.

        Readers see the change when the snapshot is published (``publish()``), with the rest
        of the ingest; a failed write discards the snapshot and leaves the published one.

        Only subjects whose published statements can change are re-consolidated: a subject
        this source removes nothing from, and says nothing new about, keeps its published
        statements (a source reinforcing a published value cannot make it lose). The default
        graph is then changed by difference, so shared subjects (a programme, a country) cost
        little however many sources mention them.
        """
        work = self.begin()
        new_by_subject: dict[Subject, list[tuple[NamedNode, Term, GraphName]]] = defaultdict(list)
        for s, p, o in triples:
            new_by_subject[s].append((p, o, graph))
        old_by_subject: dict[Subject, set[tuple[NamedNode, Term]]] = defaultdict(set)
        for q in self.store.quads_for_pattern(None, None, None, graph):
            old_by_subject[q.subject].add((q.predicate, q.object))

        ranks = dict(self._ranks())
        ranks[graph.value] = _rank_in(new_by_subject.get(graph, ()))
        consolidator = Consolidator(functional_properties(), ranks, published_parents())
        conflicts: list[Conflict] = []
        to_add: list[Triple] = []
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
            statements: list[tuple[NamedNode, Term, GraphName]] = [
                (q.predicate, q.object, q.graph_name)
                for q in self.store.quads_for_pattern(subject, None, None, None)
                if isinstance(q.graph_name, NamedNode)
                and q.graph_name != graph
                and not q.graph_name.value.startswith(INTERNAL)
            ]
            statements.extend(new_by_subject.get(subject, ()))
            consolidated, found = consolidator.subject(subject, statements)
            conflicts.extend(found)
            pairs = {(t.predicate, t.object) for t in consolidated}
            if pairs != published and isinstance(subject, NamedNode):
                self.changed_subjects.add(subject.value)
            to_add.extend((subject, p, o) for p, o in pairs - published)
            to_remove.extend(Quad(subject, p, o) for p, o in published - pairs)

        try:
            # nobody reads the snapshot being written, so no transaction is needed: large
            # graphs go through the bulk loader, which writes files directly
            if any(True for _ in work.quads_for_pattern(None, None, None, graph)):
                work.remove_graph(graph)
            _write(work, triples, graph, bulk=False)
            for quad in to_remove:
                work.remove(quad)
            _write(work, to_add, DefaultGraph(), bulk=False)
            self._keys_and_version(identity)
        except OSError as exc:
            self.discard()
            raise StoreError(f"could not write {graph.value}: {exc}") from exc
        self._ranks()[graph.value] = ranks[graph.value]
        return Replacement(len(triples), changed, conflicts)

    def stream_source(self, graph: NamedNode) -> SourceWriter:
        """A writer for a source too large to hold in memory: chunks in, then ``finish``."""
        return SourceWriter(self, graph)

    def _rederive(self, subjects: Iterable[Subject], ranks: dict[str, int]) -> Rederived:
        """Re-consolidate ``subjects`` from every source graph, in bounded batches."""
        work = self.begin()
        consolidator = Consolidator(functional_properties(), ranks, published_parents())
        done = Rederived(set(), {})
        to_add: list[Triple] = []
        for subject in subjects:
            added, removed = self._derive(work, consolidator, subject, [], done)
            for p, o in removed:
                work.remove(Quad(subject, p, o))
            to_add.extend((subject, p, o) for p, o in added)
            if len(to_add) >= BULK_THRESHOLD:
                _write(work, to_add, DefaultGraph(), bulk=True)
                to_add = []
        _write(work, to_add, DefaultGraph(), bulk=True)
        return done

    def _derive(
        self,
        work: Store,
        consolidator: Consolidator,
        subject: Subject,
        said: list[tuple[NamedNode, Term, GraphName]],
        done: Rederived,
    ) -> tuple[set[tuple[NamedNode, Term]], set[tuple[NamedNode, Term]]]:
        """What ``subject``'s published statements gain and lose, consolidated from what the
        store's source graphs say of it and ``said`` (statements not written yet); the
        change and its conflicts are recorded in ``done``."""
        published: set[tuple[NamedNode, Term]] = set()
        statements = list(said)
        for q in work.quads_for_pattern(subject, None, None, None):  # one pass, both kinds
            graph = q.graph_name
            if isinstance(graph, DefaultGraph):
                published.add((q.predicate, q.object))
            elif not graph.value.startswith(INTERNAL):
                statements.append((q.predicate, q.object, graph))
        consolidated, found = consolidator.subject(subject, statements)
        if found:
            done.conflicts[subject] = found
        pairs = {(t.predicate, t.object) for t in consolidated}
        if pairs != published:
            done.changed.add(subject)
            if isinstance(subject, NamedNode):  # what the search index holds: IRIs
                self.changed_subjects.add(subject.value)
        return pairs - published, published - pairs

    def _keys_and_version(self, identity: Identity) -> None:
        """Write the identity keys this source registered, and a new dataset version."""
        work = self.begin()
        work.extend(self._identity_quads(identity))
        identity.new_keys.clear()
        identity.new_evidence.clear()
        for quad in list(work.quads_for_pattern(DATASET, CBO.version, None, META)):
            work.remove(quad)
        work.add(Quad(DATASET, CBO.version, Literal(str(uuid.uuid4())), META))

    @staticmethod
    def _identity_quads(identity: Identity) -> list[Quad]:
        keys = [
            Quad(NamedNode(iri), IDENTITY_KEY, Literal(key), IDENTITY)
            for key, iri in sorted(identity.new_keys.items())
        ]
        return keys + [
            Quad(NamedNode(iri), IDENTITY_EVIDENCE, Literal(text), IDENTITY)
            for iri, text in identity.new_evidence
        ]

    def apply_aliases(
        self, aliases: dict[str, str], identity: Identity, *, keep: NamedNode
    ) -> list[str]:
        """Make every source graph that names a merged IRI name its survivor instead.

        A curated same-as reaches sources ingested before it without re-reading their
        files. Participations are named after their organisation, so theirs follow, and the
        old participation IRIs are registered as aliases too (they redirect). ``keep`` (the
        curation graph, which states the merge) is left as it is. Returns the graphs changed.
        """
        if not aliases:
            return []
        participations = {}
        for merged, survivor in aliases.items():
            old, new = (identity.key_of(i).replace("/", "-") for i in (merged, survivor))
            participations[f"/{old}"] = f"/{new}"
        prefix = identity.iri("participation", "").value

        def renamed(term: T) -> T | NamedNode:
            if not isinstance(term, NamedNode):
                return term
            if term.value in aliases:
                return NamedNode(aliases[term.value])
            if term.value.startswith(prefix):
                for old, new in participations.items():
                    if term.value.endswith(old):
                        survivor = term.value[: -len(old)] + new
                        identity.merge(
                            survivor, term.value, "participation of a merged organisation"
                        )
                        return NamedNode(survivor)
            return term

        graphs = set()
        for merged in aliases:
            node = NamedNode(merged)
            for quad in self.store.quads_for_pattern(node, None, None, None):
                graphs.add(quad.graph_name)
            for quad in self.store.quads_for_pattern(None, None, node, None):
                graphs.add(quad.graph_name)
        changed = sorted(
            g.value
            for g in graphs
            if isinstance(g, NamedNode) and g != keep and not g.value.startswith(INTERNAL)
        )
        for graph in map(NamedNode, changed):
            triples = [
                (renamed(q.subject), q.predicate, renamed(q.object))
                for q in self.store.quads_for_pattern(None, None, None, graph)
            ]
            self.replace_source(graph, list(dict.fromkeys(triples)), identity)
        return changed

    # -- following the published snapshot, answering the endpoint -------------------------

    def latest(self) -> CblodStore:
        """This handle while it writes or reads the published snapshot, else a new read-only
        handle on the snapshot published since (a server follows ingests this way)."""
        if self.writing:
            return self
        published = published_snapshot(self.path)
        if published is None or published == self.snapshot:
            return self
        return CblodStore(self.path, read_only=True)

    def earlier_snapshot(self, version: str) -> Store | None:
        """A snapshot published before this one and still on disk whose dataset version is
        ``version``, opened read-only (a push sends only what changed since); None once pruned.
        """
        if self.snapshot is None:
            return None
        current = int(self.snapshot.name[1:])
        for folder in reversed(self.folder.snapshots()):
            if int(folder.name[1:]) >= current:
                continue  # this one, or one an ingest is writing now
            try:
                store = self._open_read_only(folder)
            except StoreError:
                continue
            for quad in store.quads_for_pattern(DATASET, CBO.version, None, META):
                if lexical(quad.object) == version:
                    return store
        return None

    def query_runner(self, *, workers: int, timeout: float) -> QueryRunner:
        """Killable worker processes, each reading the published snapshot."""
        from .query.workers import QueryPool

        return QueryPool(size=workers, timeout=timeout)


class SourceWriter:
    """One large source graph, written chunk by chunk into the snapshot being built.

    The old graph goes first; each chunk is written through the bulk loader as it comes,
    while the next is read (``ntriples.BackgroundLoader``). A subject is consolidated when
    the first chunk that speaks of it arrives, from that chunk's statements and what the
    store's other graphs say of it, and its published statements are written with the
    chunk: at bulk scale nearly every project and participation is said by one chunk, so
    they are read back from the store only as far as other sources speak of them. Subjects
    a later chunk speaks of again (an organisation in many projects), and subjects of the
    old graph the new one no longer mentions, are re-derived by ``finish``, which also
    corrects what was published early. Only the sets of subjects are kept in memory.
    ``abort`` (a bad record in strict mode, a failed write) puts back the graph of the
    published snapshot, so the source is replaced whole or not at all, like one written by
    ``replace_source``.
    """

    def __init__(self, store: CblodStore, graph: NamedNode) -> None:
        self.store, self.graph = store, graph
        work = store.begin()
        self.old = {q.subject for q in work.quads_for_pattern(None, None, None, graph)}
        if self.old:
            work.remove_graph(graph)
        self.seen: set[Subject] = set()  # subjects the chunks so far spoke of
        self.again: set[Subject] = set()  # ... and those more than one spoke of
        self.early = Rederived(set(), {})  # what consolidating at each chunk found
        self.loader = ntriples.BackgroundLoader(work)
        self.triples = 0
        self.rank = 0

    def add(self, triples: list[Triple]) -> None:
        work = self.store.begin()
        by_subject: dict[Subject, list[tuple[NamedNode, Term, GraphName]]] = defaultdict(list)
        for s, p, o in triples:
            by_subject[s].append((p, o, self.graph))
        if self.graph in by_subject:
            self.rank = _rank_in(by_subject[self.graph]) or self.rank
        ranks = dict(self.store._ranks())
        ranks[self.graph.value] = self.rank
        consolidator = Consolidator(functional_properties(), ranks, published_parents())
        published: list[Triple] = []
        unpublished: list[Quad] = []
        for subject, said in by_subject.items():
            if subject in self.seen or PREVIOUS_WRITE_PATH:
                self.again.add(subject)
                self.seen.add(subject)
                continue
            self.seen.add(subject)
            # reads only what no pending load writes: this subject's earlier statements are
            # in other graphs, or in the published default graph (old or from other sources)
            added, removed = self.store._derive(work, consolidator, subject, said, self.early)
            published.extend((subject, p, o) for p, o in added)
            unpublished.extend(Quad(subject, p, o) for p, o in removed)
        with self._writing():
            if PREVIOUS_WRITE_PATH:
                _write(work, triples, self.graph, bulk=True)
            else:
                self.loader.wait()  # no removal while a bulk load runs (Oxigraph's warning)
                for quad in unpublished:
                    work.remove(quad)
                self.loader.load({self.graph: triples, DefaultGraph(): published})
        self.triples += len(triples)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A failed write (a full disk) drops the snapshot being written: a clear error."""
        try:
            yield
        except OSError as exc:
            self.loader.close()
            self.store.discard()
            raise StoreError(f"could not write {self.graph.value}: {exc}") from exc

    def finish(self, identity: Identity) -> Replacement:
        with self._writing():
            self.loader.close()  # what finish reads back must be written
        ranks = dict(self.store._ranks())
        ranks[self.graph.value] = self.rank
        rederive = self.again | (self.old - self.seen)
        late = self.store._rederive(sorted(rederive, key=str), ranks)
        self.store._keys_and_version(identity)
        self.store._ranks()[self.graph.value] = self.rank
        conflicts = {s: c for s, c in self.early.conflicts.items() if s not in rederive}
        conflicts.update(late.conflicts)
        return Replacement(
            self.triples,
            len(self.early.changed | late.changed),
            [c for s in sorted(conflicts, key=str) for c in conflicts[s]],
        )

    def abort(self) -> None:
        """Back to the published snapshot's version of this graph (or none)."""
        with self._writing():
            self.loader.close()
        work = self.store.begin()
        work.remove_graph(self.graph)
        if self.store.snapshot is not None:
            old = list(self.store._published.quads_for_pattern(None, None, None, self.graph))
            work.bulk_extend(old)
        self.store._rederive(sorted(self.old | self.seen, key=str), self.store._ranks())


class Rederived(NamedTuple):
    """Subjects whose published statements changed, and the conflicts found, by subject."""

    changed: set[Subject]
    conflicts: dict[Subject, list[Conflict]]


def _rank_in(record: Iterable[tuple[NamedNode, Term, GraphName]]) -> int:
    """The source rank a source record states (0 when it states none)."""
    return next((int(lexical(o)) for p, o, _ in record if p == CBO.sourceRank), 0)


def _write(store: Store, triples: list[Triple], graph: GraphName, *, bulk: bool) -> None:
    """Write statements the present way (text, ``cblod.ntriples``) or the previous one."""
    if not PREVIOUS_WRITE_PATH:
        ntriples.write(store, triples, graph, bulk=bulk)
    elif triples:
        quads = [Quad(s, p, o, graph) for s, p, o in triples]
        (store.bulk_extend if bulk or len(quads) > BULK_THRESHOLD else store.extend)(quads)
