"""Request hygiene and protective headers, for every response.

A path or parameter with invalid UTF-8 (decoded by Werkzeug as U+FFFD), NUL or other control
characters is refused with 400 before any view sees it. Every response says
``X-Content-Type-Options: nosniff``; HTML gets a Content-Security-Policy that allows nothing
but cblod's own files: its stylesheets, and the query page's scripts (the vendored YASGUI and
``cblod-query.js``, which ask cblod's endpoint only); no inline script or style anywhere
(JSON-LD blocks are data, not code).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Flask, Response, abort, request

#: the one stylesheet the vendored YASGUI inserts itself (its table's column resizer), allowed
#: by the hash of its exact text rather than by 'unsafe-inline'; a new YASGUI version with
#: another text fails the browser test that checks the query page for CSP violations
YASGUI_STYLE = "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='"
CSP = (
    f"default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' {YASGUI_STYLE}; "
    "img-src 'self' data:; font-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ud800-\udfff]")


def register(app: Flask) -> None:
    @app.before_request
    def refuse_malformed() -> None:
        try:  # Werkzeug leaves an invalid escape such as %FF undecoded in args: check the bytes
            unquote_to_bytes(request.query_string.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            abort(400, description="the query string is not valid UTF-8")
        values = [request.path, *request.args.keys()]
        values += [v for vs in request.args.listvalues() for v in vs]
        if any(_BAD.search(v) for v in values):
            abort(400, description="the request has invalid UTF-8 or control characters")

    @app.after_request
    def protective_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = CSP  # a view may only loosen framing
        return response
