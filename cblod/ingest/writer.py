"""The one writer of a store: the snapshot being written and the identity registry.

A ``SnapshotWriter`` is opened on a read handle (``SnapshotWriter(store, base_uri)``). It loads
the registry of the keys the store's identity graph holds (``identity``: what the mapping's
records are minted against; registry identifiers' keys, one per identifier, are looked up one
at a time, ``StoredKeys``) and, at its first write, begins the next snapshot
(``cblod.backends.draft``). Everything an ingest does to the data goes through it: a source
graph replaced whole (``replace_source``) or streamed in chunks (``stream_source``), the
published default graph re-derived for the subjects a source changed, curated merges carried
into the graphs ingested before them (``apply_aliases``), identity keys and the dataset's
version. The keys a source's records registered are pending until its graph is written with
them; a rejected source is dropped by discarding them (``drop_source``), and the registry is
never rebuilt. Nobody reads the draft until it is published (``publish``), so writes need no
transaction (large batches go through Oxigraph's bulk loader, ``cblod.core.ntriples``). A
failed write (a full disk) discards the draft and raises ``StoreError``: the published
snapshot is untouched.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from ..backends.draft import Clock, Derive, Draft, now
from ..backends.releases import KINDS
from ..backends.store import CblodStore
from ..core import ntriples
from ..core.errors import StoreError
from ..core.graphs import (
    DATASET,
    IDENTIFIER_KEY,
    IDENTITY,
    IDENTITY_EVIDENCE,
    IDENTITY_KEY,
    IDENTITY_LAYOUT,
    INTERNAL,
    META,
)
from ..core.ntriples import BULK_THRESHOLD, Triple
from ..core.ontology_terms import functional_properties, published_parents
from ..core.rdfterms import GraphName, Subject, Term, lexical
from ..core.vocab import CBO, RDF
from .consolidate import Conflict, Consolidator
from .identity import Identity, looked_up

if TYPE_CHECKING:
    from ..records.supplied import SuppliedPlaces

T = TypeVar("T")


@dataclass
class Replacement:
    """What replacing one source graph did to the dataset."""

    triples: int
    subjects: int  # subjects whose published statements were re-derived
    conflicts: list[Conflict]


class SnapshotWriter:
    """Writes the next snapshot of ``store``, minting URIs under ``base_uri``.

    Reads before the first write see the published snapshot; after it, the draft. ``publish``
    makes the draft the published snapshot (the handle follows it), ``discard`` drops it;
    either way the write lock is let go. After a failed write the writer is ``gone``.
    """

    def __init__(self, store: CblodStore, base_uri: str, *, clock: Clock = now) -> None:
        current = store.base_uri
        if current and current != base_uri:
            raise StoreError(
                f"the store's data is published under {current}; a different base URI "
                f"({base_uri}) would change every URI. Use a new store for a new base."
            )
        self.store = store
        self.base_uri = base_uri
        self.clock = clock
        self.identity = Identity(
            base_uri,
            {
                lexical(q.object): lexical(q.subject)
                for q in store.quads(None, IDENTITY_KEY, None, IDENTITY)
            },
            lookup=StoredKeys(store) if store.snapshot is not None else None,
        )
        self._draft: Draft | None = None
        self.gone = False
        #: what the operator supplied to place partners (``cblod.records.supplied``)
        self.places: SuppliedPlaces | None = None
        #: re-read every source given, changed or not: what places their partners changed
        self.reread = False
        #: subjects whose published statements this snapshot changed (what a search index
        #: built from the published snapshot has to update)
        self.changed_subjects: set[str] = set()
        #: the source graphs this snapshot wrote (replaced whole or streamed)
        self.sources_written: set[str] = set()
        #: what the release record needs of each changed IRI (``_changed``)
        self.release_changes: dict[str, Change] = {}
        self._ranks: dict[str, int] | None = None
        #: on a store with nothing published yet, the subjects this writer wrote: the only
        #: ones the draft can hold statements of (None once that cannot be told this way)
        self._written: set[Subject] | None = set() if store.snapshot is None else None

    # -- the draft: begun at the first write -----------------------------------------------

    @property
    def draft(self) -> Draft:
        """The snapshot being written, begun (and the write lock taken) on first use."""
        if self.gone:
            raise StoreError("this write failed and its snapshot was discarded")
        if self._draft is None:
            self._draft = Draft.begin(self.store)
            if not self.store.base_uri:
                self._draft.database.add(Quad(DATASET, CBO.baseURI, Literal(self.base_uri), META))
            _current_key_layout(self._draft.database)
        return self._draft

    @property
    def database(self) -> Store:
        return self.draft.database

    @property
    def published(self) -> Store:
        """The database of the snapshot the draft started from."""
        return self.draft.published

    @property
    def wrote(self) -> bool:
        """True once a draft was begun (something is to publish)."""
        return self._draft is not None and not self.gone

    def reads(self) -> CblodStore:
        """What the data is now, as this writer sees it: the draft once begun, else the
        published snapshot."""
        return self._draft.reader() if self._draft is not None and not self.gone else self.store

    def source_unchanged(self, graph: NamedNode, sha256: str) -> bool:
        """True when ``graph`` was last written from a file with this SHA-256 (and the run
        does not ``reread`` every source)."""
        return not self.reread and self.reads().source_property(graph, CBO.sha256) == sha256

    def drop_source(self) -> None:
        """Forget what a rejected source's records registered (its keys were never written)."""
        self.identity.discard_pending()

    def publish(self, *, derive: Derive | None = None) -> bool:
        """Make the draft the published snapshot; False when nothing was written.

        ``derive`` makes what the release derives from the sealed snapshot before the
        published pointer moves (``Draft.publish``)."""
        if not self.wrote or self._draft is None:
            return False
        draft, self._draft = self._draft, None
        self.gone = True  # one writer, one snapshot
        draft.publish(
            changes=self._taken_changes(),
            sources=self.sources_written,
            derive=derive,
            clock=self.clock,
        )
        return True

    def _taken_changes(self) -> dict[str, tuple[str, str]]:
        """What the release record needs of each changed IRI, the writer letting go of
        everything only writing needed (the key registry, the subjects written and changed, a
        few hundred bytes a subject): held through the derivation that follows, they were a
        quarter of the ingest's peak at 30 000 projects. The draft drops the dict once
        recorded; nothing else holds it."""
        changes = {
            iri: (noted.change, noted.kind)
            for iri, noted in self.release_changes.items()
            if noted.change is not None
        }
        self.identity = Identity(self.base_uri)
        self.release_changes = {}
        self.changed_subjects = set()
        self._written = None
        return changes

    def discard(self) -> None:
        """Drop the draft (if begun); the published snapshot is untouched."""
        if self._draft is not None:
            self._draft.fail()
            self._draft = None
        self.gone = True

    def fail(self) -> None:
        """A write failed: the draft is thrown away, and this writer with it."""
        self.discard()

    def ranks(self) -> dict[str, int]:
        """Source rank of every source graph, read once and kept up to date."""
        if self._ranks is None:
            self._ranks = {}
            for quad in self.database.quads_for_pattern(None, CBO.sourceRank, None, None):
                if quad.graph_name == quad.subject:
                    self._ranks[lexical(quad.subject)] = int(lexical(quad.object))
        return self._ranks

    def replace_source(self, graph: NamedNode, triples: list[Triple]) -> Replacement:
        """Make ``triples`` the whole content of ``graph`` in the snapshot being written.

        Readers see the change when the snapshot is published (``publish()``), with the rest
        of the ingest; a failed write discards the snapshot and leaves the published one.

        Only subjects whose published statements can change are re-consolidated: a subject
        this source removes nothing from, and says nothing new about, keeps its published
        statements (a source reinforcing a published value cannot make it lose). The default
        graph is then changed by difference, so shared subjects (a programme, a country) cost
        little however many sources mention them.
        """
        work = self.database
        self.sources_written.add(graph.value)
        new_by_subject: dict[Subject, list[tuple[NamedNode, Term, GraphName]]] = defaultdict(list)
        for s, p, o in triples:
            new_by_subject[s].append((p, o, graph))
        self.writing(new_by_subject)
        old_by_subject: dict[Subject, set[tuple[NamedNode, Term]]] = defaultdict(set)
        for q in self.database.quads_for_pattern(None, None, None, graph):
            old_by_subject[q.subject].add((q.predicate, q.object))

        ranks = dict(self.ranks())
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
                for q in self.database.quads_for_pattern(subject, None, None, DefaultGraph())
            }
            if old_by_subject.get(subject, set()) <= new and new <= published:
                continue
            changed += 1
            statements: list[tuple[NamedNode, Term, GraphName]] = [
                (q.predicate, q.object, q.graph_name)
                for q in self.database.quads_for_pattern(subject, None, None, None)
                if isinstance(q.graph_name, NamedNode)
                and q.graph_name != graph
                and not q.graph_name.value.startswith(INTERNAL)
            ]
            statements.extend(new_by_subject.get(subject, ()))
            consolidated, found = consolidator.subject(subject, statements)
            conflicts.extend(found)
            pairs = {(t.predicate, t.object) for t in consolidated}
            if pairs != published:
                self._changed(subject, published, pairs)
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
            self.keys_and_version()
        except OSError as exc:
            self.fail()
            raise StoreError(f"could not write {graph.value}: {exc}") from exc
        self.ranks()[graph.value] = ranks[graph.value]
        return Replacement(len(triples), changed, conflicts)

    def stream_source(self, graph: NamedNode) -> SourceWriter:
        """A writer for a source too large to hold in memory: chunks in, then ``finish``."""
        self.sources_written.add(graph.value)
        return SourceWriter(self, graph)

    def rederive(self, subjects: Iterable[Subject], ranks: dict[str, int]) -> Rederived:
        """Re-consolidate ``subjects`` from every source graph, in bounded batches."""
        work = self.database
        consolidator = Consolidator(functional_properties(), ranks, published_parents())
        done = Rederived(set(), {})
        to_add: list[Triple] = []
        for subject in subjects:
            added, removed = self.derive(work, consolidator, subject, [], done)
            for p, o in removed:
                work.remove(Quad(subject, p, o))
            to_add.extend((subject, p, o) for p, o in added)
            if len(to_add) >= BULK_THRESHOLD:
                _write(work, to_add, DefaultGraph(), bulk=True)
                to_add = []
        _write(work, to_add, DefaultGraph(), bulk=True)
        return done

    def writing(self, subjects: Iterable[Subject]) -> None:
        """Note that statements of ``subjects`` are about to be written (see ``_unwritten``)."""
        if self._written is not None:
            self._written.update(subjects)

    def _unwritten(self, subject: Subject) -> bool:
        """True when the draft cannot hold a statement of ``subject``: nothing was published
        before this writer and it wrote nothing of it. A first ingest of a large export then
        skips a store lookup per new subject: a third of the write path's samples at 300 000
        projects, each lookup dearer as the database grows (benchmarks/README.md)."""
        return self._written is not None and subject not in self._written

    def derive(
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
        stored = (
            () if self._unwritten(subject) else work.quads_for_pattern(subject, None, None, None)
        )
        for q in stored:  # one pass, both kinds
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
            self._changed(subject, published, pairs)
        return pairs - published, published - pairs

    def _changed(
        self,
        subject: Subject,
        published: set[tuple[NamedNode, Term]],
        pairs: set[tuple[NamedNode, Term]],
    ) -> None:
        """Note that ``subject``'s published statements go from ``published`` to ``pairs``:
        for the search index (IRIs), and for the release record, which compares a subject's
        statements before its first change in this snapshot (the previous release's: nothing
        else writes them) with its last (a streamed subject may change several times)."""
        if not isinstance(subject, NamedNode):  # what the search index holds: IRIs
            return
        self.changed_subjects.add(subject.value)
        noted = self.release_changes.get(subject.value)
        if noted is None:
            noted = self.release_changes[subject.value] = Change(
                hash(frozenset(published)), bool(published), _kind(published)
            )
        noted.after, noted.present = hash(frozenset(pairs)), bool(pairs)
        if pairs:
            noted.kind = _kind(pairs)

    def keys_and_version(self) -> None:
        """Write the identity keys the source just written registered (no longer pending),
        and a new dataset version."""
        work = self.database
        work.extend(self._identity_quads(self.identity))
        self.identity.commit()
        for quad in list(work.quads_for_pattern(DATASET, CBO.version, None, META)):
            work.remove(quad)
        work.add(Quad(DATASET, CBO.version, Literal(str(uuid.uuid4())), META))

    @staticmethod
    def _identity_quads(identity: Identity) -> list[Quad]:
        keys = [
            Quad(
                NamedNode(iri),
                IDENTIFIER_KEY if looked_up(key) else IDENTITY_KEY,
                Literal(key),
                IDENTITY,
            )
            for key, iri in sorted(identity.new_keys.items())
        ]
        return keys + [
            Quad(NamedNode(iri), IDENTITY_EVIDENCE, Literal(text), IDENTITY)
            for iri, text in identity.new_evidence
        ]

    def apply_aliases(self, aliases: dict[str, str], *, keep: NamedNode) -> list[str]:
        """Make every source graph that names a merged IRI name its survivor instead.

        A curated same-as reaches sources ingested before it without re-reading their
        files. Participations are named after their organisation, so theirs follow, and the
        old participation IRIs are registered as aliases too (they redirect). ``keep`` (the
        curation graph, which states the merge) is left as it is. Returns the graphs changed.
        """
        if not aliases:
            return []
        self._written = None  # subjects renamed in place: look each up from now on
        identity = self.identity
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
            for quad in self.database.quads_for_pattern(node, None, None, None):
                graphs.add(quad.graph_name)
            for quad in self.database.quads_for_pattern(None, None, node, None):
                graphs.add(quad.graph_name)
        changed = sorted(
            g.value
            for g in graphs
            if isinstance(g, NamedNode) and g != keep and not g.value.startswith(INTERNAL)
        )
        for graph in map(NamedNode, changed):
            triples = [
                (renamed(q.subject), q.predicate, renamed(q.object))
                for q in self.database.quads_for_pattern(None, None, None, graph)
            ]
            self.replace_source(graph, list(dict.fromkeys(triples)))
        return changed


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

    def __init__(self, writer: SnapshotWriter, graph: NamedNode) -> None:
        self.writer, self.graph = writer, graph
        work = writer.database
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
        work = self.writer.database
        by_subject: dict[Subject, list[tuple[NamedNode, Term, GraphName]]] = defaultdict(list)
        for s, p, o in triples:
            by_subject[s].append((p, o, self.graph))
        if self.graph in by_subject:
            self.rank = _rank_in(by_subject[self.graph]) or self.rank
        ranks = dict(self.writer.ranks())
        ranks[self.graph.value] = self.rank
        consolidator = Consolidator(functional_properties(), ranks, published_parents())
        published: list[Triple] = []
        unpublished: list[Quad] = []
        for subject, said in by_subject.items():
            if subject in self.seen:
                self.again.add(subject)
                self.seen.add(subject)
                continue
            self.seen.add(subject)
            # reads only what no pending load writes: this subject's earlier statements are
            # in other graphs, or in the published default graph (old or from other sources)
            added, removed = self.writer.derive(work, consolidator, subject, said, self.early)
            self.writer.writing((subject,))
            published.extend((subject, p, o) for p, o in added)
            unpublished.extend(Quad(subject, p, o) for p, o in removed)
        with self._writing():
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
            self.writer.fail()
            raise StoreError(f"could not write {self.graph.value}: {exc}") from exc

    def finish(self) -> Replacement:
        with self._writing():
            self.loader.close()  # what finish reads back must be written
        ranks = dict(self.writer.ranks())
        ranks[self.graph.value] = self.rank
        rederive = self.again | (self.old - self.seen)
        late = self.writer.rederive(sorted(rederive, key=str), ranks)
        self.writer.keys_and_version()
        self.writer.ranks()[self.graph.value] = self.rank
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
        work = self.writer.database
        work.remove_graph(self.graph)
        work.bulk_extend(
            list(self.writer.published.quads_for_pattern(None, None, None, self.graph))
        )
        self.writer.rederive(sorted(self.old | self.seen, key=str), self.writer.ranks())


@dataclass
class Change:
    """A subject's published statements before this snapshot changed them and now (hashes:
    equal when the statements are), whether it had and has any, and its kind."""

    before: int
    existed: bool
    kind: str
    after: int = 0
    present: bool = False

    @property
    def change(self) -> str | None:
        """ "added", "changed", "removed", or None when it ends as it began."""
        if self.before == self.after:
            return None
        if not self.existed:
            return "added" if self.present else None
        return "changed" if self.present else "removed"


def _kind(pairs: set[tuple[NamedNode, Term]]) -> str:
    """The most specific cblod kind among a subject's ``rdf:type`` statements."""
    types = {o.value for p, o in pairs if p == RDF.type and isinstance(o, NamedNode)}
    return next((kind for kind in KINDS if CBO[kind].value in types), "other")


class Rederived(NamedTuple):
    """Subjects whose published statements changed, and the conflicts found, by subject."""

    changed: set[Subject]
    conflicts: dict[Subject, list[Conflict]]


def _rank_in(record: Iterable[tuple[NamedNode, Term, GraphName]]) -> int:
    """The source rank a source record states (0 when it states none)."""
    return next((int(lexical(o)) for p, o, _ in record if p == CBO.sourceRank), 0)


def _write(store: Store, triples: list[Triple], graph: GraphName, *, bulk: bool) -> None:
    """Write statements as N-Triples text (``cblod.core.ntriples``): the bulk loader for a
    large batch."""
    ntriples.write(store, triples, graph, bulk=bulk)


class StoredKeys:
    """The identity keys of the kinds the registry looks up (``identity.LOOKED_UP``), asked of
    the published snapshot one at a time: each an index lookup, by value or by IRI."""

    def __init__(self, store: CblodStore) -> None:
        self.store = store

    def iri_of(self, key: str) -> str | None:
        for quad in self.store.quads(None, IDENTIFIER_KEY, Literal(key), IDENTITY):
            return lexical(quad.subject)
        return None

    def minted(self, iri: str) -> bool:
        return any(True for _ in self.store.quads(NamedNode(iri), IDENTIFIER_KEY, None, IDENTITY))


#: the layout of the identity graph: 2, registry identifiers' keys under ``IDENTIFIER_KEY``
KEY_LAYOUT = Literal("2")


def _current_key_layout(database: Store) -> None:
    """Move the keys of the looked-up kinds an older cblod stored beside the others to their
    own property, once per store (its first write since), and note the layout: until then
    they are loaded with the rest, as that cblod loaded them."""
    if any(True for _ in database.quads_for_pattern(DATASET, IDENTITY_LAYOUT, KEY_LAYOUT, META)):
        return
    moved = [
        q
        for q in database.quads_for_pattern(None, IDENTITY_KEY, None, IDENTITY)
        if looked_up(lexical(q.object))
    ]
    for quad in moved:
        database.remove(quad)
    database.extend(Quad(q.subject, IDENTIFIER_KEY, q.object, IDENTITY) for q in moved)
    for quad in list(database.quads_for_pattern(DATASET, IDENTITY_LAYOUT, None, META)):
        database.remove(quad)
    database.add(Quad(DATASET, IDENTITY_LAYOUT, KEY_LAYOUT, META))
