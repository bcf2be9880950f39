"""A whole filtered list in a format to take away, streamed: CSV, XLSX, JSON, GeoJSON and RDF.

Rows come from what the facet index keeps (``cblod.derived.facets.table``), in the page's order, one
at a time, so an export of 120 000 participations starts at once and holds one row in memory.
In RDF the list is itself a resource: a ``hydra:Collection`` and ``schema:ItemList`` at the
list's own URL (filters included), with ``hydra:totalItems``, its filters (``cbo:filter``),
the ``hydra:search`` template its parameters follow, and a ``hydra:member`` link to each item.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from pyoxigraph import Literal, NamedNode, Triple

from ... import xlsx
from ...backends.published import Dataset
from ...core.rdfterms import wkt_point
from ...core.vocab import CBO, RDF, RDFS, XSD
from .index import ListIndex
from .selection import Selection
from .table import DATE_COLUMNS, NUMBER_COLUMNS, SHEETS, columns

#: the statements of a batch of members, by member IRI
Statements = Callable[[list[str]], dict[str, list[Triple]]]
HYDRA = "http://www.w3.org/ns/hydra/core#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
#: media types by format name (the ``format=`` parameter)
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": xlsx.MEDIA_TYPE,
    "json": "application/json",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "geojson": "application/geo+json",
}


def typed(heading: str, text: str | None) -> xlsx.Cell:
    """A kept cell as a spreadsheet wants it: amounts as numbers, dates as dates."""
    if text is None:
        return None
    if heading in NUMBER_COLUMNS:
        try:
            return Decimal(text)
        except InvalidOperation:
            return text
    if heading in DATE_COLUMNS:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return text
    return text


def _padded(row: list[str | None], width: int) -> list[str | None]:
    return row + [None] * (width - len(row))


def csv_stream(index: ListIndex, ordinals: Iterable[int]) -> Iterator[bytes]:
    headings = columns(index.spec.name)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: commas, CRLF, quotes where needed
    writer.writerow(headings)
    for n, row in enumerate(index.rows.read(ordinals)):
        writer.writerow(["" if v is None else v for v in _padded(row, len(headings))])
        if n % 500 == 499:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_stream(index: ListIndex, ordinals: Iterable[int]) -> Iterator[bytes]:
    headings = columns(index.spec.name)
    rows = (
        [typed(h, v) for h, v in zip(headings, row, strict=False)]
        for row in index.rows.read(ordinals)
    )
    sheet = SHEETS.get(index.spec.name, index.spec.title)
    return xlsx.stream([(sheet, headings, rows)])


def json_stream(
    index: ListIndex,
    ordinals: list[int],
    *,
    url: str,
    selection: Selection,
    total: int,
    facets: dict[str, list[dict[str, object]]],
) -> Iterator[bytes]:
    """``{"list": …, "total": n, "filters": {…}, "facets": {key: [{"value", "label",
    "count"}]}, "items": [{"uri": …, heading: value}]}``: the page's counts with its rows."""
    headings = columns(index.spec.name)
    head = {
        "list": url,
        "total": total,
        "filters": {k: list(v) for k, v in selection.values.items()}
        | {f"{k}_min": str(lo) for k, (lo, _) in selection.ranges.items() if lo is not None}
        | {f"{k}_below": str(hi) for k, (_, hi) in selection.ranges.items() if hi is not None}
        | ({"q": selection.text} if selection.text else {}),
        "facets": facets,
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [').encode("utf-8")
    for n, (i, row) in enumerate(zip(ordinals, index.rows.read(ordinals), strict=True)):
        item: dict[str, object] = {"uri": index.iris[i]}
        for heading, text in zip(headings, row, strict=False):
            if text is not None:
                value = typed(heading, text)
                item[heading] = value.isoformat() if isinstance(value, date) else value
        body = json.dumps(item, ensure_ascii=False, default=_number)
        yield (("," if n else "") + "\n" + body).encode("utf-8")
    yield b"\n]}\n"


def geojson_stream(
    index: ListIndex, ordinals: list[int], names: Iterable[str | None]
) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection, a Feature per item in the page's order: its IRI as
    ``id``, its name and IRI as properties, its point (an organisation's, a participation's
    partner's) or its points (a project's partners: a MultiPoint), or a null geometry when
    none is known (RFC 7946 3.2: an unlocated feature), so that the features count the list."""
    kept = index.points()
    coordinates: dict[int, list[float] | None] = {}

    def points(i: int) -> list[list[float]]:
        found = []
        for code in kept.codes[kept.starts[i] : kept.starts[i + 1]]:
            if code not in coordinates:
                at = wkt_point(kept.values[code])
                coordinates[code] = list(at) if at is not None else None
            point = coordinates[code]
            if point is not None:
                found.append(point)
        return found

    yield b'{"type": "FeatureCollection", "features": ['
    for n, (i, name) in enumerate(zip(ordinals, names, strict=True)):
        at = points(i)
        geometry = (
            None
            if not at
            else {"type": "Point", "coordinates": at[0]}
            if len(at) == 1
            else {"type": "MultiPoint", "coordinates": at}
        )
        feature = {
            "type": "Feature",
            "id": index.iris[i],
            "geometry": geometry,
            "properties": {"uri": index.iris[i], "name": name},
        }
        yield (("," if n else "") + "\n" + json.dumps(feature, ensure_ascii=False)).encode()
    yield b"\n]}\n"


def _number(value: object) -> int | float:
    if isinstance(value, Decimal):  # exact text of the amount, as a JSON number
        # a count (or a whole amount) as an integer: 3, not 3.0
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON: {value!r}")


def rdf_triples(
    index: ListIndex,
    ordinals: Iterable[int],
    names: Iterable[str | None],
    *,
    url: str,
    selection: Selection,
    total: int,
    template: str,
    statements: Statements,
) -> Iterator[Triple]:
    """The list as a resource, then one ``hydra:member`` per item, with its name in the
    reader's language and what the dataset says of it (``statements``)."""
    me = NamedNode(url)
    yield Triple(me, RDF.type, NamedNode(HYDRA + "Collection"))
    yield Triple(me, RDF.type, NamedNode(SCHEMA + "ItemList"))
    yield Triple(me, NamedNode(DCTERMS + "title"), Literal(index.spec.title, language="en"))
    count = Literal(str(total), datatype=XSD.nonNegativeInteger)
    yield Triple(me, NamedNode(HYDRA + "totalItems"), count)
    yield Triple(me, NamedNode(SCHEMA + "numberOfItems"), Literal(str(total), datatype=XSD.integer))
    search = NamedNode(url.split("?", 1)[0] + "#search")
    yield Triple(me, NamedNode(HYDRA + "search"), search)
    yield Triple(search, RDF.type, NamedNode(HYDRA + "IriTemplate"))
    yield Triple(search, NamedNode(HYDRA + "template"), Literal(template))
    for n, (variable, value) in enumerate(selection.params()):
        node = NamedNode(f"{url.split('?', 1)[0]}#filter-{n}")
        yield Triple(me, CBO.filter, node)
        yield Triple(node, NamedNode(HYDRA + "variable"), Literal(variable))
        term = (
            NamedNode(value)
            if index.spec.facet(variable) and _is_iri(index, variable)
            else Literal(value)
        )
        yield Triple(node, RDF.value, term)
    chosen = list(ordinals)
    for start in range(0, len(chosen), MEMBERS_ASKED):
        batch = chosen[start : start + MEMBERS_ASKED]
        said = statements([index.iris[i] for i in batch])
        for i, name in zip(batch, names, strict=False):
            item = NamedNode(index.iris[i])
            yield Triple(me, NamedNode(HYDRA + "member"), item)
            if name:
                yield Triple(item, RDFS.label, Literal(name))
            yield from said.get(index.iris[i], ())


#: members whose statements one query asks for: at most a few thousand triples an answer
#: (a SPARQL server may cap an answer: Virtuoso at 10 000 rows)
MEMBERS_ASKED = 100


def published_statements(store: Dataset) -> Statements:
    """What a list's RDF says of its members: every statement the dataset publishes about
    each (its consolidated description, as its own page's data), a batch per query."""

    def ask(iris: list[str]) -> dict[str, list[Triple]]:
        values = " ".join(f"<{iri}>" for iri in iris)
        found: dict[str, list[Triple]] = {}
        answer = store.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"
        )
        for triple in answer:  # type: ignore[union-attr]
            if isinstance(triple.subject, NamedNode):
                found.setdefault(triple.subject.value, []).append(triple)
        for each in found.values():
            each.sort(key=lambda t: (t.predicate.value, str(t.object)))
        return found

    return ask


def _is_iri(index: ListIndex, key: str) -> bool:
    facet = index.spec.facet(key)
    return facet is not None and facet.kind in ("term", "nuts")


def rdf_stream(triples: Iterable[Triple], fmt: str) -> Iterator[bytes]:
    """Triples as N-Triples (also valid Turtle) or expanded JSON-LD, a few hundred at a time:
    both allow a statement at a time, so the list never waits to be grouped."""
    batch: list[str] = []
    if fmt == "jsonld":
        yield b"["
        for n, triple in enumerate(triples):
            batch.append(
                ("," if n else "") + "\n" + json.dumps(_jsonld(triple), ensure_ascii=False)
            )
            if len(batch) >= 500:
                yield "".join(batch).encode("utf-8")
                batch = []
        yield ("".join(batch) + "\n]\n").encode("utf-8")
        return
    if fmt == "ttl":
        yield b"# a cblod list: every statement on its own line (Turtle that is also N-Triples)\n"
    for triple in triples:
        batch.append(f"{triple} .\n")
        if len(batch) >= 500:
            yield "".join(batch).encode("utf-8")
            batch = []
    yield "".join(batch).encode("utf-8")


def _jsonld(triple: Triple) -> dict[str, object]:
    """One statement as an expanded JSON-LD node object."""
    o = triple.object
    if isinstance(o, NamedNode):
        value: dict[str, str] = {"@id": o.value}
    else:
        assert isinstance(o, Literal)
        value = {"@value": o.value}
        if o.language:
            value["@language"] = o.language
        elif o.datatype.value != XSD.string.value:
            value["@type"] = o.datatype.value
    predicate, subject = triple.predicate.value, str(triple.subject)[1:-1]  # always an IRI here
    if predicate == RDF.type.value:
        return {"@id": subject, "@type": [value["@id"]]}
    return {"@id": subject, predicate: [value]}
