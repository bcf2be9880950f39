"""gzip for clients that accept it: result sets and dumps compress five to ten times."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator

from flask import Flask, Response, request

MIN_SIZE = 1024
#: media types that are zip files already (an XLSX)
ALREADY_COMPRESSED = frozenset(
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
)


def _gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    squeezer = zlib.compressobj(5, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
    for chunk in chunks:
        if out := squeezer.compress(chunk):
            yield out
    yield squeezer.flush()


def register(app: Flask) -> None:
    @app.after_request
    def compress(response: Response) -> Response:
        response.vary.add("Accept-Encoding")
        if (
            response.direct_passthrough
            or response.status_code < 200
            or response.status_code in (204, 304)
            or "Content-Encoding" in response.headers
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
        ):
            return response
        if response.is_streamed:  # an export: compress as it streams, never hold it whole
            if response.mimetype not in ALREADY_COMPRESSED:
                chunks = response.response  # taken before it is replaced
                response.response = _gzipped(
                    c if isinstance(c, bytes) else c.encode("utf-8") for c in chunks
                )
                response.headers["Content-Encoding"] = "gzip"
                response.headers.pop("Content-Length", None)
            return response
        body = response.get_data()
        if len(body) < MIN_SIZE:
            return response
        response.set_data(gzip.compress(body, compresslevel=5))
        response.headers["Content-Encoding"] = "gzip"
        etag, weak = response.get_etag()
        if etag:
            response.set_etag(etag + "-gz", weak=bool(weak))
        return response
