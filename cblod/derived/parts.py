"""Kept aggregates answered in parts, each part's rows kept and updated from the change.

An answer a release keeps (``cblod.derived.kept``) whose query reads a property the release
changed was asked again whole: at 300 000 projects a fix of one amount re-asked the EU funding
by country (2.6 minutes), each touched programme's figures and the programmes' first views.
Those queries spend their time in a few aggregates over every participation or project; the
rest joins a handful of rows. So each innermost aggregate sub-select (or the query itself when
it holds none) is a *part*: it is answered on its own, its rows are kept with the release
(``answers/memo/*.rows``), and the query is asked with each part's rows in its place
(a ``VALUES`` block: the same solutions, so the same answer). The next release updates a
part's rows from the release before's instead of asking it again, when the part is one of two
shapes whose rows a diff of subjects updates exactly:

``Star``
    a GROUP BY one of whose keys is the subject of every triple pattern it holds (in
    ``OPTIONAL``, ``FILTER EXISTS`` and ``MINUS`` too): a group's row reads only the statements
    of its key, so the rows of keys the release did not change are the release before's, and
    those of the changed subjects are asked again (``VALUES ?key { ... }`` put in front).
``Sums``
    SUMs and COUNTs (not DISTINCT) over one basic graph pattern, grouped by variables: a
    solution that binds no subject of its patterns to a changed subject reads only statements
    that did not change, so the new rows are the old ones, minus what the solutions touching a
    changed subject added in the release before, plus what they add in this one. Those
    solutions are counted once each (split by the first of the pattern's subjects bound to a
    changed subject). The sums are kept per datatype of what they add, and kept only when that
    is ``xsd:integer`` or ``xsd:decimal``, whose sums are exact, so the sums put back together
    are the engine's own sums, type and value. The arithmetic is the engine's too.

A part of neither shape is still kept, and is the release before's rows when it reads none of
the properties the release changed (``cblod.derived.reads``); asked again otherwise. Which
shape a part has is read by rdflib's parser (``cblod.derived.part_shapes``), never guessed from
text (``cblod.query.spans`` only finds where the parts are). A part whose rows hold a blank
node (which ``VALUES`` cannot write) or more than ``ROWS_AT_MOST`` rows stays in the query,
asked with it. Every kept answer is tested against the query asked whole
(tests/test_derived_parts.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, NamedNode, QuerySolutions, Store

from ..backends.published import Dataset
from ..backends.releases import link_or_copy
from ..core.vocab import XSD
from ..query.spans import layout
from ..records.prepared import read_prepared, write_prepared
from .diff import Diff
from .part_shapes import SHAPES, Kind, Order, Star, Sums, as_json, from_json, kind_of
from .reads import MEMO, properties_read

log = logging.getLogger(__name__)

#: a part with more rows stays in its query (a ``VALUES`` block that large costs more to read)
ROWS_AT_MOST = 200_000
#: changed subjects above which a part's rows are asked again whole, not updated
CHANGED_AT_MOST = 2_000
#: the datatypes whose sums are exact, so a sum kept apart and added back is the engine's own
EXACT_SUMS = frozenset({XSD.integer.value, XSD.decimal.value})
SUFFIX = ".rows"


@dataclass(frozen=True)
class Table:
    """A part's rows: one ``VALUES`` row a line, over ``columns``."""

    columns: tuple[str, ...]
    rows: tuple[str, ...]

    def text(self) -> str:
        return " ".join("?" + c for c in self.columns) + "\n" + "\n".join(self.rows)

    @classmethod
    def read(cls, path: Path) -> Table | None:
        try:
            head, _, body = path.read_text(encoding="utf-8").partition("\n")
        except OSError:
            return None
        return cls(tuple(v[1:] for v in head.split()), tuple(body.split("\n")) if body else ())

    def values(self) -> str:
        names = " ".join("?" + c for c in self.columns)
        return f"VALUES ({names}) {{\n" + "\n".join(self.rows) + "\n}"


# --- where the parts are -------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of a query: the text it has in the query, its text standing alone (with the
    query's prologue), and its shape."""

    start: int
    end: int
    standalone: str
    kind: Kind
    order: Order | None  # the query's own ORDER BY when the part is the whole query


#: what a part is: ``kind_of``, or the same remembered from the release before (``Known``)
Classify = Callable[..., "tuple[Kind, Order | None] | None"]


def parts_of(query: str, classify: Classify = kind_of) -> tuple[Part, ...]:
    """The parts of ``query`` (see the module's docstring); none when it has none we keep."""
    found = layout(query)
    if found is None:
        return ()
    if not found.spans:
        top = classify(query, top=True)
        if top is None or not isinstance(top[0], Sums):
            return ()  # a whole query's other groups would be asked with its LIMIT
        return (Part(len(found.prologue), len(query), query, top[0], top[1]),)
    parts = []
    for span in found.spans:
        if not span.innermost:
            continue
        standalone = found.prologue + query[span.start + 1 : span.end - 1]
        kind = classify(standalone)
        if kind is not None:
            parts.append(Part(span.start, span.end, standalone, kind[0], None))
    return tuple(parts)


class Known:
    """What each part is and what it reads, by its text's digest: those the release before
    kept (``FILE`` in its memo) and those found since, so that a release parses only the
    parts it has not seen (rdflib's parser costs a second of a fix otherwise). What a release
    kept under another ``SHAPES`` (the rules that tell shapes apart, changed by an upgrade) is
    read again."""

    FILE = "parts.json"

    def __init__(self, before: Path | None) -> None:
        self._known: dict[str, Any] = {}
        self._lock = threading.Lock()
        if before is not None:
            with contextlib.suppress(OSError, ValueError):  # none kept whole: parse as asked
                kept = read_prepared(before, self.FILE, SHAPES)
                self._known = kept["parts"] if kept is not None else {}

    def kind(self, standalone: str, *, top: bool = False) -> tuple[Kind, Order | None] | None:
        key = _file(standalone) + (":top" if top else "")
        with self._lock:
            entry = self._known.get(key)
        if entry is None or "kind" not in entry:
            found = kind_of(standalone, top=top)
            self.reads(standalone)  # known once for all: a later release asks, parses none
            with self._lock:
                self._known.setdefault(key, {})["kind"] = as_json(found)
            return found
        return from_json(entry["kind"])

    def reads(self, standalone: str) -> frozenset[str] | None:
        key = _file(standalone)
        with self._lock:
            entry = self._known.get(key)
        if entry is None or "reads" not in entry:
            read = properties_read(standalone)
            with self._lock:
                self._known.setdefault(key, {})["reads"] = (
                    sorted(read) if read is not None else None
                )
            return read
        return frozenset(entry["reads"]) if entry["reads"] is not None else None

    def save(self, folder: Path) -> None:
        with self._lock:
            known = dict(self._known)
        write_prepared(folder, self.FILE, SHAPES, {"parts": known})


def rewrite(query: str, tables: dict[Part, Table]) -> str:
    """``query`` with each part of ``tables`` replaced by its rows."""
    text = query
    for part in sorted(tables, key=lambda p: p.start, reverse=True):
        group = _in_place_of(part, tables[part])
        if part.order is not None:  # the whole query: its prologue, its rows, its order
            order = part.order
            tail = f" ORDER BY {order.order_by}" if order.order_by else ""
            tail += f" LIMIT {order.limit}" if order.limit is not None else ""
            tail += f" OFFSET {order.offset}" if order.offset else ""
            selected = " ".join("?" + c for c in order.projected)
            text = text[: part.start] + f"SELECT {selected} WHERE {{ {group} }}{tail}\n"
        else:
            text = text[: part.start] + group + text[part.end :]
    return text


def _in_place_of(part: Part, table: Table) -> str:
    """The group that gives the part's solutions from its rows."""
    kind = part.kind
    if isinstance(kind, Sums):
        selected = []
        for name, role, index in kind.columns:
            if role == "key":
                selected.append(f"?{name}")
            elif role == "count":
                selected.append(f"(SUM(?__n) AS ?{name})")
            else:
                selected.append(f"(SUM(?__s{index}) AS ?{name})")
        grouped = f" GROUP BY {' '.join('?' + k for k in kind.keys)}" if kind.keys else ""
        return f"{{ SELECT {' '.join(selected)} WHERE {{ {table.values()} }}{grouped} }}"
    columns = " ".join("?" + c for c in kind.columns)
    return f"{{ SELECT {columns} WHERE {{ {table.values()} }} }}"


# --- a part's rows -------------------------------------------------------------------------


class _NotKept(Exception):
    """The rows cannot stand in a ``VALUES`` block (a blank node, too many rows, a sum that is
    not exact): the part stays in its query."""


def _term(term: Any) -> str:
    if term is None:
        return "UNDEF"
    if isinstance(term, BlankNode):
        raise _NotKept("a blank node")
    return str(term)


def _rows(
    solutions: QuerySolutions, columns: tuple[str, ...], extra: str = "", exact: Sums | None = None
) -> list[str]:
    """Each solution a ``VALUES`` row over ``columns`` (``extra`` its last term); with
    ``exact``, a Sums part's rows, whose sums must be exact."""
    rows = []
    for solution in solutions:
        if exact is not None:
            _exact(solution, exact)
        rows.append("(" + " ".join(_term(solution[c]) for c in columns) + extra + ")")
        if len(rows) > ROWS_AT_MOST:
            raise _NotKept(f"more than {ROWS_AT_MOST} rows")
    return rows


def _sums_columns(kind: Sums) -> tuple[str, ...]:
    types = tuple(f"__d{i}" for i in range(len(kind.summed)))
    sums = tuple(f"__s{i}" for i in range(len(kind.summed)))
    return (*kind.keys, *types, *sums, "__n")


def _sums_query(kind: Sums, prologue: str, extra: str = "") -> str:
    """The rows of a Sums part per datatype of what it sums, over its pattern and ``extra``."""
    types = " ".join(f"BIND(DATATYPE(?{v}) AS ?__d{i})" for i, v in enumerate(kind.summed))
    sums = " ".join(f"(SUM(?{v}) AS ?__s{i})" for i, v in enumerate(kind.summed))
    grouped = " ".join("?" + c for c in (*kind.keys, *(f"__d{i}" for i in range(len(kind.summed)))))
    selected = grouped + f" {sums} (COUNT(*) AS ?__n)"
    return f"{prologue}SELECT {selected} WHERE {{ {' '.join(kind.triples)} {extra} {types} }}" + (
        f" GROUP BY {grouped}" if grouped else ""
    )


def _exact(solution: Any, kind: Sums) -> None:
    """_NotKept unless every sum ``solution`` keeps is of integers or decimals (exact)."""
    for i in range(len(kind.summed)):
        datatype = solution[f"__d{i}"]
        if not isinstance(datatype, NamedNode) or datatype.value not in EXACT_SUMS:
            raise _NotKept("a sum of values that are not integers or decimals")


def _iri_list(iris: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in sorted(iris))


class Parts:
    """The parts of one release's kept answers: each part's rows made once (asked, updated
    from the release before's, or the release before's), kept in ``folder``'s memo for the
    next release, and put in place of the part in the queries asked."""

    def __init__(
        self,
        store: Dataset,
        folder: Path,
        before: Path | None = None,
        diff: Diff | None = None,
        changed: frozenset[str] | None = None,
    ) -> None:
        self._store, self._diff, self._changed = store, diff, changed
        self._folder = folder / MEMO
        self._folder.mkdir(parents=True, exist_ok=True)
        self._before = before / MEMO if before is not None else None
        self.known = Known(self._before)
        self._lock = threading.Lock()
        #: each part's rows, by file name: being made, or carried (the release before's file)
        self._made: dict[str, Future[Table | None] | Path] = {}
        #: what each way of making a part was used for (the benchmarks' and tests' account)
        self.counts = {"kept": 0, "updated": 0, "asked": 0, "not kept": 0}

    def rewritten(self, query: str) -> str | None:
        """``query`` with its parts' rows in their place, or None when it has no part kept."""
        tables = {}
        for part in parts_of(query, self.known.kind):
            table = self._table(part)
            if table is not None:
                tables[part] = table
        return rewrite(query, tables) if tables else None

    def save(self) -> None:
        """Keep what each part is and reads, for the next release (it then parses none)."""
        self.known.save(self._folder)

    def carry(self, query: str) -> None:
        """Keep ``query``'s parts' rows from the release before (its answer was): linked,
        and read only if another query asks for them."""
        if self._before is None:
            return
        for part in parts_of(query, self.known.kind):
            name = _file(part.standalone)
            old = self._before / name
            with self._lock:
                if name in self._made or not old.exists():
                    continue
                link_or_copy(old, self._folder / name)
                self._made[name] = self._folder / name

    def _table(self, part: Part) -> Table | None:
        name = _file(part.standalone)
        with self._lock:
            made = self._made.get(name)
            mine = made is None
            if mine:
                made = self._made[name] = Future()
        if isinstance(made, Path):  # carried from the release before
            return Table.read(made)
        assert made is not None
        if not mine:
            return made.result()
        try:
            table = self._make(part, name)
        except _NotKept as why:
            log.info("a part stays in its query (%s): it starts %r", why, part.standalone[-80:])
            self._count("not kept")
            table = None
        except BaseException as error:
            made.set_exception(error)
            raise
        made.set_result(table)
        return table

    def _count(self, way: str) -> None:
        with self._lock:
            self.counts[way] += 1

    def _make(self, part: Part, name: str) -> Table:
        old = self._before / name if self._before is not None else None
        if old is not None and old.exists():
            read = self.known.reads(part.standalone)
            if self._changed is not None and read is not None and read.isdisjoint(self._changed):
                link_or_copy(old, self._folder / name)
                found = Table.read(old)
                if found is not None:
                    self._count("kept")
                    return found
            diff = self._diff
            if (
                diff is not None
                and len(diff.subjects) <= CHANGED_AT_MOST
                and isinstance(part.kind, (Star, Sums))
            ):
                before = Table.read(old)
                if before is not None:
                    table = self._updated(part, before, diff)
                    if table is not None:
                        self._count("updated")
                        return self._write(name, table)
        self._count("asked")
        return self._write(name, self._asked(part))

    def _asked(self, part: Part) -> Table:
        kind, prologue = part.kind, _prologue(part.standalone)
        if isinstance(kind, Sums):
            columns = _sums_columns(kind)
            solutions = self._store.select(_sums_query(kind, prologue))
            return Table(columns, tuple(_rows(solutions, columns, exact=kind)))
        columns = _star_columns(kind) if isinstance(kind, Star) else kind.columns
        return Table(columns, tuple(_rows(self._store.select(part.standalone), columns)))

    def _updated(self, part: Part, before: Table, diff: Diff) -> Table | None:
        kind = part.kind
        if isinstance(kind, Star):
            return self._star_updated(part, kind, before, diff)
        assert isinstance(kind, Sums)
        return self._sums_updated(part, kind, before, diff)

    def _star_updated(self, part: Part, kind: Star, before: Table, diff: Diff) -> Table | None:
        columns = _star_columns(kind)
        if before.columns != columns:
            return None
        changed = {f"(<{iri}> " for iri in diff.subjects} | {f"(<{iri}>)" for iri in diff.subjects}
        kept = [row for row in before.rows if not row.startswith(tuple(changed))]
        found = layout(part.standalone)
        if found is None or found.where < 0:
            return None
        at = found.where + 1
        asked = (
            part.standalone[:at]
            + f" VALUES ?{kind.key} {{ {_iri_list(diff.subjects)} }} "
            + part.standalone[at:]
        )
        return Table(columns, tuple(kept + _rows(self._store.select(asked), columns)))

    def _sums_updated(self, part: Part, kind: Sums, before: Table, diff: Diff) -> Table | None:
        columns = _sums_columns(kind)
        if before.columns != columns or kind.constant_subjects & diff.subjects:
            return None  # a subject the pattern names changed: every group may have
        prologue, changed = _prologue(part.standalone), _iri_list(diff.subjects)
        moved: list[str] = [row[:-1] + " 1)" for row in before.rows]
        for n, subject in enumerate(kind.subjects):
            earlier = " && ".join(
                f"?{s} NOT IN ({changed.replace(' ', ', ')})" for s in kind.subjects[:n]
            )
            extra = f"VALUES ?{subject} {{ {changed} }}" + (
                f" FILTER({earlier})" if earlier else ""
            )
            query = _sums_query(kind, prologue, extra)
            for store, sign in ((diff.before, " -1"), (self._store, " 1")):
                moved += _rows(store.select(query), columns, sign)
        return self._summed(kind, columns, moved)

    def _summed(self, kind: Sums, columns: tuple[str, ...], rows: list[str]) -> Table:
        """The rows added up, by the engine, per group and datatype; groups left empty go."""
        groups = [c for c in columns if c.startswith("__d") or c in kind.keys]
        sums = [c for c in columns if c.startswith("__s")]
        added = " ".join(f"(SUM(?{c} * ?__g) AS ?__t{c})" for c in (*sums, "__n"))
        grouped = " ".join("?" + c for c in groups)
        query = (
            f"SELECT {grouped} {added} WHERE {{ {Table((*columns, '__g'), tuple(rows)).values()} }}"
            + (f" GROUP BY {grouped}" if grouped else "")
        )
        found = Store().query(query)
        assert isinstance(found, QuerySolutions)
        out: list[str] = []
        for solution in found:
            count = solution["__t__n"]
            if count is None or int(count.value) == 0:
                continue
            _exact(solution, kind)
            terms = [solution[c] for c in groups] + [solution[f"__t{c}"] for c in sums]
            out.append("(" + " ".join(_term(t) for t in terms) + f" {count})")
        return Table(columns, tuple(out))

    def _write(self, name: str, table: Table) -> Table:
        path = self._folder / name
        partial = path.with_name(f"{name}.{uuid.uuid4().hex}.partial")
        partial.write_text(table.text(), encoding="utf-8")
        os.replace(partial, path)
        return table


def _star_columns(kind: Star) -> tuple[str, ...]:
    """A star's rows, its key first (so a row of a changed key is found by its start)."""
    return (kind.key, *(c for c in kind.columns if c != kind.key))


def _prologue(standalone: str) -> str:
    found = layout(standalone)
    return found.prologue if found is not None else ""


def _file(standalone: str) -> str:
    """A part's rows' file name in the memo: its text's digest, as the answers' own."""
    return hashlib.sha256(standalone.encode("utf-8")).hexdigest() + SUFFIX
