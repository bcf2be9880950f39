"""Where an IRI is shown on this server: our resources map onto local paths at any host.

The store's base URI (``https://data.example.eu/``) names things; the server may run there,
behind a proxy, or at ``http://127.0.0.1:5000/``. Request paths map onto the base, and links
on pages are local paths, so every deployment links to itself.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import g, request, url_for

from ..vocab import CBO
from .store_access import current_store


def base_uri() -> str:
    """The base the data was minted under, read once a request (a page draws many links)."""
    if "cblod_base_uri" not in g:
        g.cblod_base_uri = current_store().base_uri or "http://127.0.0.1:5000/"
    base: str = g.cblod_base_uri
    return base


def iri_for_path(kind: str, key: str) -> str:
    return f"{base_uri()}id/{kind}/{key}"


def local_kind_key(iri: str) -> tuple[str, str] | None:
    """(kind, key) when ``iri`` is one of ours (``{base}id/{kind}/{key}``), else None."""
    base = base_uri()
    if not iri.startswith(base + "id/"):
        return None
    kind, _, key = iri[len(base) + 3 :].partition("/")
    return (kind, key) if kind and key else None


def href(iri: str) -> str:
    """The link to show for ``iri``: its page here when it is ours, else the IRI itself."""
    found = local_kind_key(iri)
    if found:
        return document_path(*found)
    if iri.startswith(str(CBO)):
        return url_for("ontology.documentation") + "#" + iri.rsplit("#", 1)[-1]
    return iri


def document_path(kind: str, key: str) -> str:
    """The path of the document describing ``kind/key`` (``key`` may end in a format's
    extension): what ``url_for("resources.document", …)`` builds, without its cost (a page
    draws hundreds of links, and url_for was a fifth of a project page's time)."""
    return f"{request.script_root}/doc/{quote(kind, safe='')}/{quote(key, safe='/')}"
