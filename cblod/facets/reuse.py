"""Export rows kept from the release before: a row is made again only when what it is made
from changed (issue #24: an update costs what changed).

A list's row (``cblod.facets.table``) is a pure function of two things: the item's gathered
values (the ends of its fields' paths, read whole at every build) and what it looks up about
the nodes those lead to (a programme's name, an identifier's scheme, an address's town; the
``LOOKUPS``). Each build notes, per item, a digest of its values and the nodes it looked up,
with a digest of everything the lookups say of those nodes. The next build reuses an item's
row when its values' digest is the same and the nodes it looked up then say the same now:
the function would then make the same lookups, get the same answers and write the same row.
That is exact, whatever changed and however far away, with no knowledge of what a row reads;
a test builds every list both ways and compares the files byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Lookup = Callable[[str, str], list[str]]
DIGEST = 16  # bytes (BLAKE2b)


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST).digest()


@dataclass
class RowInputs:
    """Per item (by ordinal): its values' digest, the nodes it looked up and their digest."""

    values: list[bytes] = field(default_factory=list)
    looked_up: list[bytes] = field(default_factory=list)
    nodes: list[list[str]] = field(default_factory=list)
    #: rows this build made (the others were the release before's): not kept
    made: int = field(default=0, compare=False)

    def add(self, values: bytes, nodes: list[str], looked_up: bytes) -> None:
        self.values.append(values)
        self.nodes.append(nodes)
        self.looked_up.append(looked_up)

    def arrays(self) -> tuple[dict[str, npt.NDArray[np.generic]], list[str]]:
        """As arrays for the index's ``.npz`` and a node table for its JSON."""
        table: dict[str, int] = {}
        ids = [table.setdefault(n, len(table)) for each in self.nodes for n in each]
        offsets = np.cumsum([0, *(len(each) for each in self.nodes)], dtype=np.int64)
        return (
            {
                "inputs.values": np.array(self.values, dtype=f"S{DIGEST}"),
                "inputs.looked_up": np.array(self.looked_up, dtype=f"S{DIGEST}"),
                "inputs.offsets": offsets,
                "inputs.nodes": np.array(ids, dtype=np.int64),
            },
            list(table),
        )

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]], table: list[str]) -> RowInputs:
        offsets, ids = arrays["inputs.offsets"].tolist(), arrays["inputs.nodes"].tolist()
        return cls(
            values=[bytes(v) for v in arrays["inputs.values"]],
            looked_up=[bytes(v) for v in arrays["inputs.looked_up"]],
            nodes=[
                [table[i] for i in ids[a:b]] for a, b in zip(offsets, offsets[1:], strict=False)
            ],
        )


class Recorder:
    """Looks up as ``lookup`` does, noting every node asked about, and digests what the
    lookups (every name of ``names``) say of a node, once a build."""

    def __init__(self, lookup: Lookup, names: list[str]) -> None:
        self._lookup, self._names = lookup, names
        self._digests: dict[str, bytes] = {}
        self.asked: set[str] = set()

    def __call__(self, name: str, iri: str) -> list[str]:
        self.asked.add(iri)
        return self._lookup(name, iri)

    def node_digest(self, iri: str) -> bytes:
        found = self._digests.get(iri)
        if found is None:
            found = digest(json.dumps([self._lookup(n, iri) for n in self._names]))
            self._digests[iri] = found
        return found

    def nodes_digest(self, nodes: list[str]) -> bytes:
        return hashlib.blake2b(
            b"".join(self.node_digest(n) for n in nodes), digest_size=DIGEST
        ).digest()
