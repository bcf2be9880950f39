"""``/dumps/``: download the whole dataset; files are built once per dataset version.

Served from disk with ``send_file``: streamed, with ``ETag`` (the dataset version),
``Last-Modified``, ``HEAD``, ``If-None-Match`` -> 304 and ranges. Only the names the dump set
lists can be asked for, so no path ever reaches the file system from a URL.
"""

import shutil
import threading
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, send_file

from ..backends.published import current_release
from ..read.dumps import RELEASE_DUMPS, dump_files, manifest, write_dumps
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
        if not (target / "dataset.nq.gz").exists():
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
            "size": (folder / f.name).stat().st_size,
        }
        for f in dump_files(current_store())
    ]
    return render_template("dumps.html", files=files)


@blueprint.route("/dumps/<path:name>", methods=["GET", "HEAD"])
def download(name: str) -> Response:
    known = {f.name: f for f in dump_files(current_store())}
    if name not in known:
        abort(404, description=f"no dump file {name!r}; see /dumps/")
    path = dumps_dir() / name
    response = send_file(
        path,
        mimetype="application/gzip",
        as_attachment=True,
        download_name=name.rsplit("/", 1)[-1],
        etag=f"{current_store().version}-{name}",
        conditional=True,
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
