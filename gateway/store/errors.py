"""Errors of the event store, translated from the database drivers.

::

    StoreError          root: the event store failed
    └── StoreOpenError  the configured database could not be opened
"""

from __future__ import annotations


class StoreError(Exception):
    """Root of the event store's errors."""


class StoreOpenError(StoreError):
    """The configured database could not be opened; the message names the setting."""

    retriable = True
