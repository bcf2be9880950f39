"""Every list's facet index kept with a release (at publish): patched from the release
before's where the change is known (``patch``), else built (``index``), and saved."""

from __future__ import annotations

import uuid
from pathlib import Path

from ...backends.published import Dataset, current_release
from ...backends.releases import change_of
from ..building import building
from ..paths import PathReader
from ..reach import Reach
from .index import FOLDER, build, folder_of, load, save
from .patch import patch
from .spec import LISTS, FacetedList


def build_all(
    store: Dataset,
    steps: PathReader | None = None,
    *,
    reuse: bool = True,
    reach: Reach | None = None,
) -> int:
    """Build and save every list's index into the snapshot ``store`` reads (at ingest);
    ``steps`` may already hold properties read for another index of the same snapshot. From
    the release before's index (``reuse``): patched where ``reach`` says what the release
    changed (``cblod.derived.facets.patch``: only the items it reaches made again), else built with
    the rows whose inputs did not change taken."""
    folder = folder_of(store)
    if folder is None:
        return 0
    before = _previous_folder(store) if reuse else None
    with building(folder, "facets"):
        for spec in LISTS.values():
            steps = _keep_one(store, spec, folder, before, steps, reach)
    return len(LISTS)


def _keep_one(
    store: Dataset,
    spec: FacetedList,
    folder: Path,
    before: Path | None,
    steps: PathReader | None,
    reach: Reach | None,
) -> PathReader | None:
    """Keep one list's index; returns the property reader, if one was needed, for the next
    list. A function of its own so that a list's index (and the release before's) is freed
    before the next list is built: in the loop it was held until the next one's build returned,
    its size added to the next one's peak."""
    previous = load(before, spec, inputs=True) if before is not None else None
    made = (
        patch(store, spec, previous, reach) if previous is not None and reach is not None else None
    )
    if made is None:
        steps = steps or PathReader(store)
        scratch = folder / f"{spec.name}.{uuid.uuid4().hex}.rows.building"
        made = build(store, spec, steps, previous, scratch=scratch)
    save(made, folder, before, previous)
    return steps


def _previous_folder(store: Dataset) -> Path | None:
    """The facet index folder of the release before ``store``'s, when it is on disk."""
    release = current_release(store)
    change = change_of(release) if release is not None else None
    return change.previous / FOLDER if change is not None else None
