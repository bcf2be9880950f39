"""cblod: publishes Interreg and cohesion-policy project data as linked data."""

__version__ = "0.1.0"
