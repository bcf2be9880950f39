"""A lexical look at a SPARQL request before anything runs.

It tells the query form (for negotiation and ETags), whether the text is an update (refused
with 403 on the read-only endpoint), and every ``SERVICE`` target (pyoxigraph would fetch
them: a client must not be able to make the server send requests). Comments, strings and IRIs
are skipped as tokens, so ``"SERVICE"`` inside a string is not a SERVICE call; a keyword the
scan cannot place is treated as present, so mistakes refuse a query rather than let a call out.
It also measures how deeply the query nests: pyoxigraph's parser recurses, and a few thousand
levels overflow its stack and kill the process, so the endpoint refuses such a query first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>,;.]*)?)
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_WORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
}


@dataclass
class Scan:
    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or None when not a query
    is_update: bool = False
    services: list[str | None] = field(default_factory=list)  # IRI, or None for a variable
    names_dataset: bool = False  # FROM / FROM NAMED in the query itself
    uses_graph: bool = False  # a GRAPH pattern: only then does the set of named graphs matter
    depth: int = 0  # deepest nesting of {…}, (…) and […]


def scan(text: str) -> Scan:
    result = Scan()
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]
    tokens = [(kind, value) for kind, value in tokens if kind not in {"comment"}]
    first_keyword = True
    depth = 0
    for i, (kind, value) in enumerate(tokens):
        if kind == "other":
            if value in "{([":
                depth += 1
                result.depth = max(result.depth, depth)
            elif value in "})]":
                depth -= 1
            continue
        if kind != "word":
            continue
        word = value.upper()
        if first_keyword and word not in {"PREFIX", "BASE"} and ":" not in value:
            first_keyword = False
            if word in QUERY_FORMS:
                result.form = word
            elif word in UPDATE_WORDS:
                result.is_update = True
        if word == "SERVICE":
            j = i + 1
            if j < len(tokens) and tokens[j][1].upper() == "SILENT":
                j += 1
            target = tokens[j] if j < len(tokens) else ("other", "")
            result.services.append(target[1][1:-1] if target[0] == "iri" else None)
        elif word == "FROM":
            result.names_dataset = True
        elif word == "GRAPH":
            result.uses_graph = True
    return result
