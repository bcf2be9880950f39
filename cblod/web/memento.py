"""Time travel for every resource (Memento, RFC 7089), over the releases a store keeps.

A resource's ``/id`` and ``/doc`` URIs are its own TimeGate: with ``Accept-Datetime`` they
answer ``302`` to the Memento in force at that time, ``/doc/{kind}/{key}?release={n}``: the
resource as release ``n`` published it, with ``Memento-Datetime`` (the release's time) and
``Link`` to the original, the TimeGate and the TimeMap. The TimeMap,
``/timemap/{kind}/{key}`` (``application/link-format``), lists the releases in which the
resource has published statements. A resource no release since keeps publishing answers
``410 Gone`` on ``/id`` and ``/doc``; its old descriptions stay reachable by Memento as long as
their releases are kept. Answers that depend on ``Accept-Datetime`` say so (``Vary``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from flask import Blueprint, Response, abort, g, render_template, request, url_for
from pyoxigraph import DefaultGraph, NamedNode
from werkzeug.wrappers import Response as BaseResponse

from ..backends.releases import Release
from ..query.formats import prefers_html
from ..read.describe import describe
from .labels import own_name, reader_languages
from .language import with_language
from .links import iri_for_path
from .releases import kept_release, release_store, retained
from .store_access import current_store, memos

blueprint = Blueprint("memento", __name__)


def asked_datetime() -> datetime | None:
    """The ``Accept-Datetime`` a client sent (RFC 7089: an HTTP-date); a malformed one is a
    400 naming the header, never a silent present."""
    header = request.headers.get("Accept-Datetime")
    if header is None:
        return None
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        abort(400, description=f"Accept-Datetime {header[:60]!r} is not an HTTP date (RFC 7231)")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def release_at(when: datetime) -> Release | None:
    """The release in force at ``when``: the last one published at or before it, else the
    first one kept (RFC 7089 sends a request before the first Memento to the first)."""
    releases = sorted(retained(), key=lambda r: r.number)
    before = [r for r in releases if r.issued <= when]
    if before:
        return before[-1]
    return releases[0] if releases else None


def releases_with(iri: NamedNode) -> list[Release]:
    """The kept releases in which ``iri`` has published statements, oldest first."""
    return [
        release
        for release in sorted(retained(), key=lambda r: r.number)
        if any(True for _ in release_store(release).quads(iri, None, None, DefaultGraph()))
    ]


def use_release(number: int) -> Release:
    """Make this request read release ``number``'s snapshot (404/410 when there is none)."""
    release = kept_release(number)
    newest = retained()  # read from the published store, before this request leaves it
    g.cblod_newest_release = newest[0] if newest else None
    g.cblod_store = release_store(release)
    g.cblod_release = release
    return release


def links(kind: str, key: str) -> str:
    """The ``Link`` header value that points a client to the original, TimeGate and TimeMap."""
    original = url_for("resources.thing", kind=kind, key=key, _external=True)
    timemap = url_for("memento.timemap", kind=kind, key=key, _external=True)
    return (
        f'<{original}>; rel="original timegate", '
        f'<{timemap}>; rel="timemap"; type="application/link-format"'
    )


def to_memento(kind: str, key: str, ext: str | None) -> BaseResponse | None:
    """With ``Accept-Datetime``: a 302 to the Memento in force then; None without."""
    when = asked_datetime()
    if when is None:
        return None
    release = release_at(when)
    if release is None:
        abort(404, description="this dataset keeps no release to travel to")
    target = url_for(
        "resources.document",
        kind=kind,
        key=key if ext in (None, "html") else f"{key}.{ext}",
        release=release.number,
    )
    response = Response(status=302, headers={"Location": target, "Link": links(kind, key)})
    response.vary.add("Accept-Datetime")
    response.vary.add("Accept")
    return response


def as_memento(response: Response, kind: str, key: str) -> Response:
    """Mark a document answer as a Memento (when the request reads a release) and link the
    TimeMap either way."""
    release: Release | None = g.get("cblod_release")
    if release is not None:
        response.headers["Memento-Datetime"] = format_datetime(release.issued, usegmt=True)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    existing = response.headers.get("Link")
    response.headers["Link"] = ", ".join(filter(None, [existing, links(kind, key)]))
    return response


def gone_or_missing(kind: str, key: str) -> None:
    """404, or 410 Gone with its TimeMap when a kept release still describes the resource."""
    if releases_with(NamedNode(iri_for_path(kind, key))):
        response = Response(
            f"{kind} {key!r} is no longer published; its earlier descriptions are listed "
            f"in its TimeMap\n",
            status=410,
            content_type="text/plain; charset=utf-8",
            headers={"Link": links(kind, key)},
        )
        abort(response)
    abort(404, description=f"cblod has no {kind} {key!r}")


def newest_release() -> Release | None:
    """The newest kept release, when this request reads an older one (``use_release``)."""
    return g.get("cblod_newest_release")


#: what a TimeMap is offered as: RFC 7089's link format for programs, a page for people
TIMEMAP_TYPES = ("application/link-format", "text/html")


@blueprint.route("/timemap/<kind>/<path:key>")
def timemap(kind: str, key: str) -> Response:
    """A resource's versions: ``application/link-format`` (RFC 7089) for a program, a page
    listing them for a browser (by ``Accept``; ``Vary: Accept``)."""
    try:
        iri = NamedNode(iri_for_path(kind, key))
    except ValueError:
        abort(404, description=f"cblod has no {kind} {key!r}")
    as_page = prefers_html(request.headers.get("Accept"))
    found = releases_with(iri)
    if not found:
        abort(404, description=f"no kept release describes {kind} {key!r}")
    if as_page:
        response = Response(
            _timemap_page(kind, key, iri, found), content_type="text/html; charset=utf-8"
        )
        response.vary.add("Accept")
        return response
    original = url_for("resources.thing", kind=kind, key=key, _external=True)
    lines = [
        f'<{original}>; rel="original"',
        f'<{original}>; rel="timegate"',
        f'<{request.base_url}>; rel="self"; type="application/link-format"'
        f'; from="{format_datetime(found[0].issued, usegmt=True)}"'
        f'; until="{format_datetime(found[-1].issued, usegmt=True)}"',
    ]
    for n, release in enumerate(found):
        rel = "first memento" if n == 0 else "last memento" if n == len(found) - 1 else "memento"
        if len(found) == 1:
            rel = "first last memento"
        uri = url_for(
            "resources.document", kind=kind, key=key, release=release.number, _external=True
        )
        lines.append(
            f'<{uri}>; rel="{rel}"; datetime="{format_datetime(release.issued, usegmt=True)}"'
        )
    response = Response(",\n".join(lines) + "\n", content_type="application/link-format")
    response.vary.add("Accept")
    return response


def _timemap_page(kind: str, key: str, iri: NamedNode, found: list[Release]) -> str:
    """The versions as a person reads them: newest first, each release's page of the
    resource, its date and what the release changed, and the current page."""
    description = describe(current_store(), iri, known=memos().about)
    name = own_name(description, reader_languages()) if description.exists else None
    versions = [
        {
            "number": r.number,
            "issued": r.issued,
            "href": with_language(
                url_for("resources.document", kind=kind, key=key, release=r.number)
            ),
            "release": url_for("releases.document", number=r.number),
        }
        for r in reversed(found)
    ]
    return render_template(
        "timemap.html",
        title=name.value if name is not None else description.label(),
        kind=kind,
        iri=iri.value,
        current=with_language(url_for("resources.document", kind=kind, key=key))
        if description.exists
        else None,
        link_format=url_for("memento.timemap", kind=kind, key=key),
        versions=versions,
    )
