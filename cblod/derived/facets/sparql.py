"""The SPARQL a faceted list shows: the same patterns as its index, put together.

A page offers its query on ``/sparql`` so a reader can check a number or take the query
further. The items it selects are the items the page lists, with one documented difference:
free text in SPARQL is a case-insensitive match at the start of a word (``REGEX``), while the
page's search index also ignores diacritics ("vasteras" finds "Västerås" on the page only).
"""

from __future__ import annotations

from .selection import Selection
from .spec import NUTS, Facet, FacetedList, Measure

#: the properties free text is matched in (those the search index reads)
TEXT_PROPERTIES = (
    "rdfs:label|skos:prefLabel|skos:altLabel|cbo:acronym|cbo:formerName|skos:notation"
    "|dcterms:description"
)


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def facet_clause(facet: Facet, chosen: tuple[str, ...]) -> str:
    """``?item`` has one of ``chosen`` (a region: or a region within it)."""
    variable = f"?{facet.key}"
    if facet.kind == "year":
        pattern = (
            f"?item {facet.sparql_path} ?_{facet.key}_date . "
            f"BIND(YEAR(?_{facet.key}_date) AS {variable})"
        )
    else:
        pattern = f"?item {facet.sparql_path} {variable} ."
    if facet.kind in ("literal", "year"):
        listed = ", ".join(_string(v) for v in chosen)
        return f"{pattern} FILTER(STR({variable}) IN ({listed}))"
    if facet.kind == "nuts":
        tests = [
            f"STRSTARTS(STR({variable}), {_string(v)})"
            if v.startswith(NUTS)
            else f"{variable} = <{v}>"
            for v in chosen
        ]
        return f"{pattern} FILTER({' || '.join(tests)})"
    return f"VALUES {variable} {{ {' '.join(f'<{v}>' for v in chosen)} }} {pattern}"


def where(spec: FacetedList, selection: Selection, *, without: str | None = None) -> str:
    """The graph pattern of the selected items (``without`` one facet: for its counts)."""
    parts = [spec.items]
    for facet in spec.facets:
        chosen = selection.values.get(facet.key)
        if chosen and facet.key != without:
            parts.append(facet_clause(facet, chosen))
    for measure in spec.measures:
        low, high = selection.ranges.get(measure.key, (None, None))
        if low is None and high is None:
            continue
        variable = f"?{measure.key}"
        tests = ([f"{variable} >= {low}"] if low is not None else []) + (
            [f"{variable} < {high}"] if high is not None else []
        )
        pattern = amount_pattern(measure, variable)
        parts.append(f"{pattern} FILTER({' && '.join(tests)})")
    for n, word in enumerate(selection.words):
        hit = (
            f"?item {'|'.join(spec.text_targets)} ?_hit_text{n} ."
            if spec.text_targets
            else f"BIND(?item AS ?_hit_text{n})"
        )
        parts.append(
            f"FILTER EXISTS {{ {hit} ?_hit_text{n} {TEXT_PROPERTIES} ?_text{n} . "
            f'FILTER(REGEX(STR(?_text{n}), "(^|[^\\\\p{{L}}\\\\p{{N}}]){word}", "i")) }}'
        )
    return "\n  ".join(parts)


def amount_pattern(measure: Measure, variable: str) -> str:
    """Binds ``variable`` to an item's amount: its value, the sum of one value per node the
    path's steps but the last reach (a participation each), or the number of distinct ends."""
    path = "/".join(measure.path)
    if measure.aggregate == "one":
        return f"?item {path} {variable} ."
    if measure.aggregate == "count":
        return (
            f"{{ SELECT ?item (COUNT(DISTINCT ?_{measure.key}_end) AS {variable}) "
            f"WHERE {{ ?item {path} ?_{measure.key}_end }} GROUP BY ?item }}"
        )
    node, each = f"?_{measure.key}_node", f"?_{measure.key}_each"
    return (
        f"{{ SELECT ?item (SUM({each}) AS {variable}) WHERE {{ "
        f"{{ SELECT DISTINCT ?item {node} WHERE {{ ?item {'/'.join(measure.path[:-1])} {node} }} }} "
        f"{node} {measure.path[-1]} {each} }} GROUP BY ?item }}"
    )


def list_query(spec: FacetedList, selection: Selection) -> str:
    """Every selected item with a name, as the page lists them (by name)."""
    return (
        f"SELECT ?item (MIN(STR(?label)) AS ?name) WHERE {{\n  {where(spec, selection)}\n"
        f"  OPTIONAL {{ ?item {spec.names} ?label }}\n}}\nGROUP BY ?item ORDER BY ?name ?item"
    )


def count_query(spec: FacetedList, selection: Selection) -> str:
    return f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{\n  {where(spec, selection)}\n}}"


def facet_count_query(spec: FacetedList, selection: Selection, key: str, value: str) -> str:
    """How many items have ``value`` of facet ``key`` given the other filters: the number the
    page shows beside that value."""
    facet = spec.facet(key)
    assert facet is not None
    others = where(spec, selection, without=key)
    clause = facet_clause(facet, (value,))
    return f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{\n  {others}\n  {clause}\n}}"
