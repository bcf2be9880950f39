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
shape a part has is read by rdflib's parser, never guessed from text (``cblod.query.spans``
only finds where the parts are). A part whose rows hold a blank node (which ``VALUES`` cannot
write) or more than ``ROWS_AT_MOST`` rows stays in the query, asked with it. Every kept
answer is tested against the query asked whole (tests/test_derived_parts.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, NamedNode, QuerySolutions, Store

from ..backends.published import Dataset
from ..backends.releases import link_or_copy
from ..core.vocab import XSD
from ..query.spans import layout
from .diff import Diff
from .reads import MEMO, READS_EVERYTHING, parsed, properties_read

log = logging.getLogger(__name__)

#: a part with more rows stays in its query (a ``VALUES`` block that large costs more to read)
ROWS_AT_MOST = 200_000
#: changed subjects above which a part's rows are asked again whole, not updated
CHANGED_AT_MOST = 2_000
#: the datatypes whose sums are exact, so a sum kept apart and added back is the engine's own
EXACT_SUMS = frozenset({XSD.integer.value, XSD.decimal.value})
SUFFIX = ".rows"


@dataclass(frozen=True)
class Star:
    """A GROUP BY whose every triple pattern has ``key`` as its subject."""

    key: str
    columns: tuple[str, ...]  # what the part selects, in order


@dataclass(frozen=True)
class Sums:
    """SUMs and COUNTs over one basic graph pattern, grouped by ``keys``."""

    keys: tuple[str, ...]
    #: what the part selects, in order: (name, "key" | "sum" | "count", index into ``summed``)
    columns: tuple[tuple[str, str, int], ...]
    summed: tuple[str, ...]  # the variables summed, each once
    triples: tuple[str, ...]  # the pattern, sequence paths spelt out with variables of their own
    subjects: tuple[str, ...]  # the variables in a subject position
    constant_subjects: frozenset[str]  # the IRIs in a subject position


@dataclass(frozen=True)
class Other:
    """An aggregate of another shape: kept, but asked again when what it reads changed."""

    columns: tuple[str, ...]


Kind = Star | Sums | Other


@dataclass(frozen=True)
class Order:
    """The top of a query that is a part itself: its ORDER BY and slice, to put back."""

    projected: tuple[str, ...]
    order_by: str
    limit: int | None
    offset: int


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


# --- what a part is ------------------------------------------------------------------------


@lru_cache(maxsize=512)
def kind_of(standalone: str, *, top: bool = False) -> tuple[Kind, Order | None] | None:
    """What the SELECT ``standalone`` (a part with the query's prologue) is, or None when it
    is not an aggregate we keep apart. ``top``: the query itself, whose ORDER BY and slice
    are then given back to be applied to its rows."""
    if "?__" in standalone or "$__" in standalone:
        return None  # our own variables' names
    try:
        algebra = parsed(standalone).algebra
    except Exception:  # noqa: BLE001 - what rdflib cannot read stays in its query
        return None
    if algebra.name != "SelectQuery" or algebra.get("datasetClause"):
        return None
    node = algebra.p
    limit, offset, conditions = None, 0, []
    if node.name == "Slice":
        if not top:
            return None
        limit, offset, node = node.get("length"), node.get("start") or 0, node.p
    if node.name != "Project":
        return None
    projected = tuple(str(v) for v in node.PV)
    node = node.p
    if node.name == "OrderBy":
        if not top:
            return None
        conditions, node = list(node.expr), node.p
    order = _order_by(conditions)
    if order is None:
        return None
    kind = _aggregate(node, projected)
    if kind is None:
        return None
    return kind, Order(projected, order, limit, offset) if top else None


def _order_by(conditions: list[Any]) -> str | None:
    from rdflib import Variable

    found = []
    for condition in conditions:
        if isinstance(condition, Variable):
            found.append(condition.n3())
        elif getattr(condition, "name", "") == "OrderCondition" and isinstance(
            condition.expr, Variable
        ):
            found.append(f"{condition.order or 'ASC'}({condition.expr.n3()})")
        else:
            return None
    return " ".join(found)


def _aggregate(node: Any, projected: tuple[str, ...]) -> Kind | None:
    from rdflib import Variable

    aliases: dict[str, str] = {}  # projected name -> the aggregate's result variable
    while node.name == "Extend":
        if not isinstance(node.expr, Variable):
            return None  # an expression over aggregates: kept whole
        aliases[str(node.var)] = str(node.expr)
        node = node.p
    if node.name != "AggregateJoin" or node.p.name != "Group":
        return None
    keys = node.p.get("expr") or []
    if not all(isinstance(k, Variable) for k in keys):
        return None
    body = node.p.p
    if _reads_everything(body) or _reads_everything(node.A):
        return None
    by_result = {str(a.res): a for a in node.A}
    key_names = tuple(str(k) for k in keys)
    if any(name not in aliases for name in projected):
        return None
    sums = _sums(body, by_result, aliases, projected, key_names)
    if sums is not None:
        return sums
    star = _star(body, node.A, key_names, aliases, by_result, projected)
    return star if star is not None else Other(projected)


def _reads_everything(node: Any) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name in READS_EVERYTHING or node.name in ("SelectQuery", "SubSelect"):
            return True
        return any(_reads_everything(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_reads_everything(v) for v in node)
    return False


def _key_of(name: str, aliases: dict[str, str], by_result: dict[str, Any]) -> str | None:
    """The group key a projected name is (rdflib selects a key as a SAMPLE of itself)."""
    aggregate = by_result.get(aliases.get(name, ""))
    if aggregate is None or aggregate.name != "Aggregate_Sample":
        return None
    return name if str(aggregate.vars) == name else None


def _sums(
    body: Any,
    by_result: dict[str, Any],
    aliases: dict[str, str],
    projected: tuple[str, ...],
    keys: tuple[str, ...],
) -> Sums | None:
    from rdflib import BNode, URIRef, Variable
    from rdflib.paths import SequencePath

    if body.name != "BGP":
        return None
    triples: list[str] = []
    subjects: list[str] = []
    constants: set[str] = set()
    bound: set[str] = set()
    fresh = 0
    for subject, predicate, obj in body.triples:
        if not isinstance(subject, (Variable, URIRef)) or isinstance(obj, BNode):
            return None
        steps = predicate.args if isinstance(predicate, SequencePath) else [predicate]
        if not all(isinstance(step, URIRef) for step in steps):
            return None
        here = subject
        for n, step in enumerate(steps):
            there = obj if n == len(steps) - 1 else Variable(f"__m{(fresh := fresh + 1)}")
            triples.append(f"{here.n3()} {step.n3()} {there.n3()} .")
            if isinstance(here, Variable):
                subjects.append(str(here))
                bound.add(str(here))
            else:
                constants.add(str(here))
            if isinstance(there, Variable):
                bound.add(str(there))
            here = there
    if not set(keys) <= bound:
        return None
    summed: list[str] = []
    columns: list[tuple[str, str, int]] = []
    for name in projected:
        if _key_of(name, aliases, by_result) is not None and name in keys:
            columns.append((name, "key", -1))
            continue
        aggregate = by_result.get(aliases[name])
        if aggregate is None or aggregate.get("distinct"):
            return None
        if aggregate.name == "Aggregate_Count":
            counted = aggregate.vars
            if (
                isinstance(counted, Variable)
                and str(counted) not in bound
                or not (isinstance(counted, Variable) or counted == "*")
            ):
                return None  # a count of what may be unbound, or of an expression
            columns.append((name, "count", -1))
        elif aggregate.name == "Aggregate_Sum" and isinstance(aggregate.vars, Variable):
            var = str(aggregate.vars)
            if var not in summed:
                summed.append(var)
            columns.append((name, "sum", summed.index(var)))
        else:
            return None
    return Sums(
        keys,
        tuple(columns),
        tuple(summed),
        tuple(triples),
        tuple(dict.fromkeys(subjects)),
        frozenset(constants),
    )


def _star(
    body: Any,
    aggregates: Any,
    keys: tuple[str, ...],
    aliases: dict[str, str],
    by_result: dict[str, Any],
    projected: tuple[str, ...],
) -> Star | None:
    patterns = [*_patterns(body), *_patterns(aggregates)]
    if not patterns:
        return None
    for key in keys:
        if (
            key in projected
            and _key_of(key, aliases, by_result) == key
            and all(subject == key and plain for subject, plain in patterns)
            and _surely_bound(body, key)
        ):
            return Star(key, projected)
    return None


def _patterns(node: Any) -> Iterable[tuple[str, bool]]:
    """Every triple pattern under ``node``: its subject (a variable's name, or "" for
    anything else) and whether its predicate is a plain IRI."""
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name in ("BGP", "TriplesBlock"):
            for triple in node.get("triples") or ():
                subject, predicate = triple[0], triple[1]
                yield (
                    (str(subject) if isinstance(subject, Variable) else ""),
                    isinstance(predicate, URIRef),
                )
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _patterns(value)


def _surely_bound(node: Any, key: str) -> bool:
    """Whether every solution of ``node`` binds ``key`` (by a triple pattern that must match)."""
    from rdflib import Variable

    name = getattr(node, "name", "")
    if name == "BGP":
        return any(isinstance(t[0], Variable) and str(t[0]) == key for t in node.triples)
    if name in ("Filter", "Extend", "Group", "Project", "Distinct", "ToMultiSet"):
        return _surely_bound(node.p, key)
    if name in ("LeftJoin", "Minus"):
        return _surely_bound(node.p1, key)
    if name == "Join":
        return _surely_bound(node.p1, key) or _surely_bound(node.p2, key)
    if name == "Union":
        return _surely_bound(node.p1, key) and _surely_bound(node.p2, key)
    return False


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
    parts it has not seen (rdflib's parser costs a second of a fix otherwise)."""

    FILE = "parts.json"

    def __init__(self, before: Path | None) -> None:
        self._known: dict[str, Any] = {}
        self._lock = threading.Lock()
        if before is not None:
            with contextlib.suppress(OSError, ValueError):
                self._known = json.loads((before / self.FILE).read_text(encoding="utf-8"))

    def kind(self, standalone: str, *, top: bool = False) -> tuple[Kind, Order | None] | None:
        key = _file(standalone) + (":top" if top else "")
        with self._lock:
            entry = self._known.get(key)
        if entry is None or "kind" not in entry:
            found = kind_of(standalone, top=top)
            self.reads(standalone)  # known once for all: a later release asks, parses none
            with self._lock:
                self._known.setdefault(key, {})["kind"] = _as_json(found)
            return found
        return _from_json(entry["kind"])

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
            text = json.dumps(self._known, sort_keys=True)
        partial = folder / f"{self.FILE}.{uuid.uuid4().hex}.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, folder / self.FILE)


def _as_json(found: tuple[Kind, Order | None] | None) -> Any:
    if found is None:
        return None
    kind, order = found
    shape = {Star: "star", Sums: "sums", Other: "other"}[type(kind)]
    fields = dataclasses.asdict(kind)
    if isinstance(kind, Sums):
        fields["constant_subjects"] = sorted(kind.constant_subjects)
    return {
        "shape": shape,
        "fields": fields,
        "order": dataclasses.asdict(order) if order is not None else None,
    }


def _from_json(kept: Any) -> tuple[Kind, Order | None] | None:
    if kept is None:
        return None
    fields = kept["fields"]
    kind: Kind
    if kept["shape"] == "star":
        kind = Star(fields["key"], tuple(fields["columns"]))
    elif kept["shape"] == "sums":
        kind = Sums(
            tuple(fields["keys"]),
            tuple((name, role, index) for name, role, index in fields["columns"]),
            tuple(fields["summed"]),
            tuple(fields["triples"]),
            tuple(fields["subjects"]),
            frozenset(fields["constant_subjects"]),
        )
    else:
        kind = Other(tuple(fields["columns"]))
    order = kept["order"]
    return kind, Order(
        tuple(order["projected"]), order["order_by"], order["limit"], order["offset"]
    ) if order else None


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


def _rows(solutions: QuerySolutions, columns: tuple[str, ...], extra: str = "") -> list[str]:
    rows = []
    for solution in solutions:
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


def _exact(table: Table, kind: Sums) -> Table:
    """``table`` if every sum it keeps is of integers or decimals (exact), else _NotKept."""
    if not kind.summed or not table.rows:
        return table
    types = " ".join(f"?__d{i}" for i in range(len(kind.summed)))
    found = Store().query(f"SELECT DISTINCT {types} WHERE {{ {table.values()} }}")
    assert isinstance(found, QuerySolutions)
    for solution in found:
        for i in range(len(kind.summed)):
            datatype = solution[f"__d{i}"]
            if not isinstance(datatype, NamedNode) or datatype.value not in EXACT_SUMS:
                raise _NotKept("a sum of values that are not integers or decimals")
    return table


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
            return _exact(Table(columns, tuple(_rows(solutions, columns))), kind)
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
        return _exact(self._summed(kind, columns, moved), kind)

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
