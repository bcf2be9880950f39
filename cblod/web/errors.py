"""HTTP errors as clients can read them: plain text for programs, a short page for browsers.

Werkzeug's default error pages are HTML for everyone; a SPARQL client wants the reason as
text. No error ever carries a stack trace.
"""

from __future__ import annotations

import logging
from html import escape

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..query.formats import prefers_html

log = logging.getLogger(__name__)


class ClientError(Exception):
    """A client's mistake, with the status that says so (4xx) and a message naming it. Each
    protocol answers it in its own form (the SPARQL endpoint as text, the reconciliation
    service as JSON); never a 500."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _page(exc: HTTPException) -> str:
    """The site's own page for an error: its header, navigation and styles, and a way on.

    Made without asking the store anything (the store may be why it failed); if even that
    fails, a bare page that still says what happened."""
    try:
        return render_template("error.html", error=exc, plain_page=True)
    except Exception:  # noqa: BLE001 - an error page must never fail in turn
        log.exception("the error page could not be rendered")
        return (
            f'<!doctype html><html lang="en"><title>{exc.code} {escape(exc.name)}</title>'
            f"<h1>{escape(exc.name)}</h1><p>{escape(exc.description or '')}</p></html>"
        )


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        message = f"{exc.code} {exc.name}: {exc.description}"
        if prefers_html(request.headers.get("Accept")):
            response = Response(_page(exc), exc.code, mimetype="text/html")
        else:
            response = Response(message + "\n", exc.code, mimetype="text/plain")
        for name in ("Allow", "Retry-After"):
            if exc.get_response().headers.get(name):
                response.headers[name] = exc.get_response().headers[name]
        return response

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return http_error(InternalServerError())
