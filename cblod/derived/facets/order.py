"""A faceted list's order by the names its readers see (``cblod.read.chosen_names``).

An index keeps the order a reader of ``DEFAULT_LANGUAGES`` sees, computed at publish, so the
first view of a list after a release sorts nothing (issue #24); another reader's order is
sorted on their first view and kept in memory by the web tier.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ...read.chosen_names import choose

#: sorts after every name: items without one come last
NO_NAME = "\uffff"


def name_order(
    names: Sequence[Sequence[Sequence[str]]], iris: Sequence[str], languages: Sequence[str]
) -> npt.NDArray[np.int64]:
    """Every item's ordinal in order of the name a reader of ``languages`` sees (case
    folded, items without a name last), ties by IRI."""
    keys = []
    for each in names:
        best = choose(each, languages)
        keys.append(((best[0] if best is not None else "") or NO_NAME).lower())
    return np.array(sorted(range(len(iris)), key=lambda i: (keys[i], iris[i])), dtype=np.int64)
