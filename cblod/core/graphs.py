"""The names of cblod's own graphs, apart from the ``Dataset`` protocol that reads them, so
that the description of a resource (``cblod.read.describe``) and the read interface
(``cblod.backends.published``, which re-exports them) need not import each other."""

from __future__ import annotations

from pyoxigraph import NamedNode

from .vocab import CBO

#: every graph cblod names for itself, here or on a SPARQL server (``cblod.backends.push``): never a
#: source
OWN_GRAPHS = "urn:cblod:"
#: cblod's own graphs in a store: never a source, never shown as one
INTERNAL = OWN_GRAPHS + "internal:"
META = NamedNode(INTERNAL + "meta")
IDENTITY = NamedNode(INTERNAL + "identity")
DATASET = NamedNode(INTERNAL + "dataset")
IDENTITY_KEY = CBO.identityKey
#: the keys of registry identifiers (``cblod.ingest.identity.LOOKED_UP``): looked up one at
#: a time, never loaded whole, so kept apart from the others
IDENTIFIER_KEY = CBO.identifierKey
#: which of those layouts a store's identity graph has (``cblod.ingest.writer``)
IDENTITY_LAYOUT = CBO.identityLayout
IDENTITY_EVIDENCE = CBO.identityEvidence
