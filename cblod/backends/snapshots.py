"""The folder a store lives in: numbered snapshots, the pointer to the published one, one writer.

    store/
      published           the name of the snapshot readers use ("v000007"), replaced atomically
      v000007/oxigraph/   a published snapshot: never written again
      v000007/search.sqlite3
      v000007/release.json  what changed in this release (``cblod.backends.releases``), with
      v000007/changes.json  the resources it added, changed and removed
      v000007/answers/      answers kept with it, v000007/dumps/ its dumps
      v000008/            a snapshot being written (or one a killed writer left behind)
      write.lock          held by the one process writing

This module knows files and folders only; what goes inside a snapshot is ``cblod.backends.store``'s.
Publishing is ``fsync`` of the new snapshot, then ``os.replace`` of the pointer: after a crash
(power loss included) the pointer names a complete snapshot, the old or the new.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from ..core.errors import StoreError

POINTER = "published"
_NAME = re.compile(r"v(\d{6,})")


def published_snapshot(path: str | Path) -> Path | None:
    """The folder of the snapshot ``path`` publishes now, or None before the first ingest.

    Cheap (one small read), so a server can ask on every request.
    """
    try:
        name = (Path(path) / POINTER).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    if not _NAME.fullmatch(name):
        raise StoreError(f"{Path(path) / POINTER} is damaged ({name[:40]!r})")
    return Path(path) / name


def _number(folder: Path) -> int:
    return int(folder.name[1:])


class SnapshotFolder:
    """Snapshots of one store folder, and the lock that lets one process write at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: TextIO | None = None

    def snapshots(self) -> list[Path]:
        found = [p for p in self.path.iterdir() if p.is_dir() and _NAME.fullmatch(p.name)]
        return sorted(found, key=_number)

    def start(self, published: Path | None) -> Path:
        """Take the write lock and make the folder of the next snapshot.

        Snapshots newer than the published one are what killed writers left behind: they go.
        """
        lock = (self.path / "write.lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise StoreError(f"another process is writing to {self.path}") from None
        self._lock = lock
        try:
            current = _number(published) if published else 0
            for folder in self.snapshots():
                if _number(folder) > current:
                    shutil.rmtree(folder, ignore_errors=True)
            latest = max((_number(p) for p in self.snapshots()), default=0)
            folder = self.path / f"v{latest + 1:06d}"
            folder.mkdir()
        except OSError:
            self.release()
            raise
        return folder

    def publish(self, folder: Path, keep: Callable[[list[Path]], Iterable[Path]]) -> None:
        """Make ``folder`` (complete, closed) the published snapshot; of the older ones, those
        ``keep`` does not choose (given every published snapshot, oldest first) go."""
        _fsync_tree(folder)
        pointer = self.path / f"{POINTER}.{uuid.uuid4().hex}"
        with pointer.open("w", encoding="ascii") as out:
            out.write(folder.name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(pointer, self.path / POINTER)
        _fsync_dir(self.path)
        published = [p for p in self.snapshots() if _number(p) <= _number(folder)]
        kept = set(keep(published)) | {folder}
        for old in published:
            if old not in kept:
                shutil.rmtree(old, ignore_errors=True)

    def discard(self, folder: Path | None) -> None:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_tree(folder: Path) -> None:
    """Everything of a snapshot on disk before the pointer names it. A file with other links
    is a release before's (``cblod.derived.link_or_copy``), on disk since that release was
    published: its new name is made durable with its folder."""
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                if os.fstat(handle.fileno()).st_nlink == 1:
                    os.fsync(handle.fileno())
        _fsync_dir(Path(root))
