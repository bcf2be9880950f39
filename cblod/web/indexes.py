"""The facet indexes a server reads, loaded once per dataset version into the app's memos.

A list's index is what its faceted page, its exports and an organisation's page (which picks
the participations it shows from it) read: kept with the release at publish, loaded by the
request that first needs it or ahead of every request by the server's ``Preparer``.
"""

from __future__ import annotations

from .. import collector
from ..backends.published import Dataset
from ..derived.building import wait_for
from ..derived.facets.index import ListIndex, build, folder_of, load
from ..derived.facets.spec import LISTS
from ..lru import VersionedCache
from .store_access import current_store, memos


def list_index(name: str) -> ListIndex:
    """The facet index of list ``name`` for the snapshot this request reads."""
    return index_of(current_store(), name, memos().indexes)


def index_of(store: Dataset, name: str, indexes: VersionedCache[ListIndex]) -> ListIndex:
    """The facet index of list ``name`` for the snapshot ``store`` reads, loaded (or built)
    once per snapshot: by the request that first needs it, or ahead of every request by the
    server's ``Preparer``."""

    def make() -> ListIndex:
        folder = folder_of(store)
        index = None
        if folder is not None:  # kept at publish, or being built there right now
            with collector.long_lived():
                index = wait_for(folder, "facets", lambda: load(folder, LISTS[name]))
        return (index if index is not None else build(store, LISTS[name])).hold_values()

    return indexes.get(store.version, name, make)
