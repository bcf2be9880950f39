"""The shapes of a kept aggregate's parts whose rows a diff of subjects updates exactly, read
from the SPARQL by rdflib's parser (``cblod.derived.parts`` says what is done with each).

``Star``: a GROUP BY one of whose keys is the subject of every triple pattern it holds (in
``OPTIONAL``, ``FILTER EXISTS`` and ``MINUS`` too), and is bound by a pattern that must match:
a group's row reads only the statements of its key. ``Sums``: SUMs and COUNTs (not DISTINCT)
of variables one basic graph pattern of plain properties binds (sequence paths spelt out with
variables of their own), grouped by variables. ``Other``: another aggregate. A shape is never
guessed from text; what cannot be told is not a part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .reads import READS_EVERYTHING, parsed

#: the rules that tell shapes apart, numbered: what a release kept of its parts' shapes is
#: read again by a release whose rules differ (``cblod.derived.parts.Known``)
SHAPES = 1


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


def as_json(found: tuple[Kind, Order | None] | None) -> Any:
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


def from_json(kept: Any) -> tuple[Kind, Order | None] | None:
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
