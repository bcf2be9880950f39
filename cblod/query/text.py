"""SPARQL text built the same way by the pages and by what is kept for them.

Pure string builders (no store, no request): ``cblod.derived.kept`` computes a page's heavy answers
at publish from the very query text the page sends later, and finds them by that text.
"""

from __future__ import annotations


def ordered(grouped: str, order_by: str, *, limit: int | None = None, offset: int = 0) -> str:
    """``grouped`` (a SELECT with aggregates) sorted by the names it selects.

    Ordering by an aggregate's name in the same query is standard, but Virtuoso refuses it
    ("used in the result set outside aggregate"); sorting the grouped answer from outside is
    the same query for every engine.
    """
    page = f" LIMIT {limit}" if limit is not None else ""
    page += f" OFFSET {offset}" if offset else ""
    return f"SELECT * WHERE {{ {{ {grouped} }} }} ORDER BY {order_by}{page}"


def union_of_sections(queries: dict[str, str]) -> str:
    """Several SELECTs as one: each a branch of a UNION whose rows ``?section`` tells apart
    (over a SPARQL server, one request a page instead of one per table). The rows come in no
    particular order: whoever reads them sorts each table."""
    branches = " UNION ".join(
        f'{{ {{ {query} }} BIND("{name}" AS ?section) }}' for name, query in queries.items()
    )
    return f"SELECT * WHERE {{ {branches} }}"
