"""An operator's file, kept prepared in the store folder as JSON: written whole (beside its
place, then moved), read back only when its format is this cblod's. What the NUTS geometries
(``cblod.records.regions``) and the postal codes (``cblod.records.postcodes``) share."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def read_prepared(folder: str | Path, name: str, form: int) -> dict[str, Any] | None:
    """The file ``name`` kept in ``folder``, None when it is not there or of another format."""
    try:
        kept: dict[str, Any] = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return kept if kept.get("format") == form else None


def write_prepared(folder: str | Path, name: str, form: int, body: dict[str, Any]) -> None:
    """``body`` (with its ``format``) as the file ``name`` in ``folder``, whole."""
    handle, partial = tempfile.mkstemp(prefix=f".{name}-", dir=folder)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"format": form, **body}, out, ensure_ascii=False, separators=(",", ":"))
    os.replace(partial, Path(folder) / name)
