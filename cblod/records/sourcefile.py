"""Reading a source file's bytes into text, with the clear errors bad files deserve.

Every mapping gets a ``SourceFile``; decoding, emptiness and binary checks happen once, here,
so each mapping only ever sees well-formed text (or raw bytes, for binary formats such as XLSX).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..core.errors import InputError


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes

    @classmethod
    def read(cls, path: str | Path) -> SourceFile:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror}", file=str(path)) from exc
        if not data.strip():
            raise InputError("file is empty", file=str(path))
        return cls(path, data)

    @property
    def name(self) -> str:
        return str(self.path)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def text(self) -> str | None:
        """The file as text, or None when it is not UTF-8 / UTF-16 text (binary, XLSX, …).

        Sources are expected in UTF-8; a UTF-16 file is accepted when it says so with a BOM.
        Latin-1 or other legacy encodings are refused: decoding them by guess would publish
        wrong characters in names.
        """
        data = self.data
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError:
                return None
        if b"\x00" in data[:4096]:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None

    def json(self) -> Any:
        """The file parsed as JSON, numbers with a point as Decimal (amounts keep their cents)."""
        import json
        from decimal import Decimal

        try:
            return json.loads(self.require_text(), parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=self.name
            ) from exc

    def require_text(self) -> str:
        """The text, or an error explaining why this file cannot be read as text."""
        if self.text is None:
            raise InputError(
                "file is not UTF-8 text (binary data or a legacy encoding such as Latin-1)",
                file=self.name,
            )
        return self.text
