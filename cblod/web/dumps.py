"""``/dumps/``: download the whole dataset; files are built once per dataset version.

Served from disk: streamed, with ``ETag`` (the dataset version), ``Last-Modified``, ``HEAD``,
``If-None-Match`` -> 304 and ranges, whether a dump is one file (``send_file``) or kept as
parts read as one (``dataset.nq.gz``: ``cblod.read.composed``). Only the names the dump set
lists can be asked for, so no path ever reaches the file system from a URL.
"""

import io
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from werkzeug.wsgi import wrap_file

from ..backends.published import current_release
from ..read.composed import Composed
from ..read.dumps import (
    RELEASE_DUMPS,
    SEGMENTS,
    dump_files,
    dump_parts,
    dump_size,
    manifest,
    write_dumps,
)
from .store_access import current_store

blueprint = Blueprint("dumps", __name__)
_lock = threading.Lock()


def dumps_dir() -> Path:
    """The dumps of the current dataset version: its release's (built after the publish, in
    the snapshot), or else ``{store}/dumps/{version}``, built here on first request."""
    store = current_store()
    release = current_release(store)
    if release and manifest(release):
        return release / RELEASE_DUMPS  # built with the release, after its publish
    root = Path(current_app.config.get("DUMPS_DIR") or store.path / "dumps").absolute()
    target = root / store.version
    with _lock:
        if not (target / SEGMENTS).exists():  # written last
            write_dumps(store, target)
            if current_app.extensions["cblod_store"].current().version == store.version:
                for older in root.iterdir():  # downloads in progress keep their open files
                    if older.is_dir() and older != target:
                        shutil.rmtree(older, ignore_errors=True)
    return target


@blueprint.route("/dumps/")
def index() -> str:
    folder = dumps_dir()
    files = [
        {
            "name": f.name,
            "type": f.media_type,
            "description": f.description,
            "size": dump_size(folder, f.name),
        }
        for f in dump_files(current_store())
    ]
    return render_template("dumps.html", files=files)


@blueprint.route("/dumps/<path:name>", methods=["GET", "HEAD"])
def download(name: str) -> Response:
    known = {f.name: f for f in dump_files(current_store())}
    if name not in known:
        abort(404, description=f"no dump file {name!r}; see /dumps/")
    response = send_dump(
        dumps_dir(), name, name.rsplit("/", 1)[-1], f"{current_store().version}-{name}"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def send_dump(folder: Path, name: str, download_name: str, etag: str) -> Response:
    """The dump ``name`` of ``folder`` as a download: streamed, conditional, with ranges."""
    parts = dump_parts(folder, name)
    if parts is None:
        return send_file(
            folder / name,
            mimetype="application/gzip",
            as_attachment=True,
            download_name=download_name,
            etag=etag,
            conditional=True,
        )
    whole = Composed(parts)  # the parts read once, opened together, measured once
    response = Response(
        wrap_file(request.environ, io.BufferedReader(whole)),
        mimetype="application/gzip",
        direct_passthrough=True,
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    response.set_etag(etag)
    newest = max(part.stat().st_mtime for part in parts)
    response.last_modified = datetime.fromtimestamp(newest, tz=UTC)
    response.content_length = whole.size  # a range asked for states its own (make_conditional)
    response.make_conditional(request.environ, accept_ranges=True, complete_length=whole.size)
    return response
