"""Where an IRI is shown on this server: our resources map onto local paths at any host.

The store's base URI (``https://data.example.eu/``) names things; the server may run there,
behind a proxy, or at ``http://127.0.0.1:5000/``. Request paths map onto the base, and links
on pages are local paths, so every deployment links to itself.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import quote

from flask import g, request, url_for

from ..core.vocab import CBO
from .language import with_language
from .store_access import current_store


class _Here(NamedTuple):
    """What every link of a request is made from, read once a request: a page draws a
    hundred links, and reading these through Flask's context each time was a tenth of it."""

    base: str  # the base URI the data was minted under
    ours: str  # ``{base}id/``: the start of every IRI we publish
    root: str  # the path the application is mounted at (``request.script_root``)
    ontology: str  # the ontology's documentation page
    carried: str  # what a link to another page keeps of this request (``?lang=sv``)


def _here() -> _Here:
    here: _Here | None = g.get("cblod_links")
    if here is None:
        base = current_store().base_uri or "http://127.0.0.1:5000/"
        here = _Here(
            base,
            base + "id/",
            request.script_root,
            url_for("ontology.documentation"),
            with_language(""),
        )
        g.cblod_links = here
    return here


def base_uri() -> str:
    """The base the data was minted under."""
    return _here().base


def iri_for_path(kind: str, key: str) -> str:
    return f"{base_uri()}id/{kind}/{key}"


def local_kind_key(iri: str) -> tuple[str, str] | None:
    """(kind, key) when ``iri`` is one of ours (``{base}id/{kind}/{key}``), else None."""
    return _kind_key(iri, _here())


def _kind_key(iri: str, here: _Here) -> tuple[str, str] | None:
    if not iri.startswith(here.ours):
        return None
    kind, _, key = iri[len(here.ours) :].partition("/")
    return (kind, key) if kind and key else None


_ONTOLOGY = str(CBO)


def href(iri: str) -> str:
    """The link to show for ``iri``: its page here when it is ours, else the IRI itself."""
    here = _here()
    found = _kind_key(iri, here)
    if found:
        return _document_path(here.root, *found) + here.carried
    if iri.startswith(_ONTOLOGY):
        return here.ontology + "#" + iri.rsplit("#", 1)[-1]
    return iri


def document_path(kind: str, key: str) -> str:
    """The path of the document describing ``kind/key`` (``key`` may end in a format's
    extension): what ``url_for("resources.document", …)`` builds, without its cost (a page
    draws hundreds of links, and url_for was a fifth of a project page's time)."""
    return _document_path(_here().root, kind, key)


def _document_path(root: str, kind: str, key: str) -> str:
    return f"{root}/doc/{quote(kind, safe='')}/{quote(key, safe='/')}"
