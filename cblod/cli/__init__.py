"""The ``cblod`` command: its entry point (``main``), the demo it serves, its progress line."""

from .main import main

__all__ = ["main"]
