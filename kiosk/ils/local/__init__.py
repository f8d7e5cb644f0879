"""The embedded demo library: an ILS stand-in on SQLite with realistic Indonesian data."""

from kiosk.ils.local.backend import LocalIls

__all__ = ["LocalIls"]
